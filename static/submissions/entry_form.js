// The entry form: add member rows from the <template> (the formset's empty form), and show the
// problem-solving sub-type only for problem-solving topics.
(function () {
  "use strict";
  var button = document.getElementById("add-member");
  if (button) {
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-formset-prefix");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
      var count = parseInt(total.value, 10);
      if (max && count >= parseInt(max.value, 10)) { return; }
      var html = document.getElementById("member-template").innerHTML.replace(/__prefix__/g, String(count));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      document.getElementById("member-rows").appendChild(row);
      total.value = String(count + 1);
      var first = row.querySelector("input[type=text]");
      if (first) { first.focus(); }
    });
  }
  var topic = document.getElementById("id_topic_type");
  var sub = document.getElementById("id_sub_type");
  if (topic && sub) {
    var wrapper = sub.closest(".mb-3") || sub.parentNode;
    var sync = function () { wrapper.hidden = topic.value === "innovation"; };
    topic.addEventListener("change", sync);
    sync();
  }
})();
