/* Feedback while the server works for more than a second: checking or importing a workbook,
   issuing a report, making a PDF or an export; and the cursor in the first field to correct. Loaded on every page as a file (the portal's
   CSP allows no inline script); without JavaScript every form and link works as plain HTML.

   <form data-busy-form data-busy-note="…">  one submission; its button[data-busy-label] says
                                              what is happening, .busy-note in the form explains.
   <a data-busy-label="…" data-busy-note="…"> a download: fetched, then handed to the browser,
                                              so the busy state ends when the file has arrived. */
(function () {
  "use strict";

  function note(el, text) {
    var scope = el.closest("form, section, .card, .pagehead") || document;
    var box = scope.querySelector(".busy-note");
    if (box) box.textContent = text;
  }

  function busy(el, on) {
    if (on) {
      el.dataset.idleLabel = el.textContent;
      el.textContent = el.dataset.busyLabel;
      el.setAttribute("aria-busy", "true");
      el.classList.add("is-busy");
    } else if (el.dataset.idleLabel) {
      el.textContent = el.dataset.idleLabel;
      el.removeAttribute("aria-busy");
      el.classList.remove("is-busy");
    }
  }

  document.querySelectorAll("form[data-busy-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.busy === "1") { event.preventDefault(); return; }
      form.dataset.busy = "1";
      var button = form.querySelector("button[data-busy-label]");
      if (button) busy(button, true);
      note(form, form.dataset.busyNote || "Đang xử lý, vui lòng chờ…");
    });
  });

  document.querySelectorAll("a[data-busy-label]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || !window.fetch || !window.URL) return;
      event.preventDefault();
      if (link.getAttribute("aria-busy") === "true") return;
      busy(link, true);
      note(link, link.dataset.busyNote || "Đang tạo tệp, vui lòng chờ…");
      fetch(link.href, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
          return response.blob().then(function (blob) { return { blob: blob, name: match ? match[1] : "tep-tai-ve" }; });
        })
        .then(function (file) {
          var url = URL.createObjectURL(file.blob);
          var a = document.createElement("a");
          a.href = url;
          a.download = file.name;
          document.body.appendChild(a);
          a.click();
          a.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
          note(link, "Đã tạo xong tệp " + file.name + ".");
        })
        .catch(function () {
          note(link, "Không tạo được tệp. Vui lòng thử lại hoặc báo quản trị hệ thống.");
        })
        .then(function () { busy(link, false); });
    });
  });

  // A form sent back with errors: the cursor in the first field to correct, so that the
  // keyboard user starts where the message is (the page itself says what is wrong).
  var invalid = document.querySelector(
    ".field.invalid input:not([type=hidden]), .field.invalid select, .field.invalid textarea"
  );
  if (invalid && !window.location.hash) {
    invalid.focus({ preventScroll: true });
    invalid.scrollIntoView({ block: "center" });
  }

  // Back to a page kept in the browser's cache: not busy any more.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-busy-form]").forEach(function (form) {
      form.dataset.busy = "";
      var button = form.querySelector("button[data-busy-label]");
      if (button) busy(button, false);
      note(form, "");
    });
  });
})();
