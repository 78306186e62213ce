// Photos: uploads with a progress bar per file (drag-and-drop or the file picker), tiles
// that fill in when their thumbnail is ready, picking many items (tap and hold on a phone,
// shift-click on a computer), and the viewer's keys and swipes. Without this script every
// page still works: the upload form posts, "Select" opens a page of checkboxes, previous and
// next are links.
"use strict";

const PARALLEL_UPLOADS = 3;

function uploadOne(uploader, file, visibility) {
  const row = document.createElement("li");
  const name = document.createElement("span");
  name.textContent = file.name;
  const status = document.createElement("span");
  status.textContent = "waiting";
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  row.append(name, status, bar);
  document.getElementById("upload-list").append(row);

  return () => new Promise((resolve) => {
    const url = `${uploader.dataset.uploadUrl}?file_name=${encodeURIComponent(file.name)}&visibility=${visibility}`;
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("X-CSRF-Token", uploader.dataset.csrf);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.setRequestHeader("Accept", "application/json");
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) {
        bar.value = Math.round((event.loaded / event.total) * 100);
        status.textContent = `${bar.value}%`;
      }
    };
    request.onload = () => {
      let answer = {};
      try { answer = JSON.parse(request.responseText); } catch (_) { /* not JSON */ }
      if (request.status === 200 || request.status === 201) {
        bar.value = 100;
        status.textContent = answer.notice || (answer.duplicate ? "already there" : "done");
        resolve({ ok: true, duplicate: Boolean(answer.duplicate), keptPrivate: Boolean(answer.notice) });
      } else {
        status.textContent = answer.detail || `failed (${request.status})`;
        status.className = "failed";
        resolve({ ok: false });
      }
    };
    request.onerror = () => {
      status.textContent = "the connection broke; try again";
      status.className = "failed";
      resolve({ ok: false });
    };
    status.textContent = "uploading";
    request.send(file);
  });
}

async function uploadAll(uploader, files) {
  const visibility = document.getElementById("upload-visibility").value;
  const jobs = Array.from(files).map((file) => uploadOne(uploader, file, visibility));
  const results = [];
  async function worker() {
    while (jobs.length > 0) results.push(await jobs.shift()());
  }
  await Promise.all(Array.from({ length: PARALLEL_UPLOADS }, worker));
  const done = results.filter((r) => r.ok);
  const duplicates = done.filter((r) => r.duplicate).length;
  const keptPrivate = done.filter((r) => r.keptPrivate).length;
  const summary = `/photos/?uploaded=${done.length}&duplicates=${duplicates}&kept_private=${keptPrivate}`;
  if (done.length === results.length && done.length > 0) {
    window.location.href = summary;
  } else if (done.length > 0) {
    const note = document.createElement("li");
    const link = document.createElement("a");
    link.href = summary;
    link.textContent = `${done.length} of ${results.length} uploaded: see them`;
    note.append(link);
    document.getElementById("upload-list").append(note);
  }
}

function wireUploader() {
  const uploader = document.getElementById("uploader");
  if (!uploader) return;
  // Files dragged over the page unfold the upload box to drop them in.
  const box = document.getElementById("uploader-box");
  window.addEventListener("dragenter", (event) => {
    if (box && event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) box.open = true;
  });
  const input = document.getElementById("upload-files");
  const dropzone = document.getElementById("dropzone");
  document.getElementById("upload-button").hidden = true;
  input.addEventListener("change", () => {
    if (input.files.length > 0) uploadAll(uploader, input.files);
  });
  ["dragenter", "dragover"].forEach((type) => dropzone.addEventListener(type, (event) => {
    event.preventDefault();
    dropzone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((type) => dropzone.addEventListener(type, () => dropzone.classList.remove("over")));
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length > 0) uploadAll(uploader, event.dataTransfer.files);
  });
}

// Tiles whose preview is still being made ask for it every 1.5 s, for up to two minutes.
function watchPendingTiles() {
  const started = Date.now();
  const poll = () => {
    const pending = document.querySelectorAll('.tile[data-preview="pending"]');
    if (pending.length === 0 || Date.now() - started > 120000) return;
    pending.forEach((tile) => {
      fetch(`/photos/api/items/${tile.dataset.item}`, { headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : null))
        .then((item) => {
          if (!item || item.preview === "pending") return;
          tile.dataset.preview = item.preview;
          if (item.preview === "ready") {
            const image = document.createElement("img");
            image.src = item.thumbnail_url;
            image.alt = item.file_name;
            (tile.querySelector(".open") || tile).replaceChildren(image);
          }
        })
        .catch(() => {});
    });
    setTimeout(poll, 1500);
  };
  setTimeout(poll, 1000);
}

