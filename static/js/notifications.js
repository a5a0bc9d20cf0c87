// The header's bell: how many notifications are unread, asked once the page has loaded so that
// no page pays a database query for it (khuyencong.office.views.notification_count).
(function () {
  "use strict";
  var bell = document.querySelector("[data-notification-count]");
  if (!bell || !window.fetch) { return; }
  fetch(bell.getAttribute("data-notification-count"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data || !data.unread) { return; }
      var badge = bell.querySelector(".bell-count");
      badge.textContent = String(data.unread);
      badge.hidden = false;
      bell.setAttribute("aria-label", "Thông báo: " + data.unread + " chưa đọc");
    })
    .catch(function () { /* the link still opens the list */ });
}());
