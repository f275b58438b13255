/* Reload a page that says it is waiting for something (data-refresh-seconds), while the tab is
   visible and nobody is typing; the server leaves the marker out once nothing is in flight. */
(function () {
  const marker = document.querySelector("[data-refresh-seconds]");
  if (!marker) return;
  const seconds = Math.max(3, Number(marker.dataset.refreshSeconds) || 10);
  setInterval(() => {
    const typing = document.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (document.visibilityState === "visible" && !typing) window.location.reload();
  }, seconds * 1000);
})();