// The justified grid, as Immich lays it out: rows of tiles as tall as each other, each as wide
// as its shape, every row (but the last) exactly the width of the page, each row's height as
// close to the target as the shapes allow. Without script the stylesheet's flex rows come
// close; a row's tiles are sized here through the CSSOM (the CSP allows no style attribute).
const GAP_PX = 3;

function shapeOf(tile) {
  const match = /\br(\d+)\b/.exec(tile.className);
  return match ? Number(match[1]) / 20 : 1;
}

function justify(grid) {
  const tiles = Array.from(grid.children).filter((child) => child.classList.contains("tile"));
  const width = Math.floor(grid.getBoundingClientRect().width);
  const target = parseFloat(getComputedStyle(grid).getPropertyValue("--row")) || 160;
  if (width === 0 || tiles.length === 0) return;
  // A row at `height`; a full row's last tile takes what rounding left, so the row is exact.
  const place = (row, height, full) => {
    let left = width - GAP_PX * (row.length - 1);
    row.forEach(({ tile, shape }, index) => {
      const shown = full && index === row.length - 1 ? left : Math.max(1, Math.floor(shape * height));
      left -= shown;
      tile.style.flex = "0 0 auto";
      tile.style.width = `${shown}px`;
      tile.style.height = `${Math.round(height)}px`;
      tile.style.aspectRatio = "auto";
    });
  };
  let row = [];
  let shapes = 0;
  tiles.forEach((tile) => {
    const shape = shapeOf(tile);
    const height = (width - GAP_PX * row.length) / (shapes + shape);
    if (row.length > 0 && height < target) {
      const without = (width - GAP_PX * (row.length - 1)) / shapes;
      if (Math.abs(without - target) < Math.abs(height - target)) {
        place(row, without, true);
        row = [];
        shapes = 0;
      }
    }
    row.push({ tile, shape });
    shapes += shape;
    const closed = (width - GAP_PX * (row.length - 1)) / shapes;
    if (closed <= target) {
      place(row, closed, true);
      row = [];
      shapes = 0;
    }
  });
  if (row.length > 0) {
    const natural = (width - GAP_PX * (row.length - 1)) / shapes;
    place(row, Math.min(target, natural), natural <= target);
  }
}

function wireJustifiedGrids() {
  const grids = document.querySelectorAll(".justified");
  if (grids.length === 0) return;
  grids.forEach(justify);
  if (window.ResizeObserver) {
    let widths = new Map();
    const observer = new ResizeObserver((entries) => entries.forEach((entry) => {
      const width = Math.round(entry.contentRect.width);
      if (widths.get(entry.target) !== width) {
        widths.set(entry.target, width);
        justify(entry.target);
      }
    }));
    grids.forEach((grid) => observer.observe(grid));
  }
}

// Picking items of a grid: the checkboxes of the tiles belong to the form #selection, whose
// bar shows how many are picked. A tap and hold (half a second) picks a tile and starts
// picking; then a tap picks or unpicks; shift-click picks every tile between two.
const HOLD_MS = 450;

