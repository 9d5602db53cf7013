// Draws each report's chart from its own data URL; the table below each chart holds the same figures.
(function () {
  "use strict";
  const colours = ["#1f5fa8", "#111111", "#007d7e", "#cd4444", "#8a5a00"];
  document.querySelectorAll("canvas[data-chart-url]").forEach(function (canvas) {
    fetch(canvas.dataset.chartUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        const chart = new window.Chart(canvas, {
          type: data.type,
          data: {
            labels: data.labels,
            datasets: data.datasets.map(function (dataset, index) {
              return {
                label: dataset.label,
                data: dataset.data,
                borderColor: colours[index % colours.length],
                backgroundColor: colours[index % colours.length],
                spanGaps: true,
              };
            }),
          },
          options: {
            animation: false,
            scales: { x: { title: { display: Boolean(data.x_title), text: data.x_title } }, y: { beginAtZero: true } },
          },
        });
        canvas.dataset.drawn = String(chart.data.datasets.length);
      })
      .catch(function () {
        canvas.insertAdjacentText("afterend", canvas.getAttribute("aria-label") + ": —");
      });
  });
})();
