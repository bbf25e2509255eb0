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
