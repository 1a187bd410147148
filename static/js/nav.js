// The top bar's "More": closes on a click elsewhere and on Escape (a <details> stays open otherwise).
(function () {
  "use strict";
  function closeMore(except) {
    document.querySelectorAll("details.nav-more[open]").forEach(function (more) {
      if (more !== except) more.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMore(event.target.closest ? event.target.closest("details.nav-more") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMore(null);
  });
})();
