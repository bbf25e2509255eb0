// Small behaviours shared by every page; no inline scripts (the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  // Auto-submit filter forms when a select changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach((el) => {
    el.addEventListener("change", () => el.form.requestSubmit());
  });
  // Confirm destructive actions.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
  // A header checkbox ticks every box of its group (name given by data-check-all).
  document.querySelectorAll("input[data-check-all]").forEach((all) => {
    const boxes = () => all.form.querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`);
    all.addEventListener("change", () => boxes().forEach((box) => { box.checked = all.checked; }));
  });
  // A print button (the print style of the page's app leaves the menus out).
  document.querySelectorAll("[data-lf-print]").forEach((el) => {
    el.addEventListener("click", () => window.print());
  });
  // Show progress on forms that start long work (imports, exports).
  document.querySelectorAll("form[data-progress]").forEach((form) => {
    form.addEventListener("submit", () => {
      const bar = document.getElementById(form.dataset.progress);
      if (bar) bar.classList.remove("d-none");
      form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
    });
  });
});

// Progress bars carry their value in aria-valuenow; the width is set here because the CSP
// allows no style attributes. Runs on load and after htmx swaps a job's status panel in.
function lfSizeProgressBars(root) {
  root.querySelectorAll(".progress[aria-valuenow] > .progress-bar").forEach((bar) => {
    bar.style.width = `${Number(bar.parentElement.getAttribute("aria-valuenow")) || 0}%`;
  });
}
document.addEventListener("DOMContentLoaded", () => lfSizeProgressBars(document));
document.addEventListener("htmx:afterSettle", () => lfSizeProgressBars(document));

// Search boxes (core.widgets.SearchSelect): a select[data-lf-search] becomes a Tom Select box
// that asks the server (names, numbers and pinyin initials: 张三 answers "zs") and shows just
// what it found. Tom Select is loaded (from the local vendor copy named on <body>) only by a
// page that has such a select.
function lfSearchSelects(root) {
  const selects = [...root.querySelectorAll("select[data-lf-search]")].filter((el) => !el.tomselect);
  if (!selects.length) return;
  if (window.TomSelect) {
    selects.forEach(lfSearchSelect);
    return;
  }
  const body = document.body.dataset;
  if (!document.querySelector("link[data-lf-tom-select]")) {
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = body.tomSelectCss;
    css.dataset.lfTomSelect = "1";
    document.head.appendChild(css);
  }
  let script = document.querySelector("script[data-lf-tom-select]");
  if (!script) {
    script = document.createElement("script");
    script.src = body.tomSelectJs;
    script.dataset.lfTomSelect = "1";
    document.head.appendChild(script);
  }
  script.addEventListener("load", () => lfSearchSelects(root));
}

function lfSearchSelect(select) {
  const params = new URLSearchParams(select.dataset.lfSearchParams || "");
  const multiple = select.multiple;
  const box = new TomSelect(select, {
    valueField: "id",
    labelField: "text",
    searchField: ["text"],
    allowEmptyOption: true,
    maxOptions: null,
    loadThrottle: 250,
    closeAfterSelect: true,
    preload: select.dataset.lfSearchOnly ? "focus" : false,
    plugins: multiple ? ["remove_button"] : [],
    placeholder: select.dataset.placeholder || "",
    // the server has matched: show every option it sent, in its order
    score: () => () => 1,
    shouldLoad: () => true,
    load(query, callback) {
      params.set("q", query);
      fetch(`${select.dataset.lfSearch}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((data) => {
          this.loadedSearches = {};
          this.clearOptions();
          callback(data.results);
        })
        .catch(() => callback());
    },
    render: {
      no_results: () => `<div class="no-results">${select.dataset.lfNoResults || "—"}</div>`,
    },
  });
  box.wrapper.dataset.testid = `search-${select.name}`;
}
document.addEventListener("DOMContentLoaded", () => lfSearchSelects(document));
document.addEventListener("htmx:afterSettle", (event) => lfSearchSelects(event.target));
