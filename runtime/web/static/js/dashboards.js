/* Draws each dashboard chart with Apache ECharts from its data-chart attribute (no inline
   script, per the CSP), and downloads a chart as PNG from the chart itself. The table under
   each chart holds the same figures for screen readers and for copying. */
(function () {
  "use strict";
  var charts = {};

  function option(data) {
    var values = data.values.map(function (v) { return v === null ? "-" : v; });
    var tooltip = { trigger: data.type === "distribution" ? "item" : "axis" };
    if (data.type === "distribution") {
      return {
        tooltip: tooltip, animation: false,
        series: [{ type: "pie", radius: ["35%", "65%"],
                   data: data.labels.map(function (label, i) { return { name: label, value: values[i] }; }) }]
      };
    }
    if (data.type === "ranking") {
      return {
        tooltip: tooltip, animation: false, grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", name: data.unit },
        yAxis: { type: "category", inverse: true, data: data.labels },
        series: [{ type: "bar", data: values, label: { show: true, position: "right" } }]
      };
    }
    return {
      tooltip: tooltip, animation: false, grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value", name: data.unit },
      series: [{ type: "line", data: values, connectNulls: false, smooth: false }]
    };
  }

  function draw(element) {
    var data = JSON.parse(element.getAttribute("data-chart"));
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option(data));
    charts[element.id] = chart;
    element.setAttribute("data-drawn", "true");
  }

  function savePng(button) {
    var chart = charts[button.getAttribute("data-png")];
    if (!chart) { return; }
    var link = document.createElement("a");
    link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
    link.download = button.getAttribute("data-filename") || "chart.png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function start() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(draw);
    document.querySelectorAll("[data-png]").forEach(function (button) {
      button.addEventListener("click", function () { savePng(button); });
    });
    // A preview swapped in by htmx (the designer's) brings new charts: draw those too.
    document.addEventListener("htmx:afterSettle", function () {
      document.querySelectorAll("[data-chart]:not([data-drawn])").forEach(draw);
    });
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
