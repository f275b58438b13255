/* Bulk actions: a "Select all" box ticks every checkbox of its form. Without JS, tick each one. */
(function () {
  document.querySelectorAll("input[data-select-all]").forEach((all) => {
    const formId = all.dataset.selectAll;
    const boxes = () => Array.from(document.querySelectorAll(
      `input[type=checkbox][name=post_ids][form="${formId}"], #${formId} input[type=checkbox][name=post_ids]`
    ));
    all.addEventListener("change", () => {
      boxes().forEach((box) => { box.checked = all.checked; });
    });
    document.addEventListener("change", (ev) => {
      if (ev.target === all || !boxes().includes(ev.target)) return;
      const ticked = boxes().filter((box) => box.checked).length;
      all.checked = ticked === boxes().length;
      all.indeterminate = ticked > 0 && !all.checked;
    });
  });
})();
