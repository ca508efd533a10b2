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
// A background import (templates/portal/import_job.html): its progress bar follows the job, and the page reloads
// to show the outcome once the job is over.
(function () {
  "use strict";
  var card = document.querySelector("[data-import-job-url]");
  var bar = document.querySelector(".import-job-progress");
  function paint(percent) {
    if (!bar) { return; }
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", percent);
  }
  if (bar) { paint(parseInt(bar.dataset.progress || "0", 10)); }
  if (!card) { return; }
  function poll() {
    fetch(card.dataset.importJobUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        paint(job.progress);
        if (job.state === "done" || job.state === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();

// A choice that shows another view of the same page (the association a page acts for): sent when it changes.
(function () {
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
