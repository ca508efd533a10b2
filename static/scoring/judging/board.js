// The organisers' live board: polls the board's JSON every few seconds and updates each venue's card.
(function () {
  "use strict";
  var board = document.getElementById("live-board");
  if (!board) { return; }
  var url = board.dataset.url;
  var interval = parseInt(board.dataset.interval || "5000", 10);

  function list(element, items, render) {
    if (!element) { return; }
    element.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = render(item);
      element.appendChild(li);
    });
  }

  function update(data) {
    (data.venues || []).forEach(function (venue) {
      var card = board.querySelector('[data-venue="' + venue.id + '"]');
      if (!card) { return; }
      card.querySelector("[data-submitted]").textContent = venue.submitted;
      card.querySelector("[data-expected]").textContent = venue.expected;
      var bar = card.querySelector("progress");
      bar.max = Math.max(venue.expected, 1);
      bar.value = venue.submitted;
      bar.textContent = venue.percent + "%";
      card.querySelector("[data-percent]").textContent = venue.percent;
      card.querySelector("[data-signed-off]").hidden = !venue.signed_off;
      card.dataset.missing = venue.missing_count;
      card.dataset.flags = venue.flags.length;
      card.querySelector("[data-missing-count]").textContent = venue.missing_count;
      card.querySelector("[data-flag-count]").textContent = venue.flags.length;
      list(card.querySelector("[data-missing-list]"), venue.missing, function (m) { return m.entry + " · " + m.judges.join(", "); });
      list(card.querySelector("[data-flag-list]"), venue.flags, function (f) { return f.entry + " · " + f.judge + " · " + f.total; });
    });
    var at = document.getElementById("board-updated");
    if (at) { at.textContent = data.at; at.dataset.at = data.at; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { window.setTimeout(poll, interval); });
  }
  window.setTimeout(poll, interval);
})();
