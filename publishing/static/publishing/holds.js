// Holds: only the chosen scope's picker is shown (all of them without JavaScript; the server ignores the others).
(function () {
  const scope = document.getElementById("id_scope");
  if (!scope) return;
  const pickers = { region: "id_region", embassy: "id_embassy", story: "id_story" };
  function show() {
    Object.entries(pickers).forEach(([value, id]) => {
      const field = document.getElementById(id);
      const wrapper = field && (field.closest("[data-field-wrapper]") || field.parentElement);
      if (wrapper) wrapper.hidden = scope.value !== value;
    });
  }
  scope.addEventListener("change", show);
  show();
})();
