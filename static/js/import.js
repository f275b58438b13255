/* planner: CSV upload with a progress bar. Without this file the form posts as usual. */
(function () {
  "use strict";
  const form = document.getElementById("import-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  const box = document.getElementById("upload-progress");
  const bar = document.getElementById("upload-bar");
  const status = document.getElementById("upload-status");
  const failure = document.getElementById("upload-error");
  const button = form.querySelector("button[type=submit]");

  function clearFieldErrors() {
    form.querySelectorAll(".js-field-error").forEach((p) => p.remove());
    form.querySelectorAll(".field.has-error").forEach((f) => f.classList.remove("has-error"));
    form.querySelectorAll("[aria-invalid]").forEach((i) => i.removeAttribute("aria-invalid"));
  }

  function showErrors(error) {
    let first = null;
    Object.entries(error.fields || {}).forEach(([name, message]) => {
      const input = form.querySelector(`[name="${name}"]`);
      const wrap = input && input.closest(".field");
      if (!wrap) return;
      const p = document.createElement("p");
      p.className = "field-error js-field-error";
      p.id = `${input.id}-js-error`;
      p.textContent = message;
      wrap.classList.add("has-error");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", p.id);
      input.insertAdjacentElement("afterend", p);
      first = first || input;
    });
    failure.textContent = error.message || "The file could not be checked.";
    failure.hidden = false;
    if (first) first.focus();
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearFieldErrors();
    failure.hidden = true;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    box.hidden = false;
    button.disabled = true;
    bar.value = 0;
    status.textContent = "Sending the file…";
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.round((e.loaded / e.total) * 100);
      bar.value = pct;
      status.textContent = `Sending the file: ${pct}%`;
    });
    xhr.upload.addEventListener("load", () => {
      bar.removeAttribute("value"); // an indeterminate bar while the server reads the rows
      status.textContent = "Checking every row…";
    });
    xhr.addEventListener("load", () => {
      const data = xhr.response || {};
      if (xhr.status === 201 && data.location) {
        status.textContent = "Done. Opening the preview…";
        window.location.assign(data.location);
        return;
      }
      box.hidden = true;
      button.disabled = false;
      showErrors(data.error || { message: `The file could not be checked (error ${xhr.status}).` });
    });
    xhr.addEventListener("error", () => {
      box.hidden = true;
      button.disabled = false;
      showErrors({ message: "The connection was lost while sending the file. Try again." });
    });
    xhr.send(new FormData(form));
  });
})();
