// Telegram messages → DOM for the demo page (loaded before app.js; no build step).
//
// Everything the bot says arrives as Telegram objects (text + entities), so formatting is rebuilt from
// entities with DOM nodes and textContent: nothing the bot or a user sends is ever parsed as HTML, and links
// keep only safe schemes.
"use strict";

window.JSiKaMessages = (() => {
  const SAFE_SCHEMES = ["http:", "https:", "mailto:", "tel:", "tg:"];
  const actions = { command: () => {}, press: () => {}, mediaLoaded: () => {} };

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };

  // Icons are inline SVG: emoji fonts are missing on many offline machines (and in headless test browsers).
  const ICONS = {
    clip: ["M21 11.5l-8.5 8.5a5 5 0 0 1-7-7l9-9a3.5 3.5 0 0 1 5 5l-9 9a2 2 0 0 1-3-3l8-8"],
    pin: ["M12 22s7-6.2 7-12a7 7 0 0 0-14 0c0 5.8 7 12 7 12z", "M12 12.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z"],
    user: ["M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2", "M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z"],
    file: ["M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z", "M14 2v6h6", "M8 13h8", "M8 17h6"],
    image: [
      "M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z", "M21 15l-5-5L5 21",
      "M8.5 10a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z",
    ],
    home: ["M3 10l9-7 9 7v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1z", "M9 21v-7h6v7"],
  };

  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "22");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.classList.add("svg-icon");
    for (const d of ICONS[name] || []) {
      const path = document.createElementNS(ns, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    }
    return svg;
  }

  function timeOf(unixSeconds) {
    try {
      return new Date(unixSeconds * 1000).toLocaleTimeString("id-ID", {
        hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta",
      });
    } catch (_ignored) {
      return new Date(unixSeconds * 1000).toTimeString().slice(0, 5);
    }
  }

  function safeUrl(raw) {
    try {
      const url = new URL(raw, window.location.href);
      return SAFE_SCHEMES.includes(url.protocol) ? url.href : null;
    } catch (_ignored) {
      return null;
    }
  }

  // -- formatting: Telegram entities → DOM ----------------------------------------------------------------

  // Offsets are UTF-16 code units, which is exactly how JavaScript strings index.
  function renderText(text, entities) {
    const root = el("div", "text");
    const list = (entities || [])
      .filter((e) => e.length > 0 && e.offset >= 0 && e.offset + e.length <= text.length)
      .sort((a, b) => a.offset - b.offset || b.length - a.length);
    appendRange(root, text, 0, text.length, list, false);
    return root;
  }

  function appendRange(parent, text, start, end, entities, literal) {
    let pos = start;
    let index = 0;
    while (index < entities.length) {
      const entity = entities[index];
      const eStart = Math.max(entity.offset, pos);
      const eEnd = Math.min(entity.offset + entity.length, end);
      // entities fully inside this one (nesting); anything overlapping its end is clipped
      const inner = [];
      let next = index + 1;
      while (next < entities.length && entities[next].offset < entity.offset + entity.length) {
        inner.push(entities[next]);
        next += 1;
      }
      index = next;
      if (eEnd <= eStart) continue;
      if (eStart > pos) appendPlain(parent, text.slice(pos, eStart), literal);
      const node = entityNode(entity, text.slice(eStart, eEnd));
      const innerLiteral = literal || ["code", "pre", "text_link", "url", "email", "phone_number", "bot_command"].includes(entity.type);
      appendRange(node.content, text, eStart, eEnd, inner, innerLiteral);
      parent.appendChild(node.outer);
      pos = eEnd;
    }
    if (pos < end) appendPlain(parent, text.slice(pos, end), literal);
  }

  // Telegram clients make /commands and links tappable even without entities; so does this page.
  const AUTO = /(\/[a-z][a-z0-9_]{0,31})(?![\w/])|(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])/gi;

  function appendPlain(parent, text, literal) {
    if (literal) {
      parent.appendChild(document.createTextNode(text));
      return;
    }
    let last = 0;
    for (const match of text.matchAll(AUTO)) {
      const before = match.index === 0 ? "" : text[match.index - 1];
      if (match[1] && before && /[\w/]/.test(before)) continue;
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(match[1] ? commandNode(match[1]) : linkNode(match[2], match[2]));
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function commandNode(command) {
    const button = el("button", "command", command);
    button.type = "button";
    button.title = `Kirim ${command}`;
    button.addEventListener("click", () => actions.command(command));
    return button;
  }

  function linkNode(href, label) {
    const url = safeUrl(href);
    if (!url) return el("span", "unsafe-link", label);
    const a = el("a", null, label);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function entityNode(entity, slice) {
    const simple = {
      bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code",
      blockquote: "blockquote", expandable_blockquote: "blockquote",
    };
    if (simple[entity.type]) {
      const node = el(simple[entity.type]);
      return { outer: node, content: node };
    }
    if (entity.type === "pre") {
      const pre = el("pre");
      const code = el("code");
      pre.appendChild(code);
      return { outer: pre, content: code };
    }
    if (entity.type === "spoiler") {
      const span = el("span", "spoiler");
      span.title = "Ketuk untuk membuka";
      span.addEventListener("click", () => span.classList.add("revealed"));
      return { outer: span, content: span };
    }
    if (entity.type === "text_link" || entity.type === "url" || entity.type === "email" || entity.type === "phone_number") {
      const target = entity.type === "text_link" ? entity.url
        : entity.type === "email" ? `mailto:${slice}`
        : entity.type === "phone_number" ? `tel:${slice}` : slice;
      const url = safeUrl(target || "");
      if (!url) {
        const span = el("span", "unsafe-link");
        return { outer: span, content: span };
      }
      const a = el("a");
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      return { outer: a, content: a };
    }
    if (entity.type === "bot_command") {
      const button = el("button", "command");
      button.type = "button";
      button.addEventListener("click", () => actions.command(slice.split("@")[0]));
      return { outer: button, content: button };
    }
    const span = el("span", `entity-${entity.type}`);
    return { outer: span, content: span };
  }

  // -- messages ---------------------------------------------------------------------------------------------

  function messageBody(message) {
    const bubble = el("div", "bubble");
    if (message.photo) {
      const img = el("img", "photo");
      img.src = `/sandbox/files/${encodeURIComponent(message.photo)}`;
      img.alt = message.caption ? `Foto: ${message.caption}` : "Foto";
      img.loading = "lazy";
      img.addEventListener("load", () => actions.mediaLoaded());
      bubble.appendChild(img);
    }
    if (message.document) {
      const doc = message.document;
      const a = el("a", "doc");
      a.href = `/sandbox/files/${encodeURIComponent(doc.file_id)}`;
      a.download = doc.file_name || "dokumen";
      a.appendChild(iconBox("file"));
      const label = el("span");
      label.appendChild(el("strong", null, doc.file_name || "dokumen"));
      label.appendChild(el("span", "small", ` ${formatSize(doc.file_size)} · unduh`));
      a.appendChild(label);
      bubble.appendChild(a);
    }
    if (message.location) {
      const { latitude, longitude } = message.location;
      const box = el("div", "loc");
      box.appendChild(iconBox("pin"));
      const label = el("span");
      label.appendChild(el("strong", null, "Lokasi"));
      label.appendChild(el("span", "small", ` ${latitude.toFixed(5)}, ${longitude.toFixed(5)}`));
      box.appendChild(label);
      bubble.appendChild(box);
    }
    if (message.contact) {
      const c = message.contact;
      const box = el("div", "contact");
      box.appendChild(iconBox("user"));
      const label = el("span");
      label.appendChild(el("strong", null, [c.first_name, c.last_name].filter(Boolean).join(" ")));
      label.appendChild(el("span", "small", ` ${c.phone_number}`));
      box.appendChild(label);
      bubble.appendChild(box);
    }
    const text = message.text;
    if (text) bubble.appendChild(renderText(text, message.entities));
    const meta = el("div", "meta-line", (message.edit_date ? "diedit · " : "") + timeOf(message.date));
    bubble.appendChild(meta);
    return bubble;
  }

  function iconBox(name) {
    const box = el("span", "icon-box");
    box.appendChild(icon(name));
    return box;
  }

  function formatSize(bytes) {
    if (!bytes && bytes !== 0) return "";
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function inlineKeyboard(message) {
    const rows = message.reply_markup && message.reply_markup.inline_keyboard;
    if (!message.from_bot || !rows || !rows.length) return null;
    const box = el("div", "inline-keyboard");
    for (const row of rows) {
      const line = el("div", "row");
      for (const button of row) {
        if (button.url) {
          line.appendChild(linkNode(button.url, button.text));
          continue;
        }
        const node = el("button", null, button.text);
        node.type = "button";
        if (button.callback_data === undefined) {
          node.disabled = true;
          node.title = "Tidak tersedia di demo";
        } else {
          node.addEventListener("click", () => actions.press(message.message_id, button.callback_data, node));
        }
        line.appendChild(node);
      }
      box.appendChild(line);
    }
    return box;
  }

  // A raw Telegram Message (what POST /sandbox/chats/{id}/messages answers) in the control API's flat view.
  function viewOf(raw) {
    return {
      message_id: raw.message_id,
      from_bot: false,
      date: raw.date,
      text: raw.text !== undefined ? raw.text : raw.caption,
      caption: raw.caption,
      entities: raw.entities || raw.caption_entities || null,
      reply_markup: null,
      edit_date: raw.edit_date || null,
      deleted: false,
      photo: raw.photo && raw.photo.length ? raw.photo[raw.photo.length - 1].file_id : null,
      document: raw.document || null,
      location: raw.location || null,
      contact: raw.contact || null,
    };
  }

  return {
    /** handlers: command(text) for tapped /commands, press(messageId, data, node), mediaLoaded() */
    configure(handlers) { Object.assign(actions, handlers); },
    el, icon, safeUrl, messageBody, inlineKeyboard, viewOf,
  };
})();
