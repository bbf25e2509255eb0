// The named reporter's fields (name, phone, SMS) are shown only when 实名 is chosen: an
// anonymous reporter is never offered them.
(function () {
  "use strict";
  function update(form) {
    var chosen = form.querySelector("[name=anonymous]");
    var anonymous = !chosen || chosen.value === "1";
    ["reporter_name", "reporter_phone", "reporter_contact", "sms_opt_in"].forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      if (!input) { return; }
      var block = input.closest(".mb-3, .form-check");
      if (block) { block.hidden = anonymous; }
      if (anonymous) { if (input.type === "checkbox") { input.checked = false; } else { input.value = ""; } }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-testid=complaint-form]");
    if (!form) { return; }
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
