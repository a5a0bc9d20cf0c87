// A running job's page: ask for its progress every few seconds, move the bar, and reload the
// page (which then shows the result) once the job has finished. Without JavaScript the page
// refreshes itself (a meta refresh inside <noscript>).
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var every = (parseInt(box.getAttribute("data-poll-seconds"), 10) || 2) * 1000;
  var bar = document.getElementById("job-bar");
  var text = document.getElementById("job-text");

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return setTimeout(poll, every * 2);
        if (data.finished) { window.location.replace(data.url); return; }
        if (data.total) { bar.max = data.total; bar.value = data.done; } else { bar.removeAttribute("value"); }
        text.textContent = data.text;
        setTimeout(poll, every);
      })
      .catch(function () { setTimeout(poll, every * 2); });
  }
  setTimeout(poll, every);
})();
