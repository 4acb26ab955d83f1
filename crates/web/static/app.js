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

  // A wide table's box says it scrolls only while its table is wider than
  // the screen (without script the hint shows on every narrow screen).
  function markFits() {
    document.querySelectorAll(".wide").forEach(function (wide) {
      var box = wide.querySelector(".scroll");
      if (box) wide.classList.toggle("fits", box.scrollWidth <= box.clientWidth + 1);
    });
  }
  markFits();
  window.addEventListener("resize", markFits);

  // The menu closes on Escape and on a tap outside it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll("details[data-menu][open]").forEach(function (menu) { menu.open = false; });
    }
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // Photos from today's phones are 5 to 15 MB: a form's photo is shrunk
  // here (its longer side to SHRINK_TO pixels, as JPEG) before it is sent.
  // Whatever fails on the way (an old browser, a file that is not an
  // image), the form is sent as it was chosen, and the server's limit
  // answers with the form kept.
  var SHRINK_TO = 2000;
  var SHRINK_OVER = 1024 * 1024;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.shrunk) return;
    var inputs = Array.prototype.filter.call(form.querySelectorAll("input[type=file][data-shrink]"), function (input) {
      return input.files && input.files.length === 1 && input.files[0].size > SHRINK_OVER &&
        /^image\/(jpeg|png|webp)$/.test(input.files[0].type);
    });
    if (!inputs.length || !window.DataTransfer || !window.createImageBitmap || !HTMLCanvasElement.prototype.toBlob) return;
    event.preventDefault();
    form.dataset.shrunk = "1";
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.disabled = true; });
    Promise.all(inputs.map(shrink)).then(send, send);
    function send() { form.submit(); }
  });
  // A page brought back by the browser's Back button is the form again,
  // ready to be sent once more.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-shrunk]").forEach(function (form) {
      delete form.dataset.shrunk;
      form.querySelectorAll("button[disabled]").forEach(function (b) { b.disabled = false; });
    });
  });
  function shrink(input) {
    var file = input.files[0];
    return createImageBitmap(file).then(function (image) {
      var scale = Math.min(1, SHRINK_TO / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
    }).then(function (blob) {
      if (!blob || blob.size >= file.size) return;
      var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
      var list = new DataTransfer();
      list.items.add(new File([blob], name, { type: "image/jpeg" }));
      input.files = list.files;
    });
  }
})();
