// The filing screen (填报风险点): a row's fields open when 修改 is chosen, its mark against last
// year (修改, 删除, 新增) follows the choice and the text typed, 新增风险点 adds a blank card
// from the page's template, and a new card's step list keeps the chosen power's steps.
(function () {
  "use strict";
  var FIELDS = ["name", "manifestation", "likelihood", "harm"];

  function choice(card) {
    var checked = card.querySelector("input.btn-check:checked");
    return checked ? checked.value : "keep";
  }

  function edited(card) {
    return FIELDS.some(function (name) {
      var input = card.querySelector("[data-field='" + name + "']");
      var baseline = card.getAttribute("data-baseline-" + name) || "";
      return input && input.value.trim() !== baseline.trim();
    });
  }

  function refresh(card) {
    var action = choice(card);
    var carried = card.getAttribute("data-source") === "carried";
    var fields = card.querySelector("[data-edit-fields]");
    if (fields) { fields.hidden = action !== "edit"; }
    var marks = {
      changed: carried && action === "edit" && edited(card),
      removed: carried && action === "remove",
      added: !carried && action !== "remove"
    };
    Object.keys(marks).forEach(function (mark) {
      var badge = card.querySelector("[data-mark='" + mark + "']");
      if (badge) { badge.hidden = !marks[mark]; }
    });
  }

  function filterSteps(card) {
    var power = card.querySelector("[data-power-select]");
    var steps = card.querySelector("[data-step-select]");
    if (!power || !steps) { return; }
    Array.prototype.forEach.call(steps.options, function (option) {
      var own = !option.value || option.getAttribute("data-power") === power.value;
      option.hidden = !own;
      if (!own && option.selected) { steps.value = ""; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-filing-form]");
    if (!form) { return; }
    var rows = form.querySelector("[data-filing-rows]");
    var template = document.getElementById("lf-new-point");
    var counter = 0;
    form.querySelectorAll("[data-source='new']").forEach(function (card) {
      counter = Math.max(counter, parseInt(card.getAttribute("data-key").slice(1), 10) + 1 || 0);
    });
    form.querySelectorAll("[data-source='new']").forEach(filterSteps);
    form.addEventListener("change", function (event) {
      var card = event.target.closest(".lf-filing-row");
      if (!card) { return; }
      if (event.target.matches("[data-power-select]")) { filterSteps(card); }
      refresh(card);
    });
    form.addEventListener("input", function (event) {
      var card = event.target.closest(".lf-filing-row");
      if (card) { refresh(card); }
    });
    form.addEventListener("click", function (event) {
      var drop = event.target.closest("[data-drop-point]");
      if (drop) { drop.closest(".lf-filing-row").remove(); }
    });
    var add = form.querySelector("[data-add-point]");
    if (add && template) {
      add.addEventListener("click", function () {
        var key = "n" + counter++;
        var html = template.innerHTML.split("__key__").join(key);
        rows.insertAdjacentHTML("beforeend", html);
        var card = rows.lastElementChild;
        filterSteps(card);
        var first = card.querySelector("input[name$='-name']");
        if (first) { first.focus(); }
      });
    }
  });
})();
