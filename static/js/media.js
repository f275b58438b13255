// The composer's images: upload by drag and drop or file picker (each file with its own
// progress), reorder, remove and write alt text, choose Instagram's crop or pad, and see each
// channel's preview follow. The form posts media_id in order.
(function () {
  "use strict";
  const section = document.getElementById("media-section");
  if (!section) return;
  const list = document.getElementById("media-items");
  const drop = document.getElementById("media-drop");
  const picker = document.getElementById("media-file");
  const uploads = document.getElementById("media-uploads");
  const max = parseInt(section.dataset.max || "10", 10);
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const rules = JSON.parse(section.dataset.previewRules || '{"crops": {}, "bounds": {}}');
  const [igLow, igHigh, igSlack] = rules.instagram || [0.8, 1.91, 0.005];

  // Beside an image Instagram cannot show as it is: the crop-or-pad choice (as the server draws it).
  function fitNotice(media) {
    const ratio = media.width / media.height;
    if (!media.width || !media.height || (ratio >= igLow - igSlack && ratio <= igHigh + igSlack)) return null;
    const notice = document.getElementById("media-fit-template").content.firstElementChild.cloneNode(true);
    const aspect = ratio < igLow ? igLow : igHigh;
    notice.querySelectorAll("input").forEach((input) => { input.name = `media_fit_${media.id}`; });
    notice.querySelectorAll(".fit-preview").forEach((box) => { box.style.aspectRatio = String(aspect); });
    notice.querySelectorAll("img").forEach((img) => { img.src = media.thumbnail_url; });
    return notice;
  }

  // How each network shows the images (previews.crop on the server, for what is not saved yet).
  function aspectFor(network, width, height, count) {
    const own = width && height ? width / height : 1;
    const rule = rules.crops[network];
    let aspect = null;
    if (rule) {
      const most = Math.max(...Object.keys(rule).map(Number));
      aspect = rule[String(Math.min(count, most))];
    }
    if (aspect === null || aspect === undefined) {
      const [low, high] = rules.bounds[network] || [0, Infinity];
      aspect = Math.min(Math.max(own, low), high);
    }
    return aspect;
  }

  function refreshPreviews() {
    const images = Array.from(list.querySelectorAll(".media-item")).map((li) => ({
      url: li.dataset.url,
      alt: (li.querySelector("textarea") || {}).value || "",
      width: Number(li.dataset.width),
      height: Number(li.dataset.height),
    }));
    document.querySelectorAll("[data-preview-for]").forEach((card) => {
      const limit = card.dataset.imageLimit ? Number(card.dataset.imageLimit) : images.length;
      const shown = images.slice(0, limit);
      let box = card.querySelector(".preview-images");
      if (!box) {
        box = document.createElement("div");
        card.querySelector("[data-preview-text]").after(box);
      }
      box.className = `preview-images count-${shown.length}`;
      box.hidden = !shown.length;
      box.replaceChildren(...shown.map((image) => {
        const img = document.createElement("img");
        img.src = image.url; img.alt = image.alt; img.loading = "lazy";
        const aspect = aspectFor(card.dataset.network, image.width, image.height, shown.length);
        img.style.aspectRatio = aspect.toFixed(4);
        if (Math.abs(aspect - image.width / image.height) > 0.01) img.className = "cropped";
        return img;
      }));
      const note = card.querySelector("[data-hidden-images]");
      const hidden = images.length - shown.length;
      if (note) {
        note.hidden = hidden <= 0;
        note.textContent = hidden > 0
          ? `${hidden} more image${hidden === 1 ? "" : "s"} not shown: ${note.dataset.networkName} takes fewer.` : "";
      }
      const link = card.querySelector(".preview-card-link");
      if (link) link.hidden = shown.length > 0;
    });
  }

  function count() { return list.querySelectorAll(".media-item").length; }

  function button(label, attrs, text) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn-small";
    b.setAttribute("aria-label", label);
    Object.entries(attrs).forEach(([k, v]) => b.setAttribute(k, v));
    b.textContent = text;
    return b;
  }

  // *slot* keeps the place of a file in the order it was dropped, whichever upload ends first.
  function addItem(media, slot) {
    if (list.querySelector(`[data-media-id="${media.id}"]`)) { if (slot) slot.remove(); return; }
    const li = document.createElement("li");
    li.className = "media-item";
    li.dataset.mediaId = media.id;
    li.dataset.url = media.url;
    li.dataset.width = media.width;
    li.dataset.height = media.height;
    const hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "media_id"; hidden.value = media.id;
    const img = document.createElement("img");
    img.className = "media-thumb"; img.src = media.thumbnail_url; img.alt = "";
    const fields = document.createElement("div");
    fields.className = "media-item-fields";
    const label = document.createElement("label");
    label.htmlFor = `media-alt-${media.id}`;
    label.textContent = `Alt text for ${media.filename || "the image"}`;
    const alt = document.createElement("textarea");
    alt.id = `media-alt-${media.id}`; alt.name = `media_alt_${media.id}`; alt.rows = 2; alt.maxLength = 1500;
    alt.value = media.alt || "";
    const warn = document.createElement("p");
    warn.className = "media-warning"; warn.dataset.altWarning = "";
    warn.textContent = "No alt text yet: describe the image for people who cannot see it.";
    warn.hidden = Boolean(alt.value.trim());
    fields.append(label, alt, warn);
    const notice = fitNotice(media);
    if (notice) fields.append(notice);
    const actions = document.createElement("div");
    actions.className = "media-item-actions";
    const remove = button("Remove image", { "data-remove": "" }, "Remove");
    remove.classList.add("btn-danger");
    actions.append(button("Move earlier", { "data-move": "-1" }, "↑"),
                   button("Move later", { "data-move": "1" }, "↓"), remove);
    li.append(hidden, img, fields, actions);
    if (slot) list.replaceChild(li, slot); else list.appendChild(li);
    refreshPreviews();
  }

  function upload(file) {
    const row = document.createElement("li");
    const bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    const text = document.createElement("span");
    text.textContent = ` ${file.name}`;
    row.append(bar, text);
    uploads.appendChild(row);
    const slot = document.createElement("li");
    slot.className = "media-pending";
    slot.hidden = true;
    list.appendChild(slot);
    const body = new FormData();
    body.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", section.dataset.uploadUrl);
    xhr.setRequestHeader("X-CSRFToken", csrf());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; });
    xhr.addEventListener("load", () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = {}; }
      if (xhr.status === 201) {
        addItem(answer, slot);
        row.remove();
      } else {
        slot.remove();
        bar.remove();
        row.className = "field-error";
        row.setAttribute("role", "alert");
        text.textContent = `${file.name}: ${(answer.error && answer.error.message) || "the upload failed."}`;
      }
    });
    xhr.addEventListener("error", () => { slot.remove(); row.className = "field-error"; text.textContent = `${file.name}: the upload failed.`; });
    xhr.send(body);
  }

  function take(files) {
    for (const file of files) {
      if (count() + uploads.querySelectorAll("progress").length >= max) {
        const row = document.createElement("li");
        row.className = "field-error"; row.setAttribute("role", "alert");
        row.textContent = `${file.name}: a post holds at most ${max} images.`;
        uploads.appendChild(row);
        continue;
      }
      upload(file);
    }
  }

  picker.addEventListener("change", () => { take(Array.from(picker.files)); picker.value = ""; });
  ["dragenter", "dragover"].forEach((name) => drop.addEventListener(name, (e) => {
    if (!e.dataTransfer || !Array.from(e.dataTransfer.types).includes("Files")) return;
    e.preventDefault(); drop.classList.add("is-over");
  }));
  ["dragleave", "drop"].forEach((name) => drop.addEventListener(name, () => drop.classList.remove("is-over")));
  drop.addEventListener("drop", (e) => {
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    e.preventDefault();
    take(Array.from(e.dataTransfer.files));
  });

  list.addEventListener("click", (e) => {
    const target = e.target.closest("button");
    if (!target) return;
    const item = target.closest(".media-item");
    if (!item) return;
    if (target.hasAttribute("data-remove")) { item.remove(); refreshPreviews(); return; }
    const step = parseInt(target.dataset.move || "0", 10);
    if (step < 0 && item.previousElementSibling) list.insertBefore(item, item.previousElementSibling);
    if (step > 0 && item.nextElementSibling) list.insertBefore(item.nextElementSibling, item);
    target.focus();
    refreshPreviews();
  });
  list.addEventListener("input", (e) => {
    if (e.target.tagName !== "TEXTAREA") return;
    const warn = e.target.parentElement.querySelector("[data-alt-warning]");
    if (warn) warn.hidden = Boolean(e.target.value.trim());
    refreshPreviews();
  });
})();
