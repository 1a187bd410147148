// Contact screens: in the call outcome form, tick "right party" and "conversation" as the chosen outcome implies and
// say which follow-up comes next; in the request form, show only the fields the request needs.
(function () {
  "use strict";
  function outcomeChanged(select) {
    var form = select.closest("form");
    var option = select.options[select.selectedIndex];
    if (!form || !option || !option.value) { return; }
    var rightParty = option.dataset.category === "right_party";
    form.querySelector("[data-rpc]").checked = rightParty;
    form.querySelector("input[data-conversation]").checked = option.dataset.conversation === "1";
    form.querySelector("[data-promise-hint]").hidden = option.dataset.promise !== "1";
    form.querySelector("[data-callback-hint]").hidden = option.dataset.callback !== "1";
    var grave = form.querySelector("[data-grave-confirm]");
    if (grave) { grave.hidden = option.dataset.grave !== "1"; }
  }
  function requestKindChanged(select) {
    var form = select.closest("form");
    if (!form) { return; }
    form.querySelectorAll("[data-for-kind]").forEach(function (part) {
      part.hidden = part.dataset.forKind.split(" ").indexOf(select.value) < 0;
    });
  }
  function prepare(root) {
    root.querySelectorAll("[data-request-form] select[name=kind]").forEach(requestKindChanged);
  }
  document.addEventListener("change", function (event) {
    var t = event.target;
    if (t.matches && t.matches("select[data-disposition]")) { outcomeChanged(t); }
    if (t.matches && t.matches("[data-request-form] select[name=kind]")) { requestKindChanged(t); }
  });
  document.addEventListener("DOMContentLoaded", function () { prepare(document); });
  document.addEventListener("htmx:afterSwap", function (event) { prepare(event.target.parentNode || document); });
})();
