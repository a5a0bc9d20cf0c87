/* Feedback while the server makes a PDF (issuing a report, downloading a draft's PDF), which
   takes a few seconds. Loaded as a file: the portal's CSP allows no inline script. Without
   JavaScript the form and the links work as plain HTML. */
(function () {
  "use strict";

  function note(el, text) {
    var scope = el.closest("form, section, .card") || document;
    var box = scope.querySelector(".busy-note");
    if (box) box.textContent = text;
  }

  // The issue form: one submission, its button says what is happening.
  document.querySelectorAll("form[data-busy-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = form.querySelector("button[data-busy-label]");
      if (form.dataset.busy === "1") { event.preventDefault(); return; }
      form.dataset.busy = "1";
      if (button) {
        button.dataset.idleLabel = button.textContent;
        button.textContent = button.dataset.busyLabel;
        button.setAttribute("aria-busy", "true");
        button.classList.add("is-busy");
      }
      note(form, "Đang tính số liệu và tạo PDF, vui lòng chờ…");
    });
  });

  // Download links: fetch the file, then hand it to the browser, so the busy state ends when
  // the file has arrived (or says why it did not).
  document.querySelectorAll("a[data-busy-label]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || !window.fetch || !window.URL) return;
      event.preventDefault();
      if (link.getAttribute("aria-busy") === "true") return;
      var idle = link.textContent;
      link.textContent = link.dataset.busyLabel;
      link.setAttribute("aria-busy", "true");
      link.classList.add("is-busy");
      note(link, "Đang tạo PDF từ dữ liệu hiện có, vui lòng chờ…");
      fetch(link.href, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          var match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
          return response.blob().then(function (blob) { return { blob: blob, name: match ? match[1] : "bao-cao.pdf" }; });
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
          note(link, "Đã tạo xong tệp PDF.");
        })
        .catch(function () {
          note(link, "Không tạo được tệp PDF. Vui lòng thử lại hoặc báo quản trị hệ thống.");
        })
        .then(function () {
          link.textContent = idle;
          link.removeAttribute("aria-busy");
          link.classList.remove("is-busy");
        });
    });
  });

  // Back to a page kept in the browser's cache: not busy any more.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-busy-form]").forEach(function (form) {
      form.dataset.busy = "";
      var button = form.querySelector("button[data-busy-label]");
      if (button && button.dataset.idleLabel) {
        button.textContent = button.dataset.idleLabel;
        button.removeAttribute("aria-busy");
        button.classList.remove("is-busy");
      }
      note(form, "");
    });
  });
})();
