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
// A download that takes a few seconds to make (an Excel or PDF export, a template): its link
// (marked data-download="正在生成…", the busy text) shows a spinner and that text until the
// file starts to arrive. The page sets a cookie token before following the link; the server
// answers a file with the same token in another cookie (core.middleware.DownloadStartedMiddleware),
// seen here as soon as the response's headers arrive. A response that is a page (an error, the
// page of a background job for a large file) replaces this page anyway.
const LF_DOWNLOAD_WAIT_MS = 120000;

function lfDownloadBusy(link) {
  const token = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => (b % 36).toString(36)).join("");
  document.cookie = `lf_download=${token}; path=/; max-age=120; samesite=strict`;
  const saved = Array.from(link.childNodes);
  const spinner = document.createElement("span");
  spinner.className = "spinner-border spinner-border-sm me-1";
  spinner.setAttribute("aria-hidden", "true");
  link.replaceChildren(spinner, document.createTextNode(link.dataset.download || "…"));
  link.classList.add("disabled", "lf-busy");
  link.setAttribute("aria-disabled", "true");
  link.setAttribute("aria-busy", "true");
  const started = Date.now();
  const done = () => {
    clearInterval(timer);
    link.replaceChildren(...saved);
    link.classList.remove("disabled", "lf-busy");
    link.removeAttribute("aria-disabled");
    link.removeAttribute("aria-busy");
    document.cookie = "lf_download_done=; path=/; max-age=0; samesite=strict";
  };
  const timer = setInterval(() => {
    const arrived = document.cookie.split(/;\s*/).includes(`lf_download_done=${token}`);
    if (arrived || Date.now() - started > LF_DOWNLOAD_WAIT_MS) done();
  }, 250);
  link.lfDownloadDone = done;
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("a[data-download]").forEach((link) => {
    link.addEventListener("click", (event) => {
      if (link.classList.contains("lf-busy")) {
        event.preventDefault(); // one file at a time from a link
        return;
      }
      // a new tab or window, or a saved link: nothing to wait for here
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      lfDownloadBusy(link);
    });
  });
});
// Back to a page kept in the browser's cache: no link is still busy.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  document.querySelectorAll("a[data-download].lf-busy").forEach((link) => link.lfDownloadDone && link.lfDownloadDone());
});

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
