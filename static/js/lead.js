// Case lists of the lead screens: "select all" ticks every case of the page, and the bulk bar says how many.
(function () {
  "use strict";
  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("input[name=cases]")); }
  function count() {
    var label = document.querySelector("[data-selected-count]");
    if (!label) { return; }
    var n = boxes().filter(function (box) { return box.checked; }).length;
    label.textContent = n ? label.dataset.selected.replace("#", n) : label.dataset.none;
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      boxes().forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.matches("[data-select-all], input[name=cases]")) { count(); }
  });
})();
