/* A "Copy" button copies the text of the field it names. Without JS, select the field and copy. */
(function () {
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    const label = button.textContent;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
      } catch (err) {
        field.select();  // no clipboard access (plain http): leave the text selected to copy
        document.execCommand("copy");
      }
      button.textContent = button.dataset.copied || "Copied";
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });
})();
