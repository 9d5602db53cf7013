// Review queue: an exact live counter (the server counts as X does), a live preview, and UTC for the local time.
(function () {
  const script = document.currentScript;
  const countUrl = script.dataset.countUrl;
  const timers = new WeakMap();

  function count(area) {
    const counter = document.getElementById(area.dataset.counter);
    const preview = document.getElementById(area.dataset.preview);
    if (preview) preview.querySelector(".preview-text").textContent = area.value;
    const problems = document.getElementById(area.dataset.problems);
    const approve = area.form.querySelectorAll("button[type=submit]");
    const url = `${countUrl}?network=${encodeURIComponent(area.dataset.network)}&text=${encodeURIComponent(area.value)}` +
      `&link=${encodeURIComponent(area.dataset.link || "")}`;
    fetch(url, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((data) => {
        counter.querySelector(".n").textContent = data.length;
        counter.classList.toggle("over", !data.fits);
        area.setAttribute("aria-invalid", data.problems.length ? "true" : "false");
        // Approve waits until every problem is fixed, and the reasons stand beside it.
        problems.replaceChildren(...data.problems.map((text) => { const li = document.createElement("li"); li.textContent = text; return li; }));
        approve.forEach((button) => { button.disabled = data.problems.length > 0; });
      });
  }

  function showUtc(input) {
    const target = document.getElementById(input.dataset.utc);
    if (!input.value || !target) return;
    // The server converts with the IANA zone; this line only shows the same conversion to the reviewer.
    const zone = input.dataset.zone;
    const [datePart, timePart] = input.value.split("T");
    const guess = new Date(`${datePart}T${timePart}:00Z`);
    const shown = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(guess);
    const part = (type) => shown.find((p) => p.type === type).value;
    const asLocal = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"));
    const utc = new Date(guess.getTime() - (asLocal - guess.getTime()));
    target.textContent = `= ${utc.toISOString().slice(0, 16).replace("T", " ")} UTC (${zone})`;
  }

  document.querySelectorAll("textarea[data-counter]").forEach((area) => {
    area.addEventListener("input", () => {
      clearTimeout(timers.get(area));
      timers.set(area, setTimeout(() => count(area), 120));
    });
  });
  document.querySelectorAll("[data-select-all]").forEach((all) => {
    all.addEventListener("change", () => {
      document.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`).forEach((box) => { box.checked = all.checked; });
    });
  });
  document.querySelectorAll("[data-submit-on-change]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  document.querySelectorAll("input[data-zone]").forEach((input) => {
    input.addEventListener("input", () => showUtc(input));
    showUtc(input);
  });
})();
