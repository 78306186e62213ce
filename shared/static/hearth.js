// Hearth's one script (loaded with defer; no inline script anywhere, per the CSP).
"use strict";

// Live health dots: every element with data-health="URL" turns green or red.
function refreshHealth() {
  document.querySelectorAll("[data-health]").forEach((dot) => {
    fetch(dot.dataset.health, { cache: "no-store" })
      .then((r) => r.ok)
      .catch(() => false)
      .then((ok) => {
        dot.classList.toggle("ok", ok);
        dot.classList.toggle("down", !ok);
        dot.title = ok ? "Running" : "Not answering";
      });
  });
}

// Buttons with data-copy="ID" copy that input's value, and say whether it worked (the
// clipboard API exists only on https or localhost; elsewhere the text stays selected).
function wireCopyButtons() {
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      const input = document.getElementById(button.dataset.copy);
      input.select();
      const copied = navigator.clipboard
        ? navigator.clipboard.writeText(input.value).then(() => true, () => false)
        : Promise.resolve(document.execCommand && document.execCommand("copy"));
      copied.then((ok) => {
        button.textContent = ok ? "Copied" : "Selected: copy it yourself";
      });
    });
  });
}

// Forms with data-confirm="question" ask before they are sent.
function wireConfirmations() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  wireCopyButtons();
  wireConfirmations();
  if (document.querySelector("[data-health]")) {
    refreshHealth();
    setInterval(refreshHealth, 15000);
  }
});