function wireSelection() {
  const form = document.getElementById("selection");
  const library = document.querySelector("[data-library]");
  if (!form || !library) return;
  const count = form.querySelector("[data-selection-count]");
  const boxes = () => Array.from(document.querySelectorAll('.tile .pick input[form="selection"]'));
  let anchor = null;

  const refresh = () => {
    const picked = boxes().filter((box) => box.checked).length;
    const picking = picked > 0 || library.classList.contains("selecting");
    library.classList.toggle("selecting", picking);
    form.hidden = !picking;
    count.textContent = picked === 0 ? "Tap the items to pick them" : picked === 1 ? "1 picked" : `${picked} picked`;
  };
  const start = () => {
    library.classList.add("selecting");
    refresh();
  };
  const stop = () => {
    boxes().forEach((box) => { box.checked = false; });
    library.classList.remove("selecting");
    anchor = null;
    refresh();
  };
  const pickRange = (to) => {
    const all = boxes();
    const [from, until] = [all.indexOf(anchor), all.indexOf(to)].sort((a, b) => a - b);
    if (from < 0) { to.checked = true; return; }
    all.slice(from, until + 1).forEach((box) => { box.checked = true; });
  };

  document.querySelectorAll("[data-select-start]").forEach((link) => link.addEventListener("click", (event) => {
    event.preventDefault();
    start();
  }));
  form.querySelectorAll("[data-selection-cancel]").forEach((link) => link.addEventListener("click", (event) => {
    event.preventDefault();
    stop();
  }));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && library.classList.contains("selecting")) stop();
  });

  boxes().forEach((box) => {
    const tile = box.closest(".tile");
    const label = box.closest(".pick");
    label.addEventListener("click", (event) => {
      if (event.shiftKey && anchor && event.target !== box) {
        event.preventDefault();
        pickRange(box);
        refresh();
      }
    });
    box.addEventListener("click", (event) => {
      if (event.shiftKey && anchor) pickRange(box);
    });
    box.addEventListener("change", () => {
      if (box.checked) anchor = box;
      refresh();
    });
    const open = tile.querySelector(".open");
    open.addEventListener("click", (event) => {
      if (event.shiftKey || library.classList.contains("selecting")) {
        event.preventDefault();
        if (event.shiftKey && anchor) pickRange(box); else box.checked = !box.checked;
        if (box.checked) anchor = box;
        start();
        return;
      }
      sessionStorage.setItem("photos.list", location.pathname + location.search);
    });
    // Tap and hold: pick the tile, and keep the tap that follows from opening it.
    let timer = null;
    let held = false;
    let startedAt = null;
    open.addEventListener("touchstart", (event) => {
      held = false;
      const touch = event.changedTouches[0];
      startedAt = touch ? [touch.clientX, touch.clientY] : null;
      timer = setTimeout(() => {
        held = true;
        box.checked = true;
        anchor = box;
        start();
        if (navigator.vibrate) navigator.vibrate(15);
      }, HOLD_MS);
    }, { passive: true });
    open.addEventListener("touchmove", (event) => {
      const touch = event.changedTouches[0];
      if (startedAt && touch && Math.hypot(touch.clientX - startedAt[0], touch.clientY - startedAt[1]) > 10) {
        clearTimeout(timer);
      }
    }, { passive: true });
    open.addEventListener("touchend", (event) => {
      clearTimeout(timer);
      if (held) event.preventDefault();
    });
    open.addEventListener("contextmenu", (event) => {
      if (held || library.classList.contains("selecting")) event.preventDefault();
    });
  });
  refresh();
}

// The viewer: ← and → step through the list it was opened from, Escape goes back; on a touch
// screen a swipe steps. Steps replace the page in the history, so the browser's back button
// (like the ← of the page) returns to the list, where the item just seen is in view.
const SWIPE_PX = 60;

function wireViewer() {
  const stage = document.querySelector("[data-viewer]");
  if (!stage) return;
  const back = stage.querySelector("[data-back]");
  const list = sessionStorage.getItem("photos.list");
  if (back && list && list.split("?")[0] === back.pathname) {
    back.href = `${list}#item-${stage.dataset.item}`;
  }
  const step = (which) => {
    const link = stage.querySelector(`[data-step="${which}"]`);
    if (link) location.replace(link.href);
  };
  stage.querySelectorAll("[data-step]").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      location.replace(link.href);
    });
    if (link.dataset.preload) new Image().src = link.dataset.preload;
  });
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (typing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowLeft") step("previous");
    else if (event.key === "ArrowRight") step("next");
    else if (event.key === "Escape" && back) location.href = back.href;
  });

  const frame = stage.querySelector("[data-frame]");
  const picture = stage.querySelector("[data-picture]");
  let from = null;
  frame.addEventListener("touchstart", (event) => {
    const touch = event.changedTouches[0];
    from = event.touches.length === 1 && touch ? [touch.clientX, touch.clientY] : null;
  }, { passive: true });
  frame.addEventListener("touchmove", (event) => {
    const touch = event.changedTouches[0];
    if (!from || !touch || !picture) return;
    const dx = touch.clientX - from[0];
    if (Math.abs(dx) > Math.abs(touch.clientY - from[1])) picture.style.transform = `translateX(${dx}px)`;
  }, { passive: true });
  frame.addEventListener("touchend", (event) => {
    const touch = event.changedTouches[0];
    if (!from || !touch) return;
    const [dx, dy] = [touch.clientX - from[0], touch.clientY - from[1]];
    from = null;
    if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(dy) * 1.5) {
      step(dx < 0 ? "next" : "previous");
    } else if (picture) {
      picture.style.transform = "";
    }
  });
}

// What an action did stays on screen a while, then goes (the trash keeps "Undo" for 30 days).
const NOTICE_MS = 15000;

function fadeToasts() {
  document.querySelectorAll(".toast").forEach((toast) => {
    setTimeout(() => { toast.hidden = true; }, NOTICE_MS);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.body.classList.add("photos-js");
  fadeToasts();
  wireJustifiedGrids();
  wireUploader();
  watchPendingTiles();
  wireSelection();
  wireViewer();
});
