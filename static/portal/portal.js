// Site-wide behaviour. No inline script anywhere: the Content-Security-Policy forbids it.
(function () {
  "use strict";
  // A form marked data-confirm asks before it posts (e.g. publishing results).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // A second click on a submit button does nothing while the first request runs.
    if (form.dataset && form.dataset.submitting === "1" && !form.hasAttribute("data-allow-resubmit")) {
      event.preventDefault();
      return;
    }
    if (form.dataset) { form.dataset.submitting = "1"; }
  }, false);
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) { delete form.dataset.submitting; });
  });
})();
