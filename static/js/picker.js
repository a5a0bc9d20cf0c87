/* The forms' search pickers (templates/projects/widgets/picker.html, projects.forms.SearchPicker):
   the facilities of a đề án or a nomination, the đề án of an event.

   The page carries only the chosen rows, as ticked inputs named like the field (checkboxes for a
   multiple choice, one radio button for a single one), so that the form posts them without
   JavaScript. This script shows the search box, a combobox after the WAI-ARIA "list
   autocomplete with manual selection" pattern: typing two letters or more asks the server (the
   widget's data-search-url, answering {results: [{id, label, sub}], more}) for matching rows,
   the arrow keys move in the list, Enter or a click picks the row, Escape closes the list. A
   multiple picker adds the row; a single one (no data-picker-multiple) replaces its choice.
   Each chosen row gets a "Bỏ chọn" button. data-picker-noun ("cơ sở", "đề án") names the rows
   in what the script says. Loaded as a file: the portal's CSP allows no inline script. */
(function () {
  "use strict";

  var DELAY = 200; // ms after the last key before asking the server
  var MIN_LENGTH = 2; // the server answers nothing to fewer letters

  function setUp(picker) {
    var input = picker.querySelector("[role=combobox]");
    var popup = picker.querySelector("[data-picker-popup]");
    var listbox = picker.querySelector("[data-picker-results]");
    var note = picker.querySelector("[data-picker-note]");
    var status = picker.querySelector("[data-picker-status]");
    var chosenList = picker.querySelector("[data-picker-chosen]");
    var empty = picker.querySelector("[data-picker-empty]");
    var itemTemplate = picker.querySelector("template[data-picker-item]");
    var url = picker.dataset.searchUrl;
    var noun = picker.dataset.pickerNoun;
    var multiple = picker.hasAttribute("data-picker-multiple");

    var results = []; // the rows in the list, in order
    var active = -1; // the option the arrow keys are on
    var lastQuery = null; // the text the list answers
    var timer = null;
    var controller = null;
    var sequence = 0;

    function announce(text) {
      // Emptied first so that the same words said twice are read twice.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }

    function chosenIds() {
      var ids = {};
      chosenList.querySelectorAll("input[name]").forEach(function (box) { ids[box.value] = true; });
      return ids;
    }

    function updateEmpty() {
      empty.hidden = chosenList.querySelector(".picker-item") !== null;
    }

    // A chosen row keeps its value in a hidden input (it cannot be unticked by a stray
    // click any more) and shows its remove button.
    function enhanceItem(item) {
      var box = item.querySelector("input[name]");
      var label = item.querySelector("label");
      box.type = "hidden";
      if (label) label.removeAttribute("for");
      item.querySelector(".picker-remove").hidden = false;
    }

    function isOpen() {
      return !popup.hidden;
    }

    function open() {
      popup.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      popup.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function options() {
      return listbox.querySelectorAll("[role=option]");
    }

    function setActive(index) {
      var all = options();
      if (active >= 0 && all[active]) {
        all[active].classList.remove("is-active");
        all[active].setAttribute("aria-selected", "false");
      }
      active = index;
      if (active >= 0 && all[active]) {
        all[active].classList.add("is-active");
        all[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", all[active].id);
        all[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function move(step) {
      var count = results.length;
      if (!count) return;
      if (!isOpen()) open();
      var next = active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count;
      setActive(next);
    }

    function show(data, query) {
      var ids = chosenIds();
      results = data.results;
      lastQuery = query;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      listbox.replaceChildren();
      results.forEach(function (row) {
        var option = document.createElement("li");
        option.setAttribute("role", "option");
        option.id = listbox.id + "-" + row.id;
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "picker-name";
        name.textContent = row.label;
        option.appendChild(name);
        if (ids[String(row.id)]) {
          option.setAttribute("aria-disabled", "true");
          var tag = document.createElement("span");
          tag.className = "picker-tag";
          tag.textContent = "đã chọn";
          option.append(" ", tag);
        }
        if (row.sub) {
          var detail = document.createElement("span");
          detail.className = "picker-sub";
          detail.textContent = row.sub;
          option.append(" ", detail);
        }
        listbox.appendChild(option);
      });
      if (!results.length) {
        note.textContent = "Không tìm thấy " + noun + " nào khớp với “" + query + "”.";
        announce("Không tìm thấy " + noun + " nào.");
      } else {
        note.textContent = data.more
          ? "Chỉ hiện " + results.length + " " + noun + " đầu tiên; gõ thêm chữ để thu hẹp."
          : "";
        announce(
          (data.more ? "Hơn " : "") + results.length + " " + noun + " tìm được; dùng phím mũi tên lên, xuống để chọn, Enter để " +
            (multiple ? "thêm." : "chọn.")
        );
      }
      open();
    }

    function search(query) {
      if (controller) controller.abort();
      controller = "AbortController" in window ? new AbortController() : null;
      var mine = ++sequence;
      var slow = window.setTimeout(function () {
        if (mine === sequence) { note.textContent = "Đang tìm…"; open(); }
      }, 400);
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          // A session that has ended answers with the sign-in page, not JSON.
          if (!response.ok || response.redirected) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          window.clearTimeout(slow);
          if (mine === sequence && input.value.trim() === query) show(data, query);
        })
        .catch(function (error) {
          window.clearTimeout(slow);
          if (error.name === "AbortError" || mine !== sequence) return;
          results = [];
          listbox.replaceChildren();
          note.textContent = "Không tìm được do lỗi kết nối hoặc phiên đăng nhập đã hết; hãy thử lại hoặc tải lại trang.";
          announce(note.textContent);
          open();
        });
    }

    function add(index) {
      var row = results[index];
      if (!row) return;
      if (chosenIds()[String(row.id)]) {
        announce(row.label + " đã có trong danh sách đã chọn.");
        return;
      }
      var item = itemTemplate.content.firstElementChild.cloneNode(true);
      var box = item.querySelector("input[name]");
      box.value = String(row.id);
      box.id = chosenList.id + "_" + row.id;
      item.querySelector(".picker-name").textContent = row.label;
      item.querySelector(".picker-sub").textContent = row.sub || "";
      item.querySelector(".picker-remove").setAttribute("aria-label", "Bỏ chọn " + row.label);
      enhanceItem(item);
      // A single choice: the new row takes the place of the one chosen before.
      if (!multiple) chosenList.replaceChildren();
      chosenList.appendChild(item);
      updateEmpty();
      input.value = "";
      results = [];
      lastQuery = null;
      listbox.replaceChildren();
      close();
      input.focus();
      announce((multiple ? "Đã thêm " : "Đã chọn ") + row.label + ".");
    }

    function remove(item) {
      var name = item.querySelector(".picker-name").textContent;
      var next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      updateEmpty();
      (next ? next.querySelector(".picker-remove") : input).focus();
      announce("Đã bỏ chọn " + name + ".");
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < MIN_LENGTH) {
        sequence++;
        if (controller) controller.abort();
        results = [];
        lastQuery = null;
        listbox.replaceChildren();
        note.textContent = "";
        close();
        return;
      }
      timer = window.setTimeout(function () { search(query); }, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      switch (event.key) {
        case "ArrowDown":
        case "Down":
          event.preventDefault();
          if (!isOpen() && lastQuery === null && input.value.trim().length >= MIN_LENGTH) {
            window.clearTimeout(timer);
            search(input.value.trim());
          } else {
            move(1);
          }
          break;
        case "ArrowUp":
        case "Up":
          event.preventDefault();
          move(-1);
          break;
        case "Enter":
          // Enter in the search box never submits the form.
          event.preventDefault();
          if (isOpen() && active >= 0) add(active);
          break;
        case "Escape":
        case "Esc":
          if (isOpen()) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
            results = [];
            lastQuery = null;
            listbox.replaceChildren();
          }
          break;
        case "Tab":
          close();
          break;
      }
    });

    input.addEventListener("focus", function () {
      if (lastQuery !== null && lastQuery === input.value.trim()) open();
    });
    input.addEventListener("blur", close);

    // Keep the focus in the search box while the mouse picks an option.
    listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    popup.addEventListener("mousedown", function (event) { event.preventDefault(); });
    listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (!option) return;
      add(Array.prototype.indexOf.call(options(), option));
    });

    chosenList.addEventListener("click", function (event) {
      var button = event.target.closest(".picker-remove");
      if (button) remove(button.closest(".picker-item"));
    });

    chosenList.querySelectorAll(".picker-item").forEach(enhanceItem);
    picker.querySelector("[data-picker-search]").hidden = false;
    updateEmpty();
  }

  document.querySelectorAll("[data-picker]").forEach(setUp);
})();
