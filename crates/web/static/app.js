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
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      copyText(copy);
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
  // A copy button names the field it copies; it is hidden in the page and
  // shown only here, so a browser without script shows no dead button.
  function copyText(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied");
      setTimeout(function () { button.textContent = label; }, 2500);
    };
    var byHand = function () {
      // Older in-app browsers (WeChat's among them) may lack the clipboard
      // API or refuse it: select the text and copy the old way.
      field.focus();
      field.select();
      try {
        if (document.execCommand("copy")) done();
      } catch (e) { /* the text stays selected for a long press */ }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, byHand);
    } else {
      byHand();
    }
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) { button.hidden = false; });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });
  // A member picker searches as one types: the field names the select it
  // fills (data-pick); without script, the search form's button does the same.
  var pickTimer = null;
  document.addEventListener("input", function (event) {
    var field = event.target.closest("input[data-pick]");
    if (!field || !window.fetch) return;
    clearTimeout(pickTimer);
    pickTimer = setTimeout(function () {
      var select = document.getElementById(field.getAttribute("data-pick"));
      if (!select) return;
      fetch("/members/pick?q=" + encodeURIComponent(field.value), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (members) {
          if (!members) return;
          select.textContent = "";
          members.forEach(function (m) {
            var option = document.createElement("option");
            option.value = m.id;
            option.textContent = m.label;
            select.appendChild(option);
          });
          var carried = select.form && select.form.querySelector("input[name=mq]");
          if (carried) carried.value = field.value;
        });
    }, 250);
  });
})();
