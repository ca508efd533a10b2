// The judge's score form: live total, checks as points are typed, drafts that save themselves, and a
// confirmation before the sheet is submitted and locked. The server checks everything again.
//
// Nothing typed is lost: every change is kept in localStorage (keyed by judge and entry) until the server holds
// it. Offline, the sheet says it waits for the network and retries (with backoff, and at once on `online`);
// logged out (401), it asks for the password in a dialog, logs in with fetch and sends what waits. The Submit
// button takes the same path: a submission made offline or logged out is kept and sent, never dropped. A page
// reloaded with values still waiting restores them into the form and sends them.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  if (!form) { return; }
  var storeKey = form.dataset.storeKey;

  function readStore() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  }
  function writeStore(value) {
    try { window.localStorage.setItem(storeKey, JSON.stringify(value)); } catch (e) { /* private mode: the page still holds it */ }
  }
  function clearStore() {
    try { window.localStorage.removeItem(storeKey); } catch (e) { /* nothing kept */ }
  }

  if (form.dataset.locked === "1") {
    // A submitted sheet: whatever waited here has reached the server.
    if (form.dataset.status === "submitted") { clearStore(); }
    return;
  }
  var inputs = Array.prototype.slice.call(form.querySelectorAll(".score-input"));
  var comment = form.querySelector("textarea[name=comment]");
  var commentCount = document.getElementById("comment-count");
  var totalOut = document.getElementById("sheet-total");
  var status = document.getElementById("autosave-status");
  var versionInput = form.querySelector("input[name=version]");
  var dialog = document.getElementById("login-dialog");
  var loginForm = document.getElementById("login-dialog-form");
  var loginError = document.getElementById("login-dialog-error");
  var timer = null;
  var inFlight = false;
  var dirty = false;
  var submitting = false;
  var stopped = false;
  var waitingForLogin = false;
  var backoff = 0;

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

  function showError(key, message) {
    var field = key === "comment" ? comment : form.querySelector('.score-input[data-criterion="' + key + '"]');
    var feedback = form.querySelector('[data-error-for="' + key + '"]');
    if (!field || !feedback) { return false; }
    field.classList.toggle("is-invalid", Boolean(message));
    feedback.textContent = message || "";
    return true;
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
    if (comment && commentCount) { commentCount.textContent = comment.value.length + " / " + commentCount.dataset.max; }
    return valid;
  }

  function setStatus(state, text) {
    if (!status) { return; }
    status.dataset.state = state;
    status.textContent = text;
    status.classList.toggle("text-danger", ["error", "stale", "offline", "login"].indexOf(state) >= 0);
  }

  // What the judge typed, as kept in localStorage and sent: the fields by name, the version it was typed on.
  function typed() {
    var values = {};
    inputs.forEach(function (input) { values[input.name] = input.value; });
    if (comment) { values.comment = comment.value; }
    return values;
  }
  function keep() {
    writeStore({ values: typed(), version: versionInput.value, submit: submitting });
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function setCsrf(token) {
    Array.prototype.forEach.call(document.querySelectorAll("input[name=csrfmiddlewaretoken]"), function (input) {
      input.value = token;
    });
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  // The CSRF token went stale (403): ask for a fresh one; logged out, ask for the password instead.
  function refreshToken() {
    return fetch(form.dataset.loginUrl, {
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest", "Accept": "application/json" }
    }).then(function (response) { return response.json(); }).then(function (body) {
      setCsrf(body.csrf);
      return body.authenticated;
    });
  }

  function retryLater() {
    backoff = Math.min(backoff ? backoff * 2 : 2000, 30000);
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(send, backoff);
  }

  function askForLogin() {
    waitingForLogin = true;
    setStatus("login", form.dataset.msgLogin);
    if (dialog && !dialog.open) {
      loginError.textContent = "";
      if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
      dialog.querySelector("input[type=password]").focus();
    }
  }

  function send(tokenRetried) {
    timer = null;
    if (stopped || inFlight || waitingForLogin || (!dirty && !submitting)) { return; }
    if (!refreshTotal()) {
      setStatus("invalid", "");
      submitting = false;
      keep();
      return;
    }
    var sentValues = typed();
    var wasSubmit = submitting;
    var data = new FormData(form);
    var url = form.dataset.autosaveUrl;
    if (wasSubmit) {
      data.set("action", "submit");
      url = form.getAttribute("action") || window.location.pathname;
    }
    dirty = false;
    inFlight = true;
    setStatus("saving", wasSubmit ? form.dataset.msgSubmitting : form.dataset.msgSaving);
    post(url, data).then(function (result) {
      if (result.status >= 500) { throw new Error("server unavailable"); }  // as offline: kept, sent again
      inFlight = false;
      var body = result.body;
      if (result.status === 401) {
        dirty = true;
        askForLogin();
        return;
      }
      if (result.status === 403) {
        dirty = true;
        if (tokenRetried) { stopped = true; setStatus("error", form.dataset.msgForbidden); return; }
        return refreshToken().then(function (authenticated) {
          if (authenticated) { send(true); } else { askForLogin(); }
        });
      }
      backoff = 0;
      if (body.ok) {
        if (wasSubmit) {
          submitting = false;
          clearStore();
          window.location.assign(body.redirect);
          return;
        }
        versionInput.value = body.version;
        form.dataset.version = body.version;
        if (same(sentValues, typed()) && !submitting) {
          clearStore();
        } else {
          keep();
          dirty = true;
        }
        setStatus("saved", form.dataset.msgSaved + " " + body.saved_at);
        if (dirty || submitting) { timer = window.setTimeout(send, 300); }
        return;
      }
      submitting = false;
      keep();
      var errors = body.errors || {};
      var general = (errors.__all__ || []).slice();
      Object.keys(errors).forEach(function (key) {
        if (key !== "__all__" && !showError(key, errors[key].join(" "))) { general = general.concat(errors[key]); }
      });
      if (result.status === 409) { stopped = true; clearStore(); setStatus("stale", general.join(" ")); return; }
      setStatus("error", form.dataset.msgError + " " + general.join(" "));
      if (wasSubmit) {
        // A refused submission saved nothing: what was typed is still saved as a draft.
        dirty = true;
        timer = window.setTimeout(send, 300);
      }
    }).catch(function () {
      // No answer (offline, or the server is down): everything stays kept and is sent again.
      inFlight = false;
      dirty = true;
      setStatus("offline", form.dataset.msgOffline);
      retryLater();
    });
  }

  function changed() {
    dirty = true;
    keep();
    refreshTotal();
    if (waitingForLogin) { askForLogin(); return; }  // the dialog again, should it have been closed
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(send, backoff || 1200);
  }

  inputs.forEach(function (input) { input.addEventListener("input", changed); });
  if (comment) { comment.addEventListener("input", changed); }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var submitter = event.submitter;
    if (submitter && submitter.id === "submit-sheet") {
      if (!refreshTotal() || !window.confirm(form.dataset.confirmSubmit)) { return; }
      submitting = true;
    }
    dirty = true;
    keep();
    if (timer) { window.clearTimeout(timer); timer = null; }
    send();  // while a save runs, the next one starts when it ends
  });

  window.addEventListener("online", function () {
    backoff = 0;
    if (timer) { window.clearTimeout(timer); timer = null; }
    send();
  });

  if (dialog) {
    // Only logging in closes it: that is the only way what waits can be sent.
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); });
  }
  if (loginForm) {
    loginForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(loginForm);
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      var button = document.getElementById("login-dialog-submit");
      button.disabled = true;
      function attempt(retried) {
        data.set("csrfmiddlewaretoken", token.value);
        return post(form.dataset.loginUrl, data).then(function (result) {
          if (result.status === 403 && !retried) {
            return refreshToken().then(function () { return attempt(true); });
          }
          if (!result.body.ok) {
            loginError.textContent = (result.body.errors || [form.dataset.msgForbidden]).join(" ");
            return;
          }
          setCsrf(result.body.csrf);
          loginForm.reset();
          if (dialog.close) { dialog.close(); } else { dialog.removeAttribute("open"); }
          waitingForLogin = false;
          dirty = true;
          send();
        });
      }
      attempt(false).catch(function () {
        loginError.textContent = form.dataset.msgOffline;
      }).then(function () { button.disabled = false; });
    });
  }

  // Values still waiting from before the page was (re)loaded: back into the form, and sent.
  var kept = readStore();
  if (kept && kept.values) {
    var restored = false;
    Object.keys(kept.values).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && field.value !== kept.values[name]) { field.value = kept.values[name]; restored = true; }
    });
    if (restored || kept.submit) {
      versionInput.value = kept.version;
      dirty = true;
      submitting = Boolean(kept.submit);
      window.setTimeout(send, 0);
    } else {
      clearStore();
    }
  }
  refreshTotal();
})();
