/* "Hiện thêm cột": on a narrow screen a list hides its less important columns (class "opt",
   static/css/lists.css); the button shows them again, or hides them, for this page. */
(function () {
  "use strict";
  function setUp() {
    document.querySelectorAll(".columns-toggle").forEach(function (button) {
      if (!document.querySelector("table.list .opt")) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var shown = document.body.classList.toggle("show-all-columns");
        button.setAttribute("aria-pressed", shown ? "true" : "false");
        button.textContent = shown ? "Ẩn bớt cột" : "Hiện thêm cột";
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUp); } else { setUp(); }
})();
