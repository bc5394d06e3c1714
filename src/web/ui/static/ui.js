// otcwatch inspection UI: small conveniences on top of pages that work without script.
// Served from /static (the CSP allows no inline script and no inline handlers).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "Select all" for the bulk status form on the accounts list.
  const all = document.getElementById("select-all");
  if (all) {
    const boxes = () => document.querySelectorAll("input[name='id']");
    all.addEventListener("change", () => {
      for (const box of boxes()) box.checked = all.checked;
      count();
    });
    for (const box of boxes()) box.addEventListener("change", count);
  }

  // How many rows are selected, next to the bulk button.
  function count() {
    const out = document.getElementById("selected-count");
    if (!out) return;
    const n = document.querySelectorAll("input[name='id']:checked").length;
    out.textContent = n === 1 ? "1 selected" : n + " selected";
  }
  count();

  // "/" focuses the search box, as on many review tools; not while typing.
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement;
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      const search = document.getElementById("q");
      if (search) {
        event.preventDefault();
        search.focus();
      }
    }
  });
});
