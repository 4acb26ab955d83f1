// The few behaviours of starledger's pages, bound by data- attributes: the
// Content-Security-Policy allows no inline script or handler.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) {
      window.print();
      return;
    }
    var fill = event.target.closest("[data-fill-rest]");
    if (fill) {
      // A ballot paper: every member not yet marked gets the stated grade.
      var grade = fill.getAttribute("data-fill-rest");
      var form = fill.closest("form");
      form.querySelectorAll("tr[data-member]").forEach(function (row) {
        if (!row.querySelector("input:checked")) {
          var input = row.querySelector("input[value=" + grade + "]");
          if (input) input.checked = true;
        }
      });
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });
})();
