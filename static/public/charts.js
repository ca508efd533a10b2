// Statistics charts: each <canvas data-chart="ID"> draws the JSON of <script id="ID" type="application/json">
// (written by Django's json_script) as a stacked horizontal bar chart. The numbers are also in the table beside it.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var palette = ["#198754", "#0d6efd", "#fd7e14", "#6f42c1", "#20c997", "#d63384", "#ffc107"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var last = data.datasets.length - 1;
    data.datasets.forEach(function (dataset, index) {
      dataset.backgroundColor = index === last ? "#adb5bd" : palette[index % palette.length];
    });
    var height = Math.max(160, 28 * data.labels.length + 60);
    canvas.parentElement.style.height = height + "px";
    canvas.setAttribute("data-chart-drawn", "1");
    new window.Chart(canvas, {
      type: "bar",
      data: data,
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
})();
