// Report charts: every <canvas data-chart="ID"> draws the JSON of <script id="ID"> with Chart.js
// (vendored under static/vendor/chartjs). The JSON is {kind, labels, datasets: [{label, data}],
// stacked, percent}. Charts are kept in window.workbenchCharts by canvas id.
(function () {
  "use strict";
  var palette = ["#1f6feb", "#b42318", "#067647", "#b54708", "#6941c6", "#0e7090", "#c11574", "#475467", "#93370d"];

  function config(spec) {
    var stacked = Boolean(spec.stacked);
    return {
      type: spec.kind || "line",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (set, i) {
          var colour = palette[i % palette.length];
          return {
            label: set.label,
            data: set.data.map(function (v) { return v === null ? null : Number(v); }),
            borderColor: colour,
            backgroundColor: stacked || spec.kind === "bar" ? colour + "99" : colour,
            fill: stacked,
            spanGaps: true,
            pointRadius: spec.labels.length > 40 ? 0 : 2,
            tension: 0.15
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: stacked, ticks: { maxTicksLimit: 12 } },
          y: {
            stacked: stacked,
            beginAtZero: true,
            ticks: { callback: function (v) { return spec.percent ? v + "%" : Number(v).toLocaleString(); } }
          }
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
      }
    };
  }

  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    window.workbenchCharts = window.workbenchCharts || {};
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      if (window.workbenchCharts[canvas.id]) { window.workbenchCharts[canvas.id].destroy(); }
      window.workbenchCharts[canvas.id] = new window.Chart(canvas, config(spec));
      canvas.dataset.chartReady = "true";
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
