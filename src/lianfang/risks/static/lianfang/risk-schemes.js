// Grading scheme form: colour each matrix cell by the level chosen in it (高/中/低).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-level-select]").forEach((select) => {
    const cell = select.closest("td");
    const paint = () => {
      cell.classList.remove("lf-level-1", "lf-level-2", "lf-level-3");
      if (select.value) cell.classList.add(`lf-level-${select.value}`);
    };
    select.addEventListener("change", paint);
    paint();
  });
});
