/* planner: small enhancements. Every page works without this file; it adds comfort. */
(function () {
  "use strict";
  const csrfToken = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // Forms that confirm before a destructive action.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (ev) => {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  });

  // The workspace switcher submits on change; its button stays for keyboards without JS.
  document.querySelectorAll("select[data-autosubmit]").forEach((sel) => {
    sel.addEventListener("change", () => sel.form.submit());
  });

  // Channel form: show only the fields of the chosen platform.
  const platformSelect = document.querySelector("#channel-form select[name=platform]");
  if (platformSelect) {
    const sync = () => {
      document.querySelectorAll("[data-platform-fields]").forEach((box) => {
        box.hidden = box.dataset.platformFields !== platformSelect.value;
      });
    };
    platformSelect.addEventListener("change", sync);
    sync();
  }

  // ---- Character counters in the composer ----------------------------------------------
  const segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  const graphemes = (text) => (segmenter ? Array.from(segmenter.segment(text)).length : Array.from(text).length);
  // The server's rules (planner/connectors/text.py), so both sides agree on every count.
  const URL_RE = /(?<![\p{L}\p{N}_\/])https?:\/\/(?:[\p{L}\p{N}_-]+\.)+[\p{L}\p{N}-]{2,}(?::\d{1,5})?(?:[\/?#]\S*)?/giu;
  const URL_END_OK = /[\p{L}\p{N}=_#\/+\-)]/u;
  const MENTION_RE = /(^|[^\/\p{L}\p{N}_])@(([a-z0-9_]+)@[a-z0-9.\-]+[a-z0-9]+)/giu;
  const BLUESKY_MAX_BYTES = 3000;
  const utf8 = new TextEncoder();
  const count = (s, ch) => s.split(ch).length - 1;

  function trimUrl(url) {
    while (url && (!URL_END_OK.test(url.slice(-1)) || (url.endsWith(")") && count(url, "(") < count(url, ")")))) {
      url = url.slice(0, -1);
    }
    return url;
  }

  function mastodonCountable(text, urlLength) {
    const width = "x".repeat(urlLength);
    const withUrls = text.replace(URL_RE, (match) => {
      const url = trimUrl(match);
      if (!url.includes("://") || url.endsWith("://")) return match;
      return width + match.slice(url.length);
    });
    return withUrls.replace(MENTION_RE, "$1@$3");
  }

  // The text a channel receives, as the server builds it (planner.links.outgoing and the
  // connector's compose): the stored body is trimmed; a tagged link replaces the clean one
  // where the body quotes it; a link not in the body goes on its own line.
  const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  function composed(raw, link, tagged) {
    let text = raw.replace(/\r\n/g, "\n").trim();
    if (link && tagged && tagged !== link) {
      const whole = new RegExp(escapeRe(link) + "(?![\\w/?#&=%~+.-]*[\\w/#=%~+-])", "g");
      text = text.replace(whole, () => tagged);
      link = tagged;
    }
    if (!link || text.includes(link)) return text;
    return text ? text + "\n" + link : link;
  }
  // Tagged links per channel id, filled by the link preview below, for the link they were made for.
  const tagged = { link: "", byChannel: {} };

  function countFor(platform, text, urlLength) {
    if (platform === "mastodon") return graphemes(mastodonCountable(text, urlLength || 23));
    if (platform === "webhook-discord") return Array.from(text).length; // code points
    return graphemes(text);
  }

  window.plannerCount = countFor; // used by tests to compare with the server's counter

  const form = document.getElementById("post-form");
  if (form) {
    const body = form.querySelector("textarea[name=body]");
    const link = form.querySelector("input[name=link]");
    const update = () => {
      const clean = link ? link.value.trim() : "";
      const text = composed(body.value, clean);
      const checked = new Set(Array.from(form.querySelectorAll("input[name=channels]:checked")).map((i) => i.value));
      document.querySelectorAll("[data-counter-for]").forEach((li) => {
        li.hidden = !checked.has(li.dataset.counterFor);
        const limit = parseInt(li.dataset.limit, 10);
        const mine = tagged.link === clean ? tagged.byChannel[li.dataset.counterFor] : null;
        // A channel's own text (the composer's "Text per channel") replaces the body there.
        const own = form.querySelector(`textarea[name="variant-${li.dataset.counterFor}"]`);
        const source = own && own.value.trim() ? own.value : body.value;
        const sent = mine || source !== body.value ? composed(source, clean, mine) : text;
        const used = countFor(li.dataset.platform, sent, parseInt(li.dataset.urlLength, 10));
        const preview = document.querySelector(`[data-preview-for="${li.dataset.counterFor}"]`);
        if (preview) {
          preview.hidden = li.hidden;
          preview.querySelector("[data-preview-text]").textContent = sent;
        }
        const out = li.querySelector(".counter-value");
        const bytes = li.dataset.platform === "bluesky" ? utf8.encode(sent).length : 0;
        if (bytes > BLUESKY_MAX_BYTES) {
          out.textContent = `${bytes - BLUESKY_MAX_BYTES} bytes over Bluesky's ${BLUESKY_MAX_BYTES}-byte limit`;
          li.classList.add("over");
        } else if (Number.isFinite(limit)) {
          const left = limit - used;
          out.textContent = left >= 0 ? `${left} left of ${limit}` : `${-left} over the ${limit} limit`;
          li.classList.toggle("over", left < 0);
        } else {
          out.textContent = `${used} characters`;
        }
      });
      const total = document.querySelector("[data-counter-total] .counter-value");
      if (total) total.textContent = checked.size ? "" : `${graphemes(text)} characters`;
    };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("planner:links", update);
    update();
  }

  // ---- Tagged links: what the composer's link becomes on each chosen channel -----------
  const linkPreview = document.getElementById("link-preview");
  if (form && linkPreview) {
    const list = linkPreview.querySelector("ul");
    const value = (name) => (form.querySelector(`input[name=${name}]`) || {}).value || "";
    let linkTimer = null;
    let linkSeq = 0;
    const refreshLinks = async () => {
      const payload = {
        link: value("link").trim(),
        channel_ids: Array.from(form.querySelectorAll("input[name=channels]:checked")).map((i) => parseInt(i.value, 10)),
        date: value("date"),
        utm_campaign: value("utm_campaign"),
      };
      const mine = ++linkSeq;
      if (!payload.link || !payload.channel_ids.length) { linkPreview.hidden = true; return; }
      const resp = await fetch(linkPreview.dataset.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(payload),
        credentials: "same-origin",
      }).catch(() => null);
      if (mine !== linkSeq || !resp || !resp.ok) return;
      const data = await resp.json();
      tagged.link = payload.link;
      tagged.byChannel = Object.fromEntries(data.links.map((l) => [String(l.channel_id), l.url]));
      form.dispatchEvent(new Event("planner:links"));
      list.replaceChildren(...data.links.map((l) => {
        const li = document.createElement("li");
        li.textContent = `${l.channel}: ${l.url}`;
        return li;
      }));
      linkPreview.hidden = data.links.length === 0;
    };
    const laterLinks = () => { clearTimeout(linkTimer); linkTimer = setTimeout(refreshLinks, 300); };
    form.addEventListener("input", (ev) => { if (ev.target.name !== "body") laterLinks(); });
    form.addEventListener("change", laterLinks);
    refreshLinks();
  }

  // ---- Guardrail what-if --------------------------------------------------------------
  async function whatIf(url, payload) {
    const resp = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(payload),
      credentials: "same-origin",
    });
    if (!resp.ok) return null;
    return resp.json();
  }

  // What a change does to the guardrails: new warnings, cleared ones, and warnings that stay
  // with their numbers moved, said as better or worse with before → after. An edit that moves a
  // warning the right way is never listed as adding one.
  function renderWhatIf(box, result, subject) {
    box.replaceChildren();
    if (!result) return;
    const list = (title, items, text) => {
      const p = document.createElement("p");
      p.className = "whatif-title";
      p.textContent = title;
      const ul = document.createElement("ul");
      items.forEach((item) => {
        const li = document.createElement("li");
        li.textContent = text(item);
        if (item.verdict) li.className = `whatif-${item.verdict}`;
        ul.appendChild(li);
      });
      box.append(p, ul);
    };
    const plural = (n) => `${n} warning${n === 1 ? "" : "s"}`;
    const changed = (result.changed || []).filter((c) => c.verdict !== "same");
    const worse = changed.filter((c) => c.verdict === "worse");
    const better = changed.filter((c) => c.verdict === "better");
    if (result.added.length) list(`${subject} adds ${plural(result.added.length)}:`, result.added, (w) => w.message);
    if (worse.length) list(`${subject} makes ${plural(worse.length)} worse:`, worse, (c) => `Worse: ${c.text}`);
    if (better.length) list(`${subject} makes ${plural(better.length)} better:`, better, (c) => `Better: ${c.text}`);
    if (result.removed.length) list(`${subject} clears ${plural(result.removed.length)}:`, result.removed, (w) => w.message);
    if (!result.added.length && !result.removed.length && !changed.length) {
      const p = document.createElement("p");
      p.textContent = `${subject} changes no guardrail warning.`;
      box.appendChild(p);
    }
    box.classList.toggle("adds", result.added.length > 0 || worse.length > 0);
  }

  const panel = document.querySelector(".whatif-panel");
  if (form && panel) {
    const box = document.getElementById("composer-whatif");
    let timer = null;
    let seq = 0;
    const run = () => {
      const date = form.querySelector("input[name=date]").value;
      const time = form.querySelector("input[name=time]").value;
      const category = form.querySelector("select[name=category]").value;
      if (!date || !time) return;
      if (!category) {
        // Nothing to compare until the post has a category (there is no default on purpose).
        seq += 1;
        const p = document.createElement("p");
        p.className = "muted";
        p.textContent = "Choose a category to see how this post changes your mix.";
        box.replaceChildren(p);
        box.classList.remove("adds");
        return;
      }
      const payload = {
        category,
        scheduled_at: `${date}T${time}`,
        channel_ids: Array.from(form.querySelectorAll("input[name=channels]:checked")).map((i) => parseInt(i.value, 10)),
        post_id: form.dataset.postId ? parseInt(form.dataset.postId, 10) : null,
      };
      const mine = ++seq;
      whatIf(panel.dataset.previewUrl, payload).then((result) => {
        if (mine === seq) renderWhatIf(box, result, "Saving this");
      });
    };
    const schedule = () => { clearTimeout(timer); timer = setTimeout(run, 250); };
    form.addEventListener("change", schedule);
    form.addEventListener("input", (ev) => { if (ev.target.name !== "body") schedule(); });
    run();
  }

  // Register: preselect the browser's time zone, which the server cannot know. The form says
  // when to (a fresh form), so a zone the person chose is never overwritten.
  const zoneForm = document.querySelector("form[data-guess-zone]");
  if (zoneForm && typeof Intl !== "undefined") {
    const select = zoneForm.querySelector("select[name=timezone]");
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (select && zone && Array.from(select.options).some((o) => o.value === zone)) select.value = zone;
  }

  // Policy page: a preset fills in its numbers; only Custom lets you type them.
  const policyForm = document.getElementById("policy-form");
  if (policyForm) {
    const presets = JSON.parse(policyForm.dataset.presets);
    const preset = policyForm.querySelector("select[name=preset]");
    const pct = (v) => (v === undefined || v === null ? "" : String(Math.round(v * 10000) / 100));
    const sync = () => {
      const custom = preset.value === "custom";
      policyForm.querySelectorAll("#custom-numbers input").forEach((i) => { i.readOnly = !custom; });
      if (custom) return;
      const p = presets[preset.value];
      ["promotional", "educational", "conversational", "curated"].forEach((c) => {
        policyForm.querySelector(`[name=max_${c}]`).value = pct(p.max_share[c]);
        policyForm.querySelector(`[name=min_${c}]`).value = pct(p.min_share[c]);
        policyForm.querySelector(`[name=streak_${c}]`).value = p.streak[c] ?? "";
      });
    };
    preset.addEventListener("change", sync);
    sync();
  }

  // ---- Suggestions for the month's warnings, checked on the server after the page shows ----
  document.querySelectorAll("[data-suggestions-url]").forEach(async (panel) => {
    const resp = await fetch(panel.dataset.suggestionsUrl, { credentials: "same-origin", headers: { Accept: "text/html" } }).catch(() => null);
    if (!resp || !resp.ok) return;
    const holder = document.createElement("div");
    holder.innerHTML = await resp.text(); // our own page's markup, escaped by the server
    const fresh = holder.querySelector("ul.warnings");
    const list = panel.querySelector("ul.warnings");
    if (!fresh || !list) return;
    list.replaceWith(fresh);
    const link = panel.querySelector(".suggestions-link");
    if (link) link.hidden = true;
    panel.dataset.suggestionsLoaded = "true";
  });

  // ---- Drag and drop on the calendar ----------------------------------------------------
  const board = document.querySelector("[data-move-url]");
  if (board) {
    const moveUrl = (id) => board.dataset.moveUrl.replace("/0/", `/${id}/`);
    const status = document.getElementById("move-status");
    const message = document.getElementById("move-message");
    const whatifBox = document.getElementById("drag-whatif");
    let dragged = null;
    let lastPreview = null;
    // Back to rest: called when a drag ends however it ends (dropped, refused, Escape, outside).
    // Forgetting lastPreview also discards a what-if answer that arrives after the drag.
    const settle = () => {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
      lastPreview = null;
      board.querySelectorAll(".drop-target").forEach((d) => d.classList.remove("drop-target"));
      if (whatifBox) {
        whatifBox.hidden = true;
        whatifBox.replaceChildren();
      }
    };
    const tell = (text) => {
      status.textContent = text;
      if (!message) return;
      message.querySelector(".move-message-text").textContent = text;
      message.hidden = false;
    };
    if (message) message.querySelector("[data-dismiss]").addEventListener("click", () => { message.hidden = true; });
    board.addEventListener("dragstart", (ev) => {
      const item = ev.target.closest && ev.target.closest(".cal-post");
      // Published, publishing and failed posts are not draggable: their day is history.
      if (!item || item.getAttribute("draggable") !== "true") return;
      if (message) message.hidden = true;
      dragged = item;
      item.classList.add("dragging");
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", item.dataset.postId);
    });
    board.addEventListener("dragend", settle);
    board.addEventListener("dragover", (ev) => {
      const day = ev.target.closest && ev.target.closest(".day[data-date]");
      if (!day || !dragged) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = "move";
      board.querySelectorAll(".drop-target").forEach((d) => d !== day && d.classList.remove("drop-target"));
      day.classList.add("drop-target");
      if (board.dataset.previewUrl && lastPreview !== `${dragged.dataset.postId}@${day.dataset.date}`) {
        lastPreview = `${dragged.dataset.postId}@${day.dataset.date}`;
        const key = lastPreview;
        whatIf(board.dataset.previewUrl, {
          post_id: parseInt(dragged.dataset.postId, 10),
          category: dragged.dataset.category, channel_ids: JSON.parse(dragged.dataset.channels || "[]"),
          scheduled_at: `${day.dataset.date}T${dragged.dataset.time}`,
        }).then((result) => {
          if (key !== lastPreview || !whatifBox) return;
          whatifBox.hidden = false;
          renderWhatIf(whatifBox, result, `Moving it to ${day.dataset.date}`);
        });
      }
    });
    board.addEventListener("drop", async (ev) => {
      const day = ev.target.closest && ev.target.closest(".day[data-date]");
      if (!day || !dragged) return;
      ev.preventDefault();
      const item = dragged;
      const id = item.dataset.postId;
      settle();
      if (item.dataset.date === day.dataset.date) return;
      status.textContent = "Moving…";
      const resp = await fetch(moveUrl(id), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ date: day.dataset.date }),
        credentials: "same-origin",
      }).catch(() => null);
      const data = resp ? await resp.json().catch(() => ({})) : {};
      if (resp && resp.ok) {
        status.textContent = `Moved to ${data.date} at ${data.time}.`;
        window.location.reload();
      } else {
        // The post was never taken out of its day, so refusing leaves it where it was.
        tell((data.error && data.error.message) || "Could not move the post.");
      }
    });
  }
})();

