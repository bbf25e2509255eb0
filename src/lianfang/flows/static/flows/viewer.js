/* The read-only diagram of an instance: bpmn-js's navigated viewer, with the current step(s)
   and the completed ones marked. Data come from the page: the XML in a json_script element,
   the element ids in data- attributes (no inline script: the CSP forbids it). */
(function () {
  "use strict";
  var root = document.querySelector("[data-flow-viewer]");
  if (!root || !window.BpmnJS) return;
  var source = document.getElementById(root.dataset.xml);
  if (!source) return;
  var xml = JSON.parse(source.textContent);
  var current = JSON.parse(root.dataset.current || "[]");
  var done = JSON.parse(root.dataset.done || "[]");
  var viewer = new window.BpmnJS({
    container: root.querySelector(".lf-flow-canvas"),
    moddleExtensions: window.LianfangModdle ? { lianfang: window.LianfangModdle } : {},
  });
  viewer
    .importXML(xml)
    .then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      done.forEach(function (id) {
        if (registry.get(id)) canvas.addMarker(id, "lf-step-done");
      });
      current.forEach(function (id) {
        if (registry.get(id)) canvas.addMarker(id, "lf-step-current");
      });
      canvas.zoom("fit-viewport", "auto");
      // on a phone the whole flow is too small to read: show the current step at a readable size
      var first = current.length ? registry.get(current[0]) : null;
      if (first && canvas.zoom() < 0.6 && root.clientWidth < 600) {
        canvas.zoom(0.8);
        canvas.scrollToElement(first);
      }
      root.dataset.ready = "1";
    })
    .catch(function (err) {
      root.querySelector(".lf-flow-canvas").textContent = root.dataset.failed || String(err);
      root.dataset.ready = "error";
    });
})();
