/* The inbox: count each answer against its platform's limit, as the composer counts posts. */
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-answer-counter]").forEach((box) => {
    const out = document.querySelector(`#${box.getAttribute("aria-describedby")} .counter-value`);
    const limit = parseInt(box.dataset.limit, 10);
    const update = () => {
      if (!out || !window.plannerCount) return;
      const used = window.plannerCount(box.dataset.platform, box.value.trim(), parseInt(box.dataset.urlLength, 10));
      if (!Number.isFinite(limit)) {
        out.textContent = `${used} characters`;
        return;
      }
      const left = limit - used;
      out.textContent = left >= 0 ? `${left} left of ${limit}` : `${-left} over the ${limit} limit`;
      box.closest("form").classList.toggle("over", left < 0);
    };
    box.addEventListener("input", update);
    update();
  });
})();
