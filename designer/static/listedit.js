// The view and dashboard editors' drag and drop: SortableJS reorders the entries of a list
// marked data-sort-op, and a drop submits the editor's form once with `<op>FROM:TO` (the
// same edit the up and down buttons make, which remain the keyboard's way); the list comes
// back from the server, rendered from the working copy. forceFallback: Sortable follows the
// pointer itself, the same in every browser (and under Playwright).
(function () {
  "use strict";

  function sortables(root) {
    if (typeof Sortable === "undefined") { return; }
    root.querySelectorAll("[data-sort-op]").forEach(function (list) {
      if (list._sortable) { return; }
      list._sortable = Sortable.create(list, {
        animation: 120, forceFallback: true, handle: ".drag-handle",
        onEnd: function (evt) {
          if (evt.oldIndex === evt.newIndex) { return; }
          var form = list.closest("form");
          var op = document.createElement("input");
          op.type = "hidden";
          op.name = "op";
          op.value = list.dataset.sortOp + evt.oldIndex + ":" + evt.newIndex;
          form.appendChild(op);
          form.requestSubmit();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sortables(document);
    if (typeof htmx !== "undefined") { htmx.onLoad(function (elt) { sortables(elt); }); }
  });
})();
