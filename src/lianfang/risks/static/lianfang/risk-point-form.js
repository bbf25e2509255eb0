// The risk point form (新增/编辑风险点): the powers follow the chosen post, the steps the
// chosen power (fetched from the form's options URL, without reloading the page), the
// 备案时必填 mark of the step shows when the power has steps, and a click on one of the
// standard library's starting points (从标准库选用) fills the form. No inline scripts: the CSP
// forbids them; the first list of starting points comes from a json_script tag.
(() => {
  const readJSON = (id) => {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  const setOptions = (select, rows, keep) => {
    const first = select.querySelector("option[value='']");
    const placeholder = first ? first.textContent : "";
    select.replaceChildren();
    if (first) select.append(new Option(placeholder, ""));
    rows.forEach(([value, label]) => select.append(new Option(label, String(value))));
    const wanted = keep == null ? "" : String(keep);
    select.value = rows.some(([value]) => String(value) === wanted) ? wanted : "";
  };

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-point-form]");
    if (!form) return;
    const url = form.dataset.optionsUrl;
    const field = (name) => form.querySelector(`[name='${name}']`);
    const power = form.querySelector("select[data-power-select]");
    const step = form.querySelector("select[data-step-select]");
    const post = field("post");
    const subject = field("subject");
    const allButton = form.querySelector("[data-powers-all]");
    const stepMark = form.querySelector("[data-filing-mark='step']");
    const section = document.querySelector("[data-suggestions]");
    const list = document.querySelector("[data-suggestion-list]");
    const suggest = form.dataset.suggest === "1";
    let suggestions = readJSON("lf-point-suggestions") || [];
    let showAll = false;

    // Only the latest answer counts: a slow answer to an earlier change (the post's, asked
    // before the power was chosen) would otherwise empty the steps the user has just picked.
    let latest = 0;
    const query = (extra) => {
      const ticket = ++latest;
      const params = new URLSearchParams({ organisation: power.dataset.organisation });
      if (post && post.value && (!subject || subject.value === "post")) params.set("post", post.value);
      if (power.value) params.set("power", power.value);
      if (showAll) params.set("all", "1");
      Object.entries(extra || {}).forEach(([k, v]) => params.set(k, v));
      return fetch(`${url}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => (ticket === latest ? data : null));
    };

    const showSteps = (rows, keep) => {
      setOptions(step, rows, keep);
      step.disabled = rows.length === 0;
      if (stepMark) stepMark.classList.toggle("d-none", rows.length === 0);
    };

    const renderSuggestions = () => {
      if (!section || !list || !suggest) return;
      list.replaceChildren();
      section.hidden = suggestions.length === 0;
      suggestions.forEach((s, index) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "lf-suggestion";
        button.dataset.suggestion = String(index);
        button.dataset.testid = "suggestion";
        const name = document.createElement("span");
        name.className = "lf-suggestion-name";
        name.textContent = s.name;
        const where = document.createElement("span");
        where.className = "lf-suggestion-where";
        where.textContent = [s.power_name, s.step_name].filter(Boolean).join(" · ");
        button.append(name, where);
        if (s.registered) {
          const badge = document.createElement("span");
          badge.className = "badge text-bg-light border lf-suggestion-badge";
          badge.textContent = section.dataset.registeredLabel || "";
          button.append(badge);
        }
        item.append(button);
        list.append(item);
      });
    };

    const refreshPowers = () =>
      query().then((data) => {
        if (!data) return;
        setOptions(power, data.powers, power.value);
        if (allButton) allButton.classList.toggle("d-none", !data.filtered || showAll);
        showSteps(data.steps, step.value);
        suggestions = data.suggestions;
        renderSuggestions();
      });

    // `keep`: the step to select; by default the one selected when the answer comes
    const refreshSteps = (keep) =>
      query().then((data) => {
        if (data) showSteps(data.steps, keep === undefined ? step.value : keep);
      });

    const setValue = (name, value) => {
      const el = field(name);
      if (!el || value == null) return;
      el.value = String(value);
    };

    const fill = (s) => {
      if (![...power.options].some((o) => o.value === String(s.power))) {
        power.append(new Option(s.power_name, String(s.power)));
      }
      power.value = String(s.power);
      setValue("category", s.category);
      setValue("name", s.name);
      setValue("manifestation", s.manifestation);
      setValue("likelihood", s.likelihood == null ? "" : s.likelihood);
      setValue("harm", s.harm == null ? "" : s.harm);
      setValue("matter_kind", s.matter_kind);
      form.querySelectorAll("[name='criteria']").forEach((box) => {
        box.checked = (s.criteria || []).includes(box.value);
      });
      const measure = field("measure_text");
      if (measure && s.measure && !measure.value.trim()) measure.value = s.measure;
      list.querySelectorAll(".lf-suggestion").forEach((b) => b.classList.remove("active"));
      return refreshSteps(s.step).then(() => {
        form.dataset.filled = s.key; // for tests: the form holds this starting point
      });
    };

    if (list) {
      list.addEventListener("click", (event) => {
        const button = event.target.closest("[data-suggestion]");
        if (!button) return;
        fill(suggestions[Number(button.dataset.suggestion)]).then(() => {
          button.classList.add("active");
          const name = field("name");
          if (name) name.focus();
        });
      });
    }
    if (post) post.addEventListener("change", refreshPowers);
    if (subject) subject.addEventListener("change", refreshPowers);
    power.addEventListener("change", () => refreshSteps());
    if (allButton) {
      allButton.addEventListener("click", () => {
        showAll = true;
        refreshPowers();
      });
    }
    if (step.options.length <= 1 && power.value) {
      step.disabled = true;
      if (stepMark) stepMark.classList.add("d-none");
    }
    renderSuggestions();
  });
})();
