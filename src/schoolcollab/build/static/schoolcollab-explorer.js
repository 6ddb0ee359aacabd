/* The evidence explorer's DataTables, made to follow the book's colour mode and to work by keyboard.

   Colour mode. DataTables and SearchPanes draw themselves dark when <html> has the class "dark";
   itables sets it only from a notebook's own start-up code, which a book page never runs, so in the
   theme's dark mode the filter panes stayed white under the theme's light text (1.2:1). The class
   follows the theme's data-theme attribute here, whichever way the reader switched it.

   Keyboard (WCAG 2.1.1).

   A column's sort control is a span with role="button", which DataTables activates with Enter only;
   a button also answers to Space, which screen-reader users are told to press, so Space sorts too.

   The filter panes. DataTables' SearchPanes selects an option only
   on a mouse click: its rows cannot take focus, so a keyboard user could search a pane but never pick
   from it, and its scrolling list could not be reached either. Each option row becomes a tab stop that
   Enter or Space selects (and deselects) exactly as a click does. Rows are redrawn on every search and
   sort, so new ones are caught as they appear. */
(function () {
  "use strict";
  var OPTION = ".dtsp-searchPane table.dataTable tbody tr";
  var SPAN_BUTTON = ".dt-container [role='button']:not(button)";

  function focusable(root) {
    root.querySelectorAll(OPTION).forEach(function (row) {
      if (!row.querySelector("td.dt-empty") && !row.hasAttribute("tabindex")) row.setAttribute("tabindex", "0");
    });
  }

  function label(row) {
    var name = row.querySelector(".dtsp-name");
    return name ? name.getAttribute("title") : row.textContent;
  }

  document.addEventListener("keydown", function (event) {
    var row = event.target;
    if (!(row instanceof Element)) return;
    if (event.key === " " && row.matches(SPAN_BUTTON)) {
      event.preventDefault();
      row.click();
      return;
    }
    if (!row.matches(OPTION)) return;
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault(); // Space would scroll the page
    var pane = row.closest(".dtsp-searchPane");
    var name = label(row);
    (row.querySelector("td") || row).click(); // SearchPanes listens on the cells
    // choosing redraws the pane's rows, which drops the focus: give it back to the same option
    setTimeout(function () {
      focusable(pane);
      var again = Array.prototype.find.call(pane.querySelectorAll(OPTION), function (r) { return label(r) === name; });
      if (again) again.focus();
    }, 0);
  });

  function followTheme() {
    var root = document.documentElement;
    var dark = root.dataset.theme === "dark";
    if (root.classList.contains("dark") !== dark) root.classList.toggle("dark", dark);
  }
  followTheme();
  new MutationObserver(followTheme).observe(document.documentElement, { attributes: true,
                                                                        attributeFilter: ["data-theme", "class"] });

  function watch() {
    focusable(document);
    new MutationObserver(function () { focusable(document); })
      .observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
