// Keyboard shortcuts of the agent screens. j / k move through the queue, Enter or o opens the
// selected case, n opens the next case in the queue from an account screen, / focuses the filter.
(function () {
  "use strict";
  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-queue-row]")); }
  function select(index) {
    var all = rows();
    if (!all.length) { return; }
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === index); row.setAttribute("aria-selected", i === index); });
    all[index].scrollIntoView({ block: "nearest" });
  }
  function current() { return rows().findIndex(function (row) { return row.classList.contains("selected"); }); }
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var next = document.querySelector("[data-next-case]");
    if (event.key === "j") { select(current() + 1); event.preventDefault(); }
    else if (event.key === "k") { select(current() - 1); event.preventDefault(); }
    else if ((event.key === "Enter" || event.key === "o") && current() >= 0) {
      window.location = rows()[current()].dataset.href; event.preventDefault();
    } else if (event.key === "n" && next) { window.location = next.getAttribute("href"); event.preventDefault(); }
    else if (event.key === "/") {
      var filter = document.querySelector("[data-filter]");
      if (filter) { filter.focus(); event.preventDefault(); }
    }
  });
  document.addEventListener("htmx:afterSwap", function () { if (rows().length) { select(0); } });
  document.addEventListener("DOMContentLoaded", function () { if (rows().length) { select(0); } });
})();
