// The designer's drag and drop: SortableJS moves items, and each drop becomes one htmx
// round trip (the same edit a keyboard button makes); the workspace comes back from the
// server, rendered from the working copy's YAML, which stays the one source. forceFallback:
// Sortable follows the pointer itself rather than the browser's native drag and drop, which
// behaves the same in every browser (and under Playwright).
(function () {
  "use strict";

  function workspace() { return document.getElementById("workspace"); }

  function send(values) {
    var ws = workspace();
    if (!ws) { return; }
    var token = ws.querySelector("input[name=csrf_token]");
    values.revision = ws.dataset.revision;
    values.selected = ws.dataset.selected || "";
    if (token) { values.csrf_token = token.value; }
    htmx.ajax("POST", ws.dataset.editUrl, {source: ws, target: "#workspace", swap: "outerHTML",
                                           values: values});
  }

  function sortables(root) {
    if (typeof Sortable === "undefined") { return; }
    root.querySelectorAll(".palette-list").forEach(function (list) {
      if (list._sortable) { return; }
      list._sortable = Sortable.create(list, {
        group: {name: "fields", pull: "clone", put: false}, sort: false,
        filter: "button", preventOnFilter: false, animation: 120, forceFallback: true
      });
    });
    root.querySelectorAll(".canvas-list").forEach(function (list) {
      if (list._sortable) { return; }
      list._sortable = Sortable.create(list, {
        group: {name: "fields", pull: true, put: true}, animation: 120,
        filter: "button", preventOnFilter: false, fallbackOnBody: true, forceFallback: true,
        swapThreshold: 0.65, emptyInsertThreshold: 24,
        onAdd: function (evt) {
          var item = evt.item;
          if (item.classList.contains("palette-item")) {
            item.remove();
            var values = {parent: evt.to.dataset.parent || "", index: evt.newIndex};
            if (item.dataset.block) { values.op = "block"; values.block = item.dataset.block; }
            else { values.op = "add"; values.type = item.dataset.type; }
            send(values);
          } else {
            send({op: "move", field: item.dataset.id, parent: evt.to.dataset.parent || "",
                  index: evt.newIndex});
          }
        },
        onUpdate: function (evt) {
          send({op: "move", field: evt.item.dataset.id, parent: evt.to.dataset.parent || "",
                index: evt.newIndex});
        }
      });
    });
  }

  // A problem's line link puts the caret on that line of the YAML view.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-line]");
    if (!link) { return; }
    var area = document.getElementById("yaml-text");
    if (!area) { return; }
    event.preventDefault();
    var line = parseInt(link.dataset.line, 10), start = 0;
    var lines = area.value.split("\n");
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1] || "").length);
  });

  // A conflict (409) or a refusal (422) still shows its page part: it says what to do.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    sortables(document);
    if (typeof htmx !== "undefined") { htmx.onLoad(function (elt) { sortables(elt); }); }
  });
})();
