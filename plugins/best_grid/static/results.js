// Draws each class's ranking as a bar chart with the vendored ECharts; the numbers are also in
// the table next to it (for screen readers and printing). Data comes from data-chart attributes
// so the page needs no inline script.
(function () {
  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var data = JSON.parse(node.getAttribute("data-chart"));
      node.style.height = (60 + 36 * data.names.length) + "px";  // CSSOM: allowed by the CSP
      var chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", max: 100 },
        yAxis: { type: "category", inverse: true, data: data.names,
                 axisLabel: { fontSize: 16 } },
        series: [{ type: "bar", data: data.totals, itemStyle: { color: "#c0392b" },
                   label: { show: true, position: "right", fontSize: 16 } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
