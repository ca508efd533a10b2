// The results dashboard: shows the computation's progress and reloads when a run or an award list finishes.
(function () {
  "use strict";
  var root = document.getElementById("results-dashboard");
  if (!root) { return; }
  var bar = root.querySelector(".results-progress");

  function paint(percent) {
    if (!bar) { return; }
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", percent);
  }

  if (bar) { paint(parseInt(bar.dataset.progress || "0", 10)); }
  if (root.dataset.active !== "1") { return; }

  function busy(status) { return status === "queued" || status === "running"; }

  function poll() {
    fetch(root.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var running = false;
        if (data.run) {
          paint(data.run.progress);
          running = busy(data.run.status);
        }
        (data.award_lists || []).forEach(function (item) { if (busy(item.status)) { running = true; } });
        if (running) { window.setTimeout(poll, 2000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
})();
