// JSiKa Bot demo page: plays one simulated Telegram user against the sandbox's control API.
//
// One long poll (GET /sandbox/chats/{id}/wait) keeps the view live; the user's own messages are shown from the
// POST's answer at once and come back through the same poll, so two tabs on one person stay in step.
// messages.js renders messages, picker.js chooses the person; this file is the chat itself.
"use strict";

(() => {
  const POLL_SECONDS = 25;
  const FALLBACK_POINT = { latitude: -6.1201, longitude: 106.1503 }; // Kota Serang
  const { el, icon, safeUrl, messageBody, inlineKeyboard, viewOf } = window.JSiKaMessages;
  const Picker = window.JSiKaPicker;

  const $ = (id) => document.getElementById(id);

  const state = {
    me: null, // {id, first_name, last_name, phone, role, role_label, area_name, location}
    cursor: 0,
    session: 0, // bumps on every person switch; stale loops and requests notice and stop
    abort: null,
    keyboard: null,
    keyboardHidden: false,
    commands: [],
    nodes: new Map(), // message_id → .msg element
  };

  // -- small helpers ------------------------------------------------------------------------------------

  async function api(method, path, body) {
    const init = { method, headers: {} };
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (state.abort) init.signal = state.abort.signal;
    const response = await fetch(path, init);
    let data = null;
    try {
      data = await response.json();
    } catch (_ignored) {
      data = null;
    }
    if (!response.ok) {
      const detail = data && data.detail ? (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail)) : response.statusText;
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  let toastTimer = null;
  function toast(text, ms = 3200) {
    const node = $("toast");
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { node.hidden = true; }, ms);
  }

  function showAlert(text) {
    $("alert-text").textContent = text;
    const dialog = $("alert-dialog");
    if (typeof dialog.showModal === "function") dialog.showModal();
    else toast(text, 6000);
  }

  function failed(error) {
    if (error && error.name === "AbortError") return;
    const text = error && error.status === 409
      ? "Anda memblokir bot ini di sandbox. / You blocked the bot."
      : `Gagal mengirim: ${error && error.message ? error.message : error}`;
    toast(text, 5000);
  }

  function upsertMessage(message) {
    const id = message.message_id;
    const old = state.nodes.get(id);
    if (message.deleted) {
      if (old) old.remove();
      state.nodes.delete(id);
      return;
    }
    const node = el("div", `msg ${message.from_bot ? "bot" : "user"}`);
    node.dataset.messageId = String(id);
    node.appendChild(messageBody(message));
    const keyboard = inlineKeyboard(message);
    if (keyboard) node.appendChild(keyboard);
    if (old) {
      old.replaceWith(node);
    } else {
      const list = $("messages");
      const hint = list.querySelector(".empty-hint");
      if (hint) hint.remove();
      // keep message order even if an event arrives late
      let before = null;
      for (const [otherId, other] of state.nodes) {
        if (otherId > id && (!before || otherId < Number(before.dataset.messageId))) before = other;
      }
      list.insertBefore(node, before);
    }
    state.nodes.set(id, node);
  }

  function keepAtBottom() {
    const list = $("messages");
    list.scrollTop = list.scrollHeight;
  }

  function renderEmptyHint() {
    const list = $("messages");
    if (state.nodes.size > 0 || list.querySelector(".empty-hint")) return;
    const hint = el("div", "empty-hint");
    hint.appendChild(el("h2", null, "Apa yang bisa dilakukan bot ini?"));
    hint.appendChild(el("p", null,
      "Bot JSiKa membantu pendamping Jamsosratu melaporkan kunjungan ke KPM dan membantu koordinator memantau. " +
      "Tekan MULAI untuk mendaftar."));
    const en = el("p", "sub", "Press MULAI (start) to begin.");
    en.lang = "en";
    hint.appendChild(en);
    list.appendChild(hint);
  }

  // -- chat screen state: reply keyboard, commands, start button -------------------------------------------

  async function refreshChat() {
    const session = state.session;
    const chat = await api("GET", `/sandbox/chats/${state.me.id}`);
    if (session !== state.session) return;
    const previous = JSON.stringify(state.keyboard);
    state.keyboard = chat.keyboard && chat.keyboard.keyboard ? chat.keyboard : null;
    if (JSON.stringify(state.keyboard) !== previous) state.keyboardHidden = false;
    state.commands = chat.commands || [];
    renderReplyKeyboard();
    renderStartBar();
  }

  function renderStartBar() {
    const empty = state.nodes.size === 0;
    $("start-bar").hidden = !empty;
    $("composer").hidden = empty;
    if (empty) $("reply-keyboard").hidden = true;
  }

  function renderReplyKeyboard() {
    const box = $("reply-keyboard");
    const toggle = $("keyboard-toggle");
    box.replaceChildren();
    const keyboard = state.keyboard;
    toggle.hidden = !keyboard;
    if (!keyboard) {
      box.hidden = true;
      $("composer-input").placeholder = "Tulis pesan…";
      return;
    }
    $("composer-input").placeholder = keyboard.input_field_placeholder || "Tulis pesan…";
    for (const row of keyboard.keyboard) {
      const line = el("div", "row");
      for (const raw of row) {
        const button = typeof raw === "string" ? { text: raw } : raw;
        const node = el("button", null, button.text);
        node.type = "button";
        node.addEventListener("click", () => pressReply(button));
        line.appendChild(node);
      }
      box.appendChild(line);
    }
    box.hidden = state.keyboardHidden;
    toggle.setAttribute("aria-pressed", String(!state.keyboardHidden));
  }

  function renderCommandMenu() {
    const menu = $("command-menu");
    menu.replaceChildren();
    const commands = state.commands.length ? state.commands : [
      { command: "start", description: "Mulai dan daftar" },
      { command: "bantuan", description: "Bantuan" },
    ];
    for (const item of commands) {
      const button = el("button");
      button.type = "button";
      button.setAttribute("role", "menuitem");
      button.appendChild(el("span", "cmd", `/${item.command}`));
      button.appendChild(el("span", "desc", item.description));
      button.addEventListener("click", () => {
        closeMenus();
        sendText(`/${item.command}`);
      });
      menu.appendChild(button);
    }
  }

  function closeMenus() {
    for (const [menuId, buttonId] of [["command-menu", "menu-button"], ["attach-menu", "attach-button"]]) {
      $(menuId).hidden = true;
      $(buttonId).setAttribute("aria-expanded", "false");
    }
  }

  function toggleMenu(menuId, buttonId) {
    const menu = $(menuId);
    const opening = menu.hidden;
    closeMenus();
    if (!opening) return;
    if (menuId === "command-menu") renderCommandMenu();
    menu.hidden = false;
    $(buttonId).setAttribute("aria-expanded", "true");
    const first = menu.querySelector("button");
    if (first) first.focus();
  }

  // -- user actions ----------------------------------------------------------------------------------------

  // The sandbox's long poll wakes only for the bot's events, so the user's own message is shown from the
  // POST's answer (a raw Telegram Message) at once; the poll later returns the same id and just replaces it.
  async function post(body) {
    const sent = await api("POST", `/sandbox/chats/${state.me.id}/messages`, body);
    if (sent && sent.message) {
      upsertMessage(viewOf(sent.message));
      renderStartBar();
      keepAtBottom();
    }
    return sent;
  }

  async function sendText(text) {
    const trimmed = text.trim();
    if (!trimmed) return;
    try {
      await post({ from_id: state.me.id, text: trimmed });
    } catch (error) {
      failed(error);
    }
  }

  async function pressReply(button) {
    if (button.request_contact) {
      await shareContact();
    } else if (button.request_location) {
      openLocationDialog();
    } else {
      await sendText(button.text);
    }
    if (state.keyboard && state.keyboard.one_time_keyboard) {
      state.keyboardHidden = true;
      renderReplyKeyboard();
    }
  }

  async function shareContact() {
    const me = state.me;
    try {
      await post({
        from_id: me.id,
        contact: { phone_number: me.phone, first_name: me.first_name, last_name: me.last_name || null, user_id: me.id },
      });
    } catch (error) {
      failed(error);
    }
  }

  async function pressInline(messageId, data, node) {
    node.classList.add("pending");
    node.setAttribute("aria-busy", "true");
    try {
      const sent = await api("POST", `/sandbox/chats/${state.me.id}/callback`, {
        from_id: state.me.id, message_id: messageId, data,
      });
      const record = await api("GET", `/sandbox/callbacks/${encodeURIComponent(sent.callback_query_id)}?timeout=10`);
      const answer = record.answer || {};
      if (answer.text) {
        if (answer.show_alert) showAlert(answer.text);
        else toast(answer.text);
      }
      if (answer.url) {
        const url = safeUrl(answer.url);
        if (url) window.open(url, "_blank", "noopener");
      }
    } catch (error) {
      failed(error);
    } finally {
      node.classList.remove("pending");
      node.removeAttribute("aria-busy");
    }
  }

  function openLocationDialog() {
    closeMenus();
    const point = (state.me && state.me.location) || FALLBACK_POINT;
    $("latitude").value = point.latitude.toFixed(6);
    $("longitude").value = point.longitude.toFixed(6);
    $("location-error").textContent = "";
    const dialog = $("location-dialog");
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    $("latitude").focus();
  }

  async function sendLocation(event) {
    event.preventDefault();
    const latitude = Number($("latitude").value);
    const longitude = Number($("longitude").value);
    if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90 || $("latitude").value === "") {
      $("location-error").textContent = "Lintang harus angka antara -90 dan 90, misalnya -6.120100.";
      return;
    }
    if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180 || $("longitude").value === "") {
      $("location-error").textContent = "Bujur harus angka antara -180 dan 180, misalnya 106.150300.";
      return;
    }
    $("location-dialog").close();
    try {
      await post({ from_id: state.me.id, location: { latitude, longitude } });
    } catch (error) {
      failed(error);
    }
  }

  async function sendPhoto(blob, name) {
    const form = new FormData();
    form.append("from_id", String(state.me.id));
    form.append("photo", blob, name);
    try {
      await post(form);
    } catch (error) {
      failed(error);
    }
  }

  function samplePhoto() {
    // A drawn "house" so a trainee without a photo at hand can still try the photo step.
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 480;
    const g = canvas.getContext("2d");
    g.fillStyle = "#9fd3f5"; g.fillRect(0, 0, 640, 480);
    g.fillStyle = "#6fb36a"; g.fillRect(0, 340, 640, 140);
    g.fillStyle = "#e8c99a"; g.fillRect(190, 200, 260, 170);
    g.fillStyle = "#a3532b";
    g.beginPath(); g.moveTo(170, 210); g.lineTo(320, 100); g.lineTo(470, 210); g.closePath(); g.fill();
    g.fillStyle = "#6b4226"; g.fillRect(295, 280, 50, 90);
    g.fillStyle = "#2b6a8f"; g.fillRect(215, 240, 50, 40); g.fillRect(375, 240, 50, 40);
    g.fillStyle = "#17212b"; g.font = "bold 26px sans-serif";
    g.fillText(`Rumah KPM · ${new Date().toLocaleDateString("id-ID")}`, 20, 450);
    canvas.toBlob((blob) => { if (blob) sendPhoto(blob, "foto-contoh.png"); }, "image/png");
  }

  // -- live updates ----------------------------------------------------------------------------------------

  async function loadHistory() {
    const data = await api("GET", `/sandbox/chats/${state.me.id}/messages?after=0`);
    $("messages").replaceChildren();
    state.nodes.clear();
    for (const message of data.messages) upsertMessage(message);
    state.cursor = data.cursor || 0;
    renderEmptyHint();
    keepAtBottom();
  }

  async function pollLoop(session) {
    let broken = false;
    while (session === state.session) {
      try {
        if (broken) {
          await ensureUser();
          await loadHistory();
          await refreshChat();
          broken = false;
          $("offline").hidden = true;
        }
        const data = await api("GET",
          `/sandbox/chats/${state.me.id}/wait?after=${state.cursor}&timeout=${POLL_SECONDS}&include_user=true`);
        if (session !== state.session) return;
        const nearBottom = isNearBottom();
        for (const event of data.events) upsertMessage(event.message);
        state.cursor = Math.max(state.cursor, data.cursor || 0);
        if (data.events.length) {
          renderEmptyHint();
          await refreshChat();
          if (nearBottom || data.events.some((e) => !e.from_bot)) keepAtBottom();
        }
      } catch (error) {
        if (session !== state.session || (error && error.name === "AbortError")) return;
        broken = true; // the sandbox restarted or the network blinked: recreate the user and reload
        $("offline").hidden = false;
        await sleep(2000);
      }
    }
  }

  function isNearBottom() {
    const list = $("messages");
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  // -- people ----------------------------------------------------------------------------------------------

  async function ensureUser() {
    const me = state.me;
    await api("POST", "/sandbox/users", {
      id: me.id, first_name: me.first_name, last_name: me.last_name || null, phone: me.phone, language_code: "id",
    });
  }

  async function startChat(person) {
    if (state.abort) state.abort.abort();
    state.session += 1;
    const session = state.session;
    state.abort = new AbortController();
    state.me = person;
    state.keyboard = null;
    state.keyboardHidden = false;
    state.commands = [];
    Picker.save(person);
    $("picker").hidden = true;
    $("chat").hidden = false;
    $("chat-subtitle").textContent = `sebagai ${[person.first_name, person.last_name].filter(Boolean).join(" ")} · ${person.role_label}`;
    document.title = `JSiKa Bot — ${person.first_name}`;
    closeMenus();
    try {
      await ensureUser();
      await loadHistory();
      await refreshChat();
    } catch (error) {
      failed(error);
    }
    if (session !== state.session) return;
    renderStartBar();
    (state.nodes.size ? $("composer-input") : $("start-button")).focus();
    pollLoop(session);
  }

  function leaveChat() {
    if (state.abort) state.abort.abort();
    state.session += 1;
    state.abort = null;
    $("chat").hidden = true;
    $("picker").hidden = false;
    document.title = "JSiKa Bot — demo";
    Picker.renderResume();
    $("people-search").focus();
  }

  // -- wiring ----------------------------------------------------------------------------------------------

  function autoGrow() {
    const input = $("composer-input");
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
  }

  function wire() {
    for (const slot of document.querySelectorAll("[data-icon]")) slot.replaceWith(icon(slot.dataset.icon));
    $("back-button").addEventListener("click", leaveChat);
    $("start-button").addEventListener("click", async () => {
      $("start-bar").hidden = true;
      $("composer").hidden = false;
      await sendText("/start");
      $("composer-input").focus();
    });
    $("composer").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = $("composer-input");
      const text = input.value;
      if (!text.trim()) return;
      input.value = "";
      autoGrow();
      await sendText(text);
      input.focus();
    });
    $("composer-input").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("composer-input").addEventListener("input", autoGrow);
    $("menu-button").addEventListener("click", () => toggleMenu("command-menu", "menu-button"));
    $("attach-button").addEventListener("click", () => toggleMenu("attach-menu", "attach-button"));
    $("attach-location").addEventListener("click", openLocationDialog);
    $("attach-photo").addEventListener("click", () => { closeMenus(); $("photo-input").click(); });
    $("attach-sample").addEventListener("click", () => { closeMenus(); samplePhoto(); });
    $("photo-input").addEventListener("change", async () => {
      const file = $("photo-input").files[0];
      if (file) await sendPhoto(file, file.name);
      $("photo-input").value = "";
    });
    $("keyboard-toggle").addEventListener("click", () => {
      state.keyboardHidden = !state.keyboardHidden;
      renderReplyKeyboard();
    });
    $("location-form").addEventListener("submit", sendLocation);
    $("location-cancel").addEventListener("click", () => $("location-dialog").close());
    document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeMenus(); });
    document.addEventListener("click", (event) => {
      if (!event.target.closest(".popup, #menu-button, #attach-button")) closeMenus();
    });
  }

  window.JSiKaMessages.configure({
    command: (text) => sendText(text),
    press: (messageId, data, node) => pressInline(messageId, data, node),
    mediaLoaded: () => keepAtBottom(),
  });
  wire();
  Picker.start(startChat);
})();
