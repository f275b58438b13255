/* planner: the printable month's Print button (a script file: the page's policy allows no inline code). */
(function () {
  "use strict";
  const button = document.getElementById("print-button");
  if (button) button.addEventListener("click", () => window.print());
})();
