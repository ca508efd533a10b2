// Rubric form: show the running sum of the criteria's maxima next to the rubric's total.
(function () {
  "use strict";
  var cell = document.getElementById("criteria-sum");
  if (!cell) { return; }
  var total = document.getElementById(cell.getAttribute("data-total-field"));
  function tenths(value) { return Math.round(parseFloat(value || "0") * 10) || 0; }
  function update() {
    var sum = 0;
    document.querySelectorAll("#criteria tbody tr").forEach(function (row) {
      var removed = row.querySelector("input[name$='-DELETE']");
      if (removed && removed.checked) { return; }
      var input = row.querySelector("input[name$='-max_points']");
      if (input) { sum += tenths(input.value); }
    });
    var expected = total ? tenths(total.value) : sum;
    cell.textContent = (sum / 10).toFixed(1) + (total ? " / " + (expected / 10).toFixed(1) : "");
    cell.classList.toggle("text-danger", sum !== expected);
    cell.classList.toggle("text-success", sum === expected);
  }
  document.getElementById("rubric-form").addEventListener("input", update);
  document.getElementById("rubric-form").addEventListener("change", update);
  update();
})();
