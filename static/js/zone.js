// Every screen: tell the server the browser's time zone (cookie cw_tz) so that the user's own times
// show in it. The first time, or after the zone changed, the contact panels refresh in the new zone.
(function () {
  "use strict";
  var tz = "";
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  var found = document.cookie.split("; ").filter(function (c) { return c.indexOf("cw_tz=") === 0; })[0];
  var current = found ? decodeURIComponent(found.slice(6)) : "";
  if (!tz || current === tz) { return; }
  document.cookie = "cw_tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; SameSite=Lax";
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx && document.getElementById("compliance-panel")) { window.htmx.trigger(document.body, "contact-changed"); }
  });
})();
