// The judge's score form: live total, checks as points are typed, drafts that save themselves,
// and a confirmation before the sheet is submitted and locked. The server checks everything again.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  if (!form || form.dataset.locked === "1") { return; }
  var inputs = Array.prototype.slice.call(form.querySelectorAll(".score-input"));
  var totalOut = document.getElementById("sheet-total");
  var status = document.getElementById("autosave-status");
  var versionInput = form.querySelector("input[name=version]");
  var timer = null;
  var inFlight = null;
  var pendingSubmitter = null;
  var dirty = false;
  var stopped = false;

  // Points in tenths, as an integer: no binary floating point for scores. null = blank, NaN = invalid.
  function tenths(text) {
    text = (text || "").trim().replace("．", ".");
    if (text === "") { return null; }
    var match = /^(\d+)(?:\.(\d*))?$/.exec(text);
    if (!match) { return NaN; }
    var decimals = (match[2] || "").replace(/0+$/, "");
    if (decimals.length > 1) { return NaN; }
    return parseInt(match[1], 10) * 10 + (decimals ? parseInt(decimals, 10) : 0);
  }

  function problem(input) {
    var text = (input.value || "").trim().replace("．", ".");
    if (text === "") { return ""; }
    if (/^-/.test(text) && !isNaN(Number(text))) { return form.dataset.msgNegative; }
    if (!/^\d+(\.\d+)?$/.test(text)) { return form.dataset.msgNumber; }
    var value = tenths(text);
    if (isNaN(value)) { return form.dataset.msgDecimals; }
    if (value > tenths(input.dataset.max)) { return form.dataset.msgMax + " " + input.dataset.max; }
    return "";
  }

  function showError(criterionId, message) {
    var input = form.querySelector('.score-input[data-criterion="' + criterionId + '"]');
    var feedback = form.querySelector('[data-error-for="' + criterionId + '"]');
    if (!input || !feedback) { return; }
    input.classList.toggle("is-invalid", Boolean(message));
    feedback.textContent = message || "";
  }

  function refreshTotal() {
    var sum = 0;
    var valid = true;
    inputs.forEach(function (input) {
      var message = problem(input);
      showError(input.dataset.criterion, message);
      if (message) { valid = false; return; }
      var value = tenths(input.value);
      if (value !== null) { sum += value; }
    });
    totalOut.textContent = (sum / 10).toFixed(1);
    totalOut.dataset.total = totalOut.textContent;
    totalOut.classList.toggle("text-danger", !valid);
    return valid;
  }

  function setStatus(state, text) {
    if (!status) { return; }
    status.dataset.state = state;
    status.textContent = text;
    status.classList.toggle("text-danger", state === "error" || state === "stale");
  }

  function save() {
    timer = null;
    if (stopped || inFlight || !dirty) { return Promise.resolve(); }
    if (!refreshTotal()) { setStatus("invalid", ""); return Promise.resolve(); }
    dirty = false;
    setStatus("saving", form.dataset.msgSaving);
    var data = new FormData(form);
    inFlight = fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      var body = result.body;
      if (body.ok) {
        versionInput.value = body.version;
        form.dataset.version = body.version;
        setStatus("saved", form.dataset.msgSaved + " " + body.saved_at);
        return;
      }
      var errors = body.errors || {};
      var general = (errors.__all__ || []).join(" ");
      Object.keys(errors).forEach(function (key) {
        if (key !== "__all__") { showError(key, errors[key].join(" ")); }
      });
      if (result.status === 409) { stopped = true; setStatus("stale", general); return; }
      setStatus("error", form.dataset.msgError + " " + general);
    }).catch(function () {
      dirty = true;
      setStatus("error", form.dataset.msgOffline);
      timer = window.setTimeout(save, 5000);
    }).then(function () {
      inFlight = null;
      if (pendingSubmitter) {
        var submitter = pendingSubmitter;
        pendingSubmitter = null;
        if (form.requestSubmit) { form.requestSubmit(submitter); } else { submitter.click(); }
      } else if (dirty && !timer) {
        timer = window.setTimeout(save, 800);
      }
    });
    return inFlight;
  }

  function changed() {
    dirty = true;
    refreshTotal();
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(save, 1200);
  }

  inputs.forEach(function (input) { input.addEventListener("input", changed); });
  var comment = form.querySelector("textarea[name=comment]");
  if (comment) { comment.addEventListener("input", changed); }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (timer) { window.clearTimeout(timer); timer = null; }
    if (inFlight) {
      // Let the running draft save finish first, so the form carries the newest version.
      event.preventDefault();
      event.stopPropagation();
      pendingSubmitter = submitter || null;
      return;
    }
    if (submitter && submitter.id === "submit-sheet" && !window.confirm(form.dataset.confirmSubmit)) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    stopped = true;
  });

  refreshTotal();
})();
