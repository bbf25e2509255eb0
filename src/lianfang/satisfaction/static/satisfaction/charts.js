/* Month-on-month satisfaction: the overall score and its two dimensions, with the count of
   answers as bars. Data from the page's json_script (CSP: no inline script). */
(function () {
  "use strict";
  document.querySelectorAll("[data-sat-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-sat-chart"));
    if (!source || !window.echarts) { return; }
    var d = JSON.parse(source.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["满意度", "诊疗满意度", "服务满意度", "有效评价"], top: 0 },
      grid: { left: 40, right: 40, top: 40, bottom: 30 },
      xAxis: { type: "category", data: d.months },
      yAxis: [
        { type: "value", min: function (v) { return Math.max(0, Math.floor(v.min / 10) * 10); }, max: 100 },
        { type: "value", splitLine: { show: false } }
      ],
      series: [
        { name: "满意度", type: "line", data: d.mean, smooth: true },
        { name: "诊疗满意度", type: "line", data: d.care, smooth: true },
        { name: "服务满意度", type: "line", data: d.service, smooth: true },
        { name: "有效评价", type: "bar", yAxisIndex: 1, data: d.count, itemStyle: { opacity: 0.25 } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
