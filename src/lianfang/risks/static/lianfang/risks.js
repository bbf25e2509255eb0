// The risk register pages: charts (ECharts) and printing (the risk point form's choices are
// risk-point-form.js's). No inline scripts: the CSP forbids them; data comes from json_script tags.
(() => {
  const readJSON = (id) => {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  // HTML tooltips carry style attributes, which the CSP blocks: draw them on the canvas.
  const tooltip = { renderMode: "richText" };

  const charts = {
    heatmap(data) {
      const axis = Array.from({ length: data.size }, (_, i) => String(i + 1));
      const cellLevel = (harm, likelihood) =>
        data.grid ? data.levels[String(data.grid[likelihood][harm])] : null;
      return {
        tooltip: {
          ...tooltip,
          position: "top",
          formatter: (p) => {
            const [harm, likelihood, count] = p.data;
            const level = cellLevel(harm, likelihood);
            return `${data.likelihood} ${likelihood + 1} × ${data.harm} ${harm + 1}` +
              (level ? `（${level}）` : "") + `：${count}`;
          },
        },
        grid: { left: 56, right: 16, top: 16, bottom: 88 },
        xAxis: { type: "category", data: axis, name: data.harm, nameLocation: "middle", nameGap: 28, splitArea: { show: true } },
        yAxis: { type: "category", data: axis, name: data.likelihood, nameLocation: "middle", nameGap: 32, splitArea: { show: true } },
        visualMap: {
          min: 0,
          max: Math.max(data.max, 1),
          calculable: true,
          orient: "horizontal",
          left: "center",
          bottom: 0,
          inRange: { color: ["#f8f9fa", "#f5b7b1", "#c0392b"] },
        },
        series: [{
          type: "heatmap",
          data: data.cells,
          label: {
            show: true,
            formatter: (p) => {
              const level = cellLevel(p.data[0], p.data[1]);
              return level ? `${p.data[2]}\n${level}` : String(p.data[2]);
            },
          },
          emphasis: { itemStyle: { shadowBlur: 8, shadowColor: "rgba(0,0,0,.3)" } },
        }],
      };
    },
    levels(data) {
      return {
        tooltip: { ...tooltip, trigger: "item", formatter: "{b}：{c}（{d}%）" },
        legend: { bottom: 0 },
        series: [{
          type: "pie",
          radius: ["38%", "66%"],
          center: ["50%", "45%"],
          data: data
            .filter((d) => d.value > 0)
            .map((d) => ({ name: d.name, value: d.value, level: d.level, itemStyle: { color: d.colour } })),
          label: { formatter: "{b}\n{c}" },
        }],
      };
    },
    departments(data) {
      return {
        tooltip: { ...tooltip, trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { bottom: 0 },
        grid: { left: 8, right: 24, top: 8, bottom: 36, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: {
          type: "category",
          inverse: true,
          data: data.labels,
          triggerEvent: true, // a department's name opens its risk points
          axisLabel: { width: 160, overflow: "truncate" },
        },
        series: data.series.map((s) => ({
          name: s.name,
          type: "bar",
          stack: "level",
          data: s.data,
          barMaxWidth: 18,
          itemStyle: { color: s.colour },
        })),
      };
    },
  };

  // Where a click on a chart leads: the register filtered to the cell, slice or bar.
  const targets = {
    heatmap(p, links) {
      const [harm, likelihood, count] = p.data;
      return count ? links.heatmap[`${likelihood + 1}-${harm + 1}`] : null;
    },
    levels(p, links) {
      return p.data && p.data.value ? links.levels[p.data.level] : null;
    },
    departments(p, links, data) {
      if (p.componentType === "yAxis") {
        const entry = links.departments[data.departments.labels.indexOf(p.value)];
        return entry ? entry.all : null;
      }
      const entry = links.departments[p.dataIndex];
      const series = data.departments.series[p.seriesIndex];
      return entry && entry.levels && p.value ? entry.levels[series.level] : null;
    },
  };

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-print]").forEach((el) => {
      el.addEventListener("click", () => window.print());
    });

    const data = readJSON("lf-risk-charts");
    if (!data || !window.echarts) return;
    const drawn = [];
    document.querySelectorAll("[data-risk-chart]").forEach((el) => {
      const name = el.dataset.riskChart;
      if (!charts[name] || !data[name]) return;
      if (name === "departments") {
        // one bar per department: the chart grows with them (CSSOM styles pass the CSP)
        el.style.height = `${Math.max(220, 34 * data.departments.labels.length + 80)}px`;
      }
      const chart = window.echarts.init(el, null, { renderer: "canvas" });
      // Marks the chart as drawn (after its animation), for tests and screenshots.
      chart.on("finished", () => { el.dataset.rendered = "true"; });
      chart.setOption(charts[name](data[name]));
      chart.on("click", (p) => {
        const url = data.links && targets[name](p, data.links, data);
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
