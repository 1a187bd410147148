// Keyboard shortcuts of the agent screens. j / k move through the queue, Enter or o opens the
// selected case, n opens the next case in the queue from an account screen, / focuses the filter.
// On the account screen: c calls the first number allowed now, o goes to the call's outcome, p to the
// promise to pay. ? shows the list (the #shortcuts dialog), Escape closes it.
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
  function help() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) { return; }
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }
  function focusFirst(selectors) {
    for (var i = 0; i < selectors.length; i++) {
      var el = document.querySelector(selectors[i]);
      if (el && el.offsetParent !== null) { el.scrollIntoView({ block: "center" }); el.focus(); return true; }
    }
    return false;
  }
  function accountKey(key) {
    if (!document.getElementById("compliance-panel")) { return false; }
    if (key === "c") {
      var call = document.querySelector("#compliance-panel tr.is-allowed button[type=submit]");
      if (call) { call.click(); } else { focusFirst(["#compliance-panel"]); }
      return true;
    }
    if (key === "o") { return focusFirst(["#call-area select[data-disposition]", "#call-panel"]); }
    if (key === "p") {
      return focusFirst(["[data-follow-up='promise'] .promise-form input:not([type=hidden])",
                         ".promise-form input:not([type=hidden])", ".promise-panel"]);
    }
    return false;
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-shortcuts-open]")) { help(); }
  });
  function current() { return rows().findIndex(function (row) { return row.classList.contains("selected"); }); }
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var next = document.querySelector("[data-next-case]");
    if (event.key === "?") { help(); event.preventDefault(); return; }
    if (document.querySelector("dialog[open]")) { return; }
    if (accountKey(event.key)) { event.preventDefault(); return; }
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
