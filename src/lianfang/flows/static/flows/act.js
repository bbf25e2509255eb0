/* The act form: show the step to return to only for 退回, the person only for 转办, and keep
   a double tap from posting twice (the service would refuse the second anyway). */
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=act-form]");
  if (!form) return;
  function sync() {
    var chosen = form.querySelector("input[name=action]:checked");
    var action = chosen ? chosen.value : "";
    form.querySelectorAll(".lf-act-extra").forEach(function (el) {
      el.hidden = el.dataset.for !== action;
    });
  }
  form.addEventListener("change", sync);
  form.addEventListener("submit", function () {
    var button = form.querySelector("[type=submit]");
    if (button) {
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });
  sync();
})();
