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

// The time zone times are shown in: the one chosen on the account page, else the browser's.
// The portal's pages say which was chosen (<html data-time-zone="Europe/London">, or "" for
// the browser's); it is kept here for the pages of the other services, which do not know it.
const ZONE_KEY = "hearth.timeZone";

function chosenTimeZone() {
  const said = document.documentElement.dataset.timeZone;
  try {
    if (said === undefined) return localStorage.getItem(ZONE_KEY) || undefined;
    if (said) localStorage.setItem(ZONE_KEY, said);
    else localStorage.removeItem(ZONE_KEY);
  } catch {
    // Storage refused (a private window): this page's own answer still counts.
  }
  return said || undefined;
}

// A formatter in `zone`, or in the browser's zone when `zone` is not one it knows.
function dateFormat(zone, options) {
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone: zone });
  } catch {
    return new Intl.DateTimeFormat(undefined, options);
  }
}

// Every <time datetime="…Z"> is shown in the viewer's zone; one that says how long ago
// (data-ago) keeps its words and gets the moment as its tooltip.
function localTimes() {
  const zone = chosenTimeZone();
  const short = dateFormat(zone, { dateStyle: "medium", timeStyle: "short" });
  const full = dateFormat(zone, { dateStyle: "full", timeStyle: "long" });
  document.querySelectorAll("time[datetime]").forEach((element) => {
    const moment = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime())) return;
    if (!("ago" in element.dataset)) element.textContent = short.format(moment);
    element.title = full.format(moment);
  });
}

// A <select data-time-zones> lists every zone the browser knows, and says which is the
// browser's own on its first option ("Automatic").
function fillTimeZones() {
  document.querySelectorAll("select[data-time-zones]").forEach((select) => {
    const own = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    const automatic = select.querySelector("option[value='']");
    if (automatic && own) automatic.textContent = `Automatic (${own})`;
    if (!Intl.supportedValuesOf) return;
    const present = new Set([...select.options].map((option) => option.value));
    Intl.supportedValuesOf("timeZone").forEach((zone) => {
      if (!present.has(zone)) select.add(new Option(zone.replaceAll("_", " "), zone));
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  wireCopyButtons();
  wireConfirmations();
  fillTimeZones();
  localTimes();
  if (document.querySelector("[data-health]")) {
    refreshHealth();
    setInterval(refreshHealth, 15000);
  }
});
