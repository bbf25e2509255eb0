// The home page charts: each .lf-chart names its type (data-chart) and its json_script (data-source).
(() => {
  const palette = ["#a61b1b", "#e67e22", "#2e86de", "#7f8c8d", "#16a085", "#8e44ad"];
  // HTML tooltips carry style attributes, which the CSP blocks: draw them on the canvas.
  const tooltip = { renderMode: "richText" };

  const builders = {
    bar(data) {
      return {
        color: [palette[0]],
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        tooltip: { ...tooltip, trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: {
          type: "category",
          inverse: true,
          data: data.labels,
          axisLabel: { width: 120, overflow: "truncate" },
        },
        series: [{ type: "bar", data: data.values, barMaxWidth: 18, label: { show: true, position: "right" } }],
      };
    },
    pie(data) {
      return {
        color: palette,
        tooltip: { ...tooltip, trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { bottom: 0, type: "scroll" },
        series: [{
          type: "pie",
          radius: ["38%", "66%"],
          center: ["50%", "45%"],
          data,
          // Names are in the legend; long ones would be cut off beside a narrow ring.
          label: { formatter: "{d}%" },
        }],
      };
    },
  };

  document.addEventListener("DOMContentLoaded", () => {
    if (!window.echarts) return;
    const charts = [];
    document.querySelectorAll(".lf-chart[data-chart]").forEach((el) => {
      const source = document.getElementById(el.dataset.source);
      const build = builders[el.dataset.chart];
      if (!source || !build) return;
      const chart = window.echarts.init(el, null, { renderer: "canvas" });
      // Marks the chart as drawn (after its animation), for tests and screenshots.
      chart.on("finished", () => { el.dataset.rendered = "true"; });
      chart.setOption(build(JSON.parse(source.textContent)));
      charts.push(chart);
    });
    let pending;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(() => charts.forEach((chart) => chart.resize()), 150);
    });
  });
})();
