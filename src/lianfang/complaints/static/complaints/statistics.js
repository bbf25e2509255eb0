// The statistics page's chart: complaints received per month (ECharts, served locally).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("lf-complaint-chart");
    var source = document.getElementById("lf-complaint-chart-data");
    if (!node || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(node);
    chart.setOption({
      tooltip: {},
      grid: { left: 40, right: 16, top: 24, bottom: 40 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.counts, itemStyle: { color: "#a61b1b" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
