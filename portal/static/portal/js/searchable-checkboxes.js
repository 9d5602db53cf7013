// A long list of checkboxes found by typing part of a name (accents and case ignored); the chosen ones are named.
(function () {
  "use strict";
  // Wagtail puts form media in the page's head: wait for the form.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  function start() {
  const fold = (text) => text.normalize("NFD").replace(/\p{M}/gu, "").toLocaleLowerCase();
  document.querySelectorAll("[data-searchable-checkboxes]").forEach((box) => {
    const search = box.querySelector(".searchable-filter");
    const chosen = box.querySelector(".searchable-chosen");
    const items = Array.from(box.querySelectorAll(".searchable-list label")).map((label) => ({
      label,
      row: label.parentElement,
      input: label.querySelector("input"),
      name: label.textContent.trim(),
      folded: fold(label.textContent),
    }));
    const summary = () => {
      const names = items.filter((item) => item.input.checked).map((item) => item.name);
      chosen.textContent = names.length ? `${chosen.dataset.some} ${names.join(", ")}` : chosen.dataset.none;
    };
    search.addEventListener("input", () => {
      const query = fold(search.value.trim());
      items.forEach((item) => { item.row.hidden = Boolean(query) && !item.folded.includes(query); });
    });
    // Enter in the search box must not submit the page form.
    search.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
    box.addEventListener("change", summary);
    summary();
  });
  }
})();
