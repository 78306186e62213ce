// Photos: uploads with a progress bar per file (drag-and-drop or the file picker), and
// tiles that fill in when their thumbnail is ready. Without this script the upload form
// still works (a plain multipart post).
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
            tile.replaceChildren(image);
          }
        })
        .catch(() => {});
    });
    setTimeout(poll, 1500);
  };
  setTimeout(poll, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  wireUploader();
  watchPendingTiles();
});
