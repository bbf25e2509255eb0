// 防控运行监控: the charts (ECharts) of the monitoring page; a click on a bar opens the list
// behind it. Data come from json_script (strict CSP: no inline script).
(function () {
  "use strict";

  function readJSON(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  const grid = { left: 8, right: 16, top: 32, bottom: 8, containLabel: true };
  const category = (labels) => ({
    type: "category",
    data: labels,
    axisLabel: { width: 110, overflow: "truncate" },
    inverse: true,
  });

  const charts = {
    flows: (d) => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid,
      xAxis: { type: "value", minInterval: 1 },
      yAxis: category(d.labels),
      series: [
        { name: d.names.running, type: "bar", data: d.running },
        { name: d.names.overdue, type: "bar", data: d.overdue, itemStyle: { color: "#dc3545" } },
        { name: d.names.escalated, type: "bar", data: d.escalated, itemStyle: { color: "#6f42c1" } },
      ],
    }),
    departments: (d) => ({
      tooltip: { trigger: "axis" },
      grid,
      xAxis: { type: "value", minInterval: 1 },
      yAxis: category(d.labels),
      series: [{ type: "bar", data: d.values }],
    }),
    completeness: (d) => ({
      tooltip: { trigger: "axis", valueFormatter: (v) => `${v}%` },
      grid,
      xAxis: { type: "value", max: 100 },
      yAxis: category(d.labels),
      series: [{ type: "bar", data: d.values, itemStyle: { color: "#198754" } }],
    }),
  };

  document.addEventListener("DOMContentLoaded", () => {
    const data = readJSON("lf-monitor-charts");
    if (!data || !window.echarts) return;
    const drawn = [];
    document.querySelectorAll("[data-monitor-chart]").forEach((el) => {
      const name = el.dataset.monitorChart;
      const d = data[name];
      if (!charts[name] || !d || !d.labels.length) return;
      // one bar row per entry: the chart grows with them (CSSOM styles pass the CSP)
      el.style.height = `${Math.max(180, 36 * d.labels.length + 70)}px`;
      const chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.on("finished", () => { el.dataset.rendered = "true"; });
      chart.setOption(charts[name](d));
      chart.on("click", (p) => {
        const url = d.links && d.links[p.dataIndex];
        if (url) window.location.assign(url);
      });
      drawn.push(chart);
    });
    let pending;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(() => drawn.forEach((chart) => chart.resize()), 150);
    });
  });
})();
