/* The contract form's schedule table (templates/funding/contract_form.html): add and remove
   rows, number them, and show the total of the amounts against the principal as it is typed.
   Only a help: without it the table's blank rows are filled in and the server checks
   everything (funding.services._check_rows). */
(function () {
  "use strict";

  function parseMoney(text) {
    var digits = (text || "").replace(/[.\s\u00a0]/g, "");
    return /^\d+$/.test(digits) ? parseInt(digits, 10) : null;
  }

  function group(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function setUp(box) {
    var body = box.querySelector("[data-schedule-rows]");
    var total = box.querySelector("[data-schedule-total]");
    var add = box.querySelector("[data-add-row]");
    var principal = document.getElementById("id_principal");
    var note = box.querySelector("[data-nojs-note]");
    if (note) note.hidden = true;

    function rows() { return Array.prototype.slice.call(body.querySelectorAll("[data-schedule-row]")); }

    function refresh() {
      var sum = 0, bad = false, n = 0;
      rows().forEach(function (row, i) {
        var inputs = row.querySelectorAll("input");
        var filled = inputs[0].value.trim() || inputs[1].value.trim();
        row.querySelector("[data-row-number]").textContent = filled ? String(++n) : "";
        inputs[0].setAttribute("aria-label", "Ngày đến hạn dòng " + (i + 1));
        inputs[1].setAttribute("aria-label", "Số tiền dòng " + (i + 1));
        row.querySelector("[data-remove-row]").setAttribute("aria-label", "Xóa dòng " + (i + 1));
        if (inputs[1].value.trim()) {
          var amount = parseMoney(inputs[1].value);
          if (amount === null) bad = true; else sum += amount;
        }
      });
      var target = principal ? parseMoney(principal.value) : null;
      var text = group(sum) + " đồng";
      total.classList.remove("ok", "late-amount");
      if (bad) {
        text += " — có số tiền không đọc được";
        total.classList.add("late-amount");
      } else if (target !== null && n > 0) {
        if (sum === target) { text += " — bằng số tiền hỗ trợ"; total.classList.add("ok"); }
        else if (sum < target) { text += " — còn thiếu " + group(target - sum) + " đồng"; total.classList.add("late-amount"); }
        else { text += " — vượt " + group(sum - target) + " đồng"; total.classList.add("late-amount"); }
      }
      total.textContent = text;
    }

    function blankRow() {
      var row = rows()[rows().length - 1].cloneNode(true);
      row.classList.remove("invalid");
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      row.querySelectorAll(".errorlist").forEach(function (list) { list.remove(); });
      return row;
    }

    add.hidden = false;
    add.addEventListener("click", function () {
      var row = blankRow();
      body.appendChild(row);
      refresh();
      row.querySelector("input").focus();
    });
    body.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-row]");
      if (!button) return;
      var row = button.closest("[data-schedule-row]");
      if (rows().length === 1) body.appendChild(blankRow());
      row.remove();
      refresh();
    });
    body.addEventListener("input", refresh);
    if (principal) principal.addEventListener("input", refresh);
    body.querySelectorAll("[data-remove-row]").forEach(function (b) { b.hidden = false; });
    // Rows added later are clones of one whose button is already shown.
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-schedule]").forEach(setUp);
  });
})();
