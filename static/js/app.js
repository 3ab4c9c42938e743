// Progressive enhancement only: every page works and shows its content without this file.
//  - marks <html> as "js" (CSS hides controls that need JavaScript on "no-js" pages);
//  - [data-dismiss=".selector"] buttons remove their closest matching ancestor (notices);
//  - <form data-confirm="Question?"> asks before submitting (e.g. deactivating a member).
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (!button) return;
    var target = button.closest(button.getAttribute("data-dismiss") || "*");
    if (target) target.remove();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