// The composer's Repeat section: show only the choices that apply. Without JS all stay visible.
(function () {
  "use strict";
  const section = document.getElementById("repeat-section");
  if (!section) return;
  const kind = section.querySelector("select[name=kind]");
  const ends = section.querySelector("select[name=ends]");
  const sync = () => {
    section.querySelectorAll("[data-repeat-for]").forEach((box) => {
      box.hidden = !box.dataset.repeatFor.split(" ").includes(kind.value);
    });
    section.querySelectorAll("[data-repeat-ends]").forEach((box) => {
      box.hidden = box.dataset.repeatEnds !== ends.value;
    });
  };
  kind.addEventListener("change", sync);
  ends.addEventListener("change", sync);
  sync();
})();

// The composer's "Text per channel" tabs: one panel at a time. Without JS every panel shows.
(function () {
  "use strict";
  const box = document.querySelector("[data-variants]");
  if (!box) return;
  const list = box.querySelector("[role=tablist]");
  const tabs = Array.from(box.querySelectorAll("[data-variant-tab]"));
  const show = (tab) => {
    tabs.forEach((t) => {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => show(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      next.focus();
      show(next);
    });
  });
  list.hidden = false;
  show(tabs.find((t) => t.getAttribute("aria-selected") === "true") || tabs[0]);
})();
