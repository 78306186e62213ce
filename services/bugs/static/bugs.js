// Bugs: keyboard shortcuts (c new issue, / search, j/k move in the list, r comment, ? the
// list of them), the issue page's panel (one menu open at a time, closed by a tap outside or
// Esc), and the file field of the forms (picked, dropped, or pasted from the clipboard).
// No framework; every page works without this script.
(function () {
  "use strict";

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#issue-list .issue-link"));
  }

  function move(step) {
    var links = rows();
    if (links.length === 0) return;
    var at = links.indexOf(document.activeElement);
    var next = at < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step));
    links[next].focus();
    links[next].scrollIntoView({ block: "nearest" });
  }

  var shortcuts = document.getElementById("shortcuts");
  var openShortcuts = document.getElementById("shortcuts-open");
  var closeShortcuts = document.getElementById("shortcuts-close");

  function showShortcuts() {
    if (shortcuts && !shortcuts.open && shortcuts.showModal) shortcuts.showModal();
  }

  if (shortcuts && openShortcuts && shortcuts.showModal) {
    openShortcuts.hidden = false;
    openShortcuts.addEventListener("click", showShortcuts);
  }
  if (shortcuts && closeShortcuts) {
    closeShortcuts.addEventListener("click", function () { shortcuts.close(); });
  }

  // The panel's menus: one open at a time; a tap on the dimmed page, Esc or Cancel closes it.
  var props = Array.prototype.slice.call(document.querySelectorAll("details.prop"));

  function closeProps(except) {
    props.forEach(function (prop) { if (prop !== except) prop.open = false; });
  }

  props.forEach(function (prop) {
    prop.addEventListener("toggle", function () {
      if (!prop.open) return;
      closeProps(prop);
      var current = prop.querySelector(".choice[aria-current]") || prop.querySelector(".choice, input, select");
      if (current && window.matchMedia("(hover: hover)").matches) current.focus();
    });
    var sheet = prop.querySelector(".sheet");
    if (sheet) {
      sheet.addEventListener("click", function (event) {
        if (event.target === sheet) prop.open = false;
      });
    }
    var cancel = prop.querySelector(".sheet-close");
    if (cancel) {
      cancel.addEventListener("click", function (event) {
        event.preventDefault();
        prop.open = false;
        prop.querySelector("summary").focus();
      });
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && props.some(function (prop) { return prop.open; })) {
      closeProps(null);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (shortcuts && shortcuts.open) return;
    if (event.key === "?") {
      event.preventDefault(); showShortcuts();
    } else if (event.key === "/") {
      var search = document.getElementById("q");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "c") {
      var create = document.getElementById("new-issue");
      if (create) { event.preventDefault(); window.location.href = create.href; }
    } else if (event.key === "r") {
      var comment = document.getElementById("comment-body");
      if (comment) { event.preventDefault(); comment.focus(); comment.scrollIntoView({ block: "center" }); }
    } else if (event.key === "j") {
      event.preventDefault(); move(1);
    } else if (event.key === "k") {
      event.preventDefault(); move(-1);
    }
  });

  var input = document.getElementById("screenshot");
  var zone = document.getElementById("dropzone");
  var shown = document.getElementById("screenshot-name");
  if (!input || !zone) return;

  function use(file) {
    if (!file) return;
    var transfer = new DataTransfer();
    var name = file.name && file.name !== "image.png" ? file.name : "screenshot-" + Date.now() + ".png";
    transfer.items.add(new File([file], name, { type: file.type }));
    input.files = transfer.files;
    show();
  }

  function show() {
    if (shown) shown.textContent = input.files.length ? "Attached: " + input.files[0].name : "";
  }

  input.addEventListener("change", show);
  zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) use(event.dataTransfer.files[0]);
  });
  document.addEventListener("paste", function (event) {
    var items = (event.clipboardData && event.clipboardData.items) || [];
    for (var i = 0; i < items.length; i++) {
      if (items[i].kind === "file" && items[i].type.indexOf("image/") === 0) {
        event.preventDefault();
        use(items[i].getAsFile());
        return;
      }
    }
  });
})();
