// The organiser's entry list: one checkbox selects every reviewable entry on the page.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll(".select-entry").forEach(function (box) { box.checked = all.checked; });
  });
})();
