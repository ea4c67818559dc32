// Dashboard charts, drawn with the vendored ECharts from the numbers in data-chart attributes (the
// same numbers are in the table next to each chart). No inline script: the CSP forbids it.
(function () {
  var PALETTE = ["#2e86c1", "#27ae60", "#c0392b", "#e5b700"];

  // ECharts puts a tooltip's text into the page as HTML, and the category names are grid,
  // village and town names that their admins choose: every piece of text is escaped here.
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function tooltip(params) {
    var rows = [].concat(params);
    if (!rows.length) return "";
    var lines = [escapeHtml(rows[0].name)];
    rows.forEach(function (p) {
      lines.push(p.marker + escapeHtml(p.seriesName) + ": " + escapeHtml(p.value));
    });
    return lines.join("<br>");
  }

  function option(data, width) {
    var text = data.dark ? "#e8eef5" : "#333";
    var common = {
      animation: false,
      textStyle: { fontSize: data.dark ? 18 : 13, color: text },
      legend: { top: 0, textStyle: { color: text, fontSize: data.dark ? 18 : 13 } },
      tooltip: { trigger: "axis", formatter: tooltip },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true }
    };
    var series = data.series.map(function (s, i) {
      return { name: s.name, type: data.type === "bars" ? "bar" : "line", data: s.values,
               itemStyle: { color: s.colour || PALETTE[i % PALETTE.length] },
               lineStyle: { width: data.dark ? 4 : 2 }, symbolSize: data.dark ? 8 : 5 };
    });
    var labels = data.type === "bars" ? data.names : data.months;
    common.xAxis = { type: "category", data: labels,
                     axisLabel: { color: text, interval: 0,
                                  rotate: labels.length > 8 || (width < 520 && labels.length > 2) ? 30 : 0 } };
    common.yAxis = { type: "value", minInterval: 1, axisLabel: { color: text, fontSize: data.dark ? 16 : 12 },
                     splitLine: { lineStyle: { color: data.dark ? "#2a4a6b" : "#e5e5e5" } } };
    common.xAxis.axisLabel.fontSize = data.dark ? 16 : 12;
    common.series = series;
    return common;
  }

  function draw(root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (node) {
      var existing = window.echarts.getInstanceByDom(node);
      if (existing) existing.dispose();
      var chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption(option(JSON.parse(node.getAttribute("data-chart")), node.clientWidth));
    });
  }

  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var chart = window.echarts && window.echarts.getInstanceByDom(node);
      if (chart) chart.resize();
    });
  });
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // The wall screen's panel is replaced by htmx polling: draw the new charts.
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-fullscreen]") && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen();
    }
  });
})();
