// The assessment statistics' chart: conclusions when first made and now (ECharts, served locally).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("lf-assessment-chart");
    var source = document.getElementById("lf-assessment-chart-data");
    if (!node || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(node);
    chart.setOption({
      tooltip: {},
      legend: { data: data.series, bottom: 0 },
      grid: { left: 40, right: 16, top: 24, bottom: 48 },
      xAxis: { type: "category", data: data.levels },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: data.series[0], type: "bar", data: data.initial, itemStyle: { color: "#90a4ae" } },
        { name: data.series[1], type: "bar", data: data.now, itemStyle: { color: "#a61b1b" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
