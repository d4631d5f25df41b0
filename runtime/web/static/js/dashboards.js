/* Draws each dashboard chart with Apache ECharts from its data-chart attribute (no inline
   script, per the CSP), and downloads a chart as PNG from the chart itself. The table under
   each chart holds the same figures for screen readers and for copying. */
(function () {
  "use strict";
  var charts = {};

  // Roughly how wide a label is at ECharts' 12px: a CJK character 12px, anything else 7px.
  function textWidth(text) {
    var width = 0;
    String(text).split("").forEach(function (c) { width += c.charCodeAt(0) > 0x2e7f ? 12 : 7; });
    return width;
  }

  function option(data, width, height) {
    var values = data.values.map(function (v) { return v === null ? "-" : v; });
    var tooltip = { trigger: data.type === "distribution" ? "item" : "axis" };
    if (data.type === "distribution") {
      // A ring small enough that the longest name (石景山区, 门头沟区) fits beside it, on a
      // phone and in a third of a laptop screen, instead of being cut to "石...".
      var longest = Math.max.apply(null, data.labels.map(textWidth).concat([0]));
      var half = Math.min(width, height) / 2;
      var outer = Math.round(Math.max(half * 0.3, Math.min(half * 0.65, half - longest - 40)));
      return {
        tooltip: tooltip, animation: false,
        series: [{ type: "pie", radius: [Math.round(outer * 0.58), outer], label: { formatter: "{b}" },
                   labelLine: { length: 8, length2: 6 },
                   data: data.labels.map(function (label, i) { return { name: label, value: values[i] }; }) }]
      };
    }
    if (data.type === "ranking") {
      // The figure at the end of each bar and the unit after the axis lie outside what
      // containLabel measures: keep room for the widest of them on the right.
      var widest = Math.max.apply(null, values.map(textWidth).concat([textWidth(data.unit || "")]));
      return {
        tooltip: tooltip, animation: false,
        grid: { left: 8, right: widest + 16, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", name: data.unit },
        // Long names (Housing and Urban-Rural Development Bureau) wrap within two fifths of
        // the chart instead of squeezing the bars to nothing.
        yAxis: { type: "category", inverse: true, data: data.labels,
                 axisLabel: { width: Math.max(64, Math.round(width * 0.4)), overflow: "break" } },
        // one department alone gets a bar, not a block filling the chart
        series: [{ type: "bar", data: values, barMaxWidth: 28,
                   label: { show: true, position: "right" } }]
      };
    }
    var whole = data.values.every(function (v) { return v === null || v % 1 === 0; });
    // left: half the first date label hangs left of its point, outside what containLabel
    // measures; right: the same for the last one
    return {
      tooltip: tooltip, animation: false, grid: { left: 32, right: 32, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels },
      // counts step in whole numbers: a month of zeros is not read as 0.2, 0.4 cases
      yAxis: { type: "value", name: data.unit, minInterval: whole ? 1 : 0 },
      series: [{ type: "line", data: values, connectNulls: false, smooth: false }]
    };
  }

  function draw(element) {
    var data = JSON.parse(element.getAttribute("data-chart"));
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option(data, element.clientWidth, element.clientHeight));
    chart.lowcodeRedraw = function () {
      chart.setOption(option(data, element.clientWidth, element.clientHeight));
    };
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
      Object.keys(charts).forEach(function (id) { charts[id].resize(); charts[id].lowcodeRedraw(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
