/* Live preview of the text typed in a report's sections (templates/reporting/report_form.html).

   Every <textarea data-preview="slug"> gets a preview under it, rendered by the server
   (reporting.views.narrative_preview → reporting.narrative.narrative_html, the same code the
   document uses), so what the preview shows is what the report prints: headings numbered,
   lists, emphasis, and HTML typed shown as text. A file, not an inline script: the portal's
   CSP allows none. Without JavaScript the form works as before, with no preview. */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function attach(area, url) {
    var box = document.createElement("div");
    box.className = "narrative-preview";
    box.setAttribute("aria-live", "polite");
    box.setAttribute("aria-label", "Xem trước");
    area.insertAdjacentElement("afterend", box);
    var timer = null;
    var sent = 0;

    function refresh() {
      var mine = ++sent;
      if (!area.value.trim()) { // nothing typed: nothing to ask the server
        box.textContent = "";
        box.classList.add("is-empty");
        return;
      }
      var body = new FormData();
      body.append("section", area.dataset.preview);
      body.append("text", area.value);
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(area.form) },
      })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(response.status);
        })
        .then(function (html) {
          if (mine !== sent) return; // an older answer arriving late
          box.innerHTML = html; // sanitised by the server (nh3): only p, lists, headings, strong, em
          box.classList.toggle("is-empty", !html.trim());
        })
        .catch(function () {
          if (mine === sent) box.textContent = "(Không xem trước được; nội dung vẫn được lưu khi bấm Lưu.)";
        });
    }

    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    if (area.value.trim()) refresh(); // what is already written, once; the empty boxes ask nothing
    else box.classList.add("is-empty");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-preview-url]");
    if (!form) return;
    form.querySelectorAll("textarea[data-preview]").forEach(function (area) {
      attach(area, form.dataset.previewUrl);
    });
  });
})();
