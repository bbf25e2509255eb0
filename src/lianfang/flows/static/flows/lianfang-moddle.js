/* The lianfang: BPMN extension as a moddle descriptor, shared by the designer and the viewer,
   so bpmn-js reads and writes our attributes and form fields as typed properties. */
(function () {
  "use strict";
  function attrs(names) {
    return names.map(function (name) {
      return { name: name, isAttr: true, type: "String" };
    });
  }
  window.LianfangModdle = {
    name: "Lianfang",
    uri: "http://lianfang.org/schema/bpmn/1",
    prefix: "lianfang",
    xml: { tagAlias: "lowerCase" },
    types: [
      { name: "ProcessRules", extends: ["bpmn:Process"], properties: attrs(["power", "starters"]) },
      {
        name: "TaskRules",
        extends: ["bpmn:UserTask"],
        properties: attrs([
          "handler", "completion", "limit", "escalateAfter", "escalateTo", "controlPoint",
          "publishes", "publishHandlerName", "attachments", "step", "subject",
        ]),
      },
      {
        name: "Field",
        superClass: ["Element"],
        properties: attrs(["name", "label", "type", "required", "public", "options"]),
      },
    ],
  };
})();
