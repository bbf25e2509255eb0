/* The flow designer: bpmn-js's modeler in Chinese, with a panel of our own for the lianfang:
   attributes of the selected element (a user task's rules, a sequence flow's condition, the
   process's power, starters and form fields). Saving puts the XML in the page's form, which
   posts it to the server; the server validates and publishes it, or lists why not.
   Everything comes from the page (json_script, data- attributes): the CSP forbids inline code. */
(function () {
  "use strict";
  var root = document.querySelector("[data-flow-designer]");
  if (!root || !window.BpmnJS) return;
  var form = document.getElementById(root.dataset.form);
  var panel = document.getElementById(root.dataset.panel);
  var xml = JSON.parse(document.getElementById(root.dataset.xml).textContent);

  // Words bpmn-js uses that bpmn-js-i18n's Chinese leaves out or says awkwardly.
  var EXTRA = {
    "Change element": "更改元素类型",
    "Align elements": "对齐元素",
    "Distribute elements horizontally": "水平均匀分布",
    "Distribute elements vertically": "垂直均匀分布",
    "Toggle non-interrupting": "切换为非中断",
    "Exclusive gateway": "排他网关",
    "Activate hand tool": "启动抓手工具",
    "Activate lasso tool": "启动套索工具",
    "Connect using sequence/message flow or association": "用顺序流连接",
    "Append user task": "添加用户任务",
    "Append text annotation": "添加文本注释",
    "Search in diagram": "在图中搜索",
  };

  function translateModule(words) {
    function translate(template, replacements) {
      replacements = replacements || {};
      template = words[template] || template;
      return template.replace(/{([^}]+)}/g, function (_, key) {
        var value = replacements[key];
        return value === undefined ? "{" + key + "}" : words[value] || value;
      });
    }
    return { translate: ["value", translate] };
  }

  function start(words) {
    var modeler = new window.BpmnJS({
      container: root.querySelector(".lf-flow-canvas"),
      additionalModules: [translateModule(Object.assign({}, words, EXTRA))],
      moddleExtensions: { lianfang: window.LianfangModdle },
    });
    var modeling = modeler.get("modeling");
    var moddle = modeler.get("moddle");
    var canvas = modeler.get("canvas");
    var selected = null;

    var ready = false;

    function processOf() {
      var definitions = modeler.getDefinitions();
      return definitions.rootElements.filter(function (e) { return e.$type === "bpmn:Process"; })[0];
    }

    function processShape() {
      var root = canvas.getRootElement();
      return root.businessObject && root.businessObject.$type === "bpmn:Process"
        ? root
        : modeler.get("elementRegistry").filter(function (e) { return e.businessObject === processOf(); })[0] || root;
    }

    function section(name) {
      panel.querySelectorAll("[data-section]").forEach(function (el) {
        el.hidden = el.dataset.section !== name;
      });
    }

    function fill(scope, bo) {
      scope.querySelectorAll("[data-prop]").forEach(function (input) {
        var value = bo.get(input.dataset.prop);
        if (input.type === "checkbox") input.checked = value === "true";
        else input.value = value || "";
      });
    }

    function showTask(element) {
      var scope = panel.querySelector('[data-section="task"]');
      fill(scope, element.businessObject);
      section("task");
    }

    function showFlow(element) {
      var scope = panel.querySelector('[data-section="flow"]');
      var bo = element.businessObject;
      scope.querySelector('[name="flow-name"]').value = bo.name || "";
      scope.querySelector('[name="condition"]').value =
        (bo.conditionExpression && bo.conditionExpression.body) || "";
      var source = bo.sourceRef;
      var isDefault = !!(source && source.default === bo);
      scope.querySelector('[name="default"]').checked = isDefault;
      scope.querySelector('[name="default"]').disabled = !(source && source.$type === "bpmn:ExclusiveGateway");
      section("flow");
    }

    function showProcess() {
      var scope = panel.querySelector('[data-section="process"]');
      var process = processOf();
      fill(scope, process);
      scope.querySelector('[name="process-name"]').value = process.name || "";
      var body = scope.querySelector("[data-fields]");
      body.textContent = "";
      fieldsOf(process).forEach(function (field) {
        addFieldRow(body, field);
      });
      section("process");
    }

    function fieldsOf(process) {
      var ext = process.extensionElements;
      return ext ? (ext.values || []).filter(function (v) { return v.$type === "lianfang:Field"; }) : [];
    }

    function addFieldRow(body, field) {
      var row = document.getElementById(root.dataset.fieldRow).content.firstElementChild.cloneNode(true);
      row.querySelectorAll("[data-field]").forEach(function (input) {
        var value = field ? field.get(input.dataset.field) : "";
        if (input.type === "checkbox") input.checked = value === "true";
        else if (value) input.value = value;
      });
      row.querySelector("[data-remove]").addEventListener("click", function () {
        row.remove();
        syncFields();
      });
      row.addEventListener("change", syncFields);
      body.appendChild(row);
    }

    // The form fields are written straight into the process's extensionElements (kept apart
    // from bpmn-js's undo stack, which knows nothing of them).
    function syncFields() {
      var process = processOf();
      var ext = process.extensionElements;
      if (!ext) {
        ext = moddle.create("bpmn:ExtensionElements", { values: [] });
        ext.$parent = process;
        process.extensionElements = ext;
      }
      var others = (ext.values || []).filter(function (v) { return v.$type !== "lianfang:Field"; });
      var fields = [];
      panel.querySelectorAll("[data-fields] > *").forEach(function (row) {
        var props = {};
        row.querySelectorAll("[data-field]").forEach(function (input) {
          var value = input.type === "checkbox" ? (input.checked ? "true" : "false") : input.value.trim();
          if (value !== "" && !(input.dataset.field === "public" && value === "false")) {
            props[input.dataset.field] = value;
          }
        });
        if (props.name) {
          var field = moddle.create("lianfang:Field", props);
          field.$parent = ext;
          fields.push(field);
        }
      });
      ext.values = others.concat(fields);
    }

    function setProps(element, bo, props) {
      modeling.updateModdleProperties(element, bo, props);
    }

    panel.querySelectorAll('[data-section="task"] [data-prop]').forEach(function (input) {
      input.addEventListener("change", function () {
        if (!selected) return;
        var props = {};
        var value = input.type === "checkbox" ? (input.checked ? "true" : undefined) : input.value.trim() || undefined;
        props[input.dataset.prop] = value;
        setProps(selected, selected.businessObject, props);
      });
    });
    panel.querySelector('[name="task-name"]').addEventListener("change", function (e) {
      if (selected) modeling.updateLabel(selected, e.target.value.trim());
    });
    panel.querySelectorAll('[data-section="process"] [data-prop]').forEach(function (input) {
      input.addEventListener("change", function () {
        var props = {};
        props[input.dataset.prop] = input.value.trim() || undefined;
        setProps(processShape(), processOf(), props);
      });
    });
    panel.querySelector('[name="process-name"]').addEventListener("change", function (e) {
      setProps(processShape(), processOf(), { name: e.target.value.trim() });
    });
    panel.querySelector("[data-add-field]").addEventListener("click", function () {
      addFieldRow(panel.querySelector("[data-fields]"), null);
    });
    panel.querySelector('[name="flow-name"]').addEventListener("change", function (e) {
      if (selected) modeling.updateLabel(selected, e.target.value.trim());
    });
    panel.querySelector('[name="condition"]').addEventListener("change", function (e) {
      if (!selected) return;
      var body = e.target.value.trim();
      var expression = body ? moddle.create("bpmn:FormalExpression", { body: body }) : undefined;
      modeling.updateProperties(selected, { conditionExpression: expression });
    });
    panel.querySelector('[name="default"]').addEventListener("change", function (e) {
      if (!selected) return;
      var gateway = selected.source;
      modeling.updateProperties(gateway, { default: e.target.checked ? selected.businessObject : undefined });
    });

    modeler.on("selection.changed", function (event) {
      if (!ready) return;
      var element = event.newSelection.length === 1 ? event.newSelection[0] : null;
      selected = element;
      if (!element) return showProcess();
      var type = element.businessObject.$type;
      if (type === "bpmn:UserTask") {
        showTask(element);
        panel.querySelector('[name="task-name"]').value = element.businessObject.name || "";
      } else if (type === "bpmn:SequenceFlow") showFlow(element);
      else if (type === "bpmn:Process" || type === "bpmn:Participant") showProcess();
      else section("other");
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      syncFields();
      modeler.saveXML({ format: true }).then(function (result) {
        form.querySelector('[name="xml"]').value = result.xml;
        form.submit();
      });
    });

    modeler
      .importXML(xml)
      .then(function () {
        ready = true;
        canvas.zoom("fit-viewport", "auto");
        // leave room on the left for the palette, which floats over the canvas
        var box = canvas.viewbox();
        var room = 120 / box.scale;
        canvas.viewbox({ x: box.x - room, y: box.y, width: box.width + room, height: box.height });
        showProcess();
        root.dataset.ready = "1";
      })
      .catch(function (err) {
        root.querySelector(".lf-flow-canvas").textContent = root.dataset.failed + " " + err.message;
        root.dataset.ready = "error";
      });
    window.lianfangDesigner = modeler;
  }

  // bpmn-js-i18n ships an ES module; a classic script may still import() it.
  import(root.dataset.i18n)
    .then(function (module) { start(module.default); })
    .catch(function () { start({}); });
})();
