// The demo page's first screen: who the visitor plays (a roster person or a stranger). Loaded before app.js.
"use strict";

window.JSiKaPicker = (() => {
  const STORE_KEY = "jsika-demo-person";
  const ROLE_LABEL = { pendamping: "Pendamping", koordinator: "Koordinator", admin: "Admin provinsi" };
  const ROLE_ORDER = ["admin", "koordinator", "pendamping"];
  const ROLE_HEADING = {
    admin: "Admin Dinas Sosial provinsi",
    koordinator: "Koordinator kabupaten/kota",
    pendamping: "Pendamping",
  };
  const $ = (id) => document.getElementById(id);
  const { el } = window.JSiKaMessages;
  let roster = [];
  let onPick = () => {};

  function randomDigits(count) {
    let out = "";
    const values = new Uint32Array(count);
    crypto.getRandomValues(values);
    for (const value of values) out += String(value % 10);
    return out;
  }

  function personFromRoster(row) {
    return {
      id: row.telegram_id,
      first_name: row.name, // many Indonesians have one name, and "Pak Dedi" is not a first name
      last_name: null,
      phone: row.phone,
      role: row.role,
      role_label: `${ROLE_LABEL[row.role] || row.role}, ${row.area_name}`,
      location: row.location || null,
    };
  }

  function stranger() {
    const names = ["Rina", "Budi", "Asep", "Dewi", "Ujang", "Neng", "Iwan", "Yanti"];
    const name = names[Number(randomDigits(1)) % names.length];
    return {
      id: 8000000000 + Number(randomDigits(9)),
      first_name: name,
      last_name: null,
      phone: `+62899${randomDigits(8)}`,
      role: "asing",
      role_label: "orang asing (tidak terdaftar)",
      location: null,
    };
  }

  function renderResume() {
    const saved = loadSaved();
    const box = $("resume");
    if (!saved) {
      box.hidden = true;
      return;
    }
    $("resume-button").textContent = `Lanjutkan sebagai ${[saved.first_name, saved.last_name].filter(Boolean).join(" ")} (${saved.role_label})`;
    box.hidden = false;
  }

  function loadSaved() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
      return saved && saved.id && saved.first_name && saved.phone ? saved : null;
    } catch (_ignored) {
      return null;
    }
  }

  function renderPeople() {
    const query = $("people-search").value.trim().toLowerCase();
    const box = $("people");
    box.replaceChildren();
    let shown = 0;
    for (const role of ROLE_ORDER) {
      const rows = roster.filter((p) => p.role === role && (!query ||
        `${p.name} ${p.role} ${ROLE_LABEL[p.role]} ${p.area_name}`.toLowerCase().includes(query)));
      if (!rows.length) continue;
      box.appendChild(el("h2", null, ROLE_HEADING[role]));
      const list = el("ul");
      for (const row of rows) {
        const item = el("li");
        const button = el("button", `person ${row.role}`);
        button.type = "button";
        button.dataset.userId = String(row.user_id);
        button.appendChild(el("span", "initial", row.name.slice(0, 1).toUpperCase()));
        button.appendChild(el("span", "name", row.name));
        button.appendChild(el("span", "meta", `${ROLE_LABEL[row.role] || row.role} · ${row.area_name}`));
        const phone = el("span", "phone", row.phone);
        if (row.linked) phone.appendChild(el("span", "linked", " · sudah terdaftar di bot"));
        button.appendChild(phone);
        button.addEventListener("click", () => onPick(personFromRoster(row)));
        item.appendChild(button);
        list.appendChild(item);
        shown += 1;
      }
      box.appendChild(list);
    }
    $("people-status").textContent = shown ? `${shown} petugas` : (query ? "Tidak ada yang cocok." : "Belum ada petugas di basis data.");
  }

  async function loadPeople() {
    try {
      const response = await fetch("/demo/people");
      if (!response.ok) throw new Error(response.statusText);
      const data = await response.json();
      roster = data.people || [];
      if (data.bot && data.bot.first_name) $("bot-name").textContent = data.bot.first_name;
      renderPeople();
    } catch (error) {
      $("people-status").textContent = `Daftar petugas tidak bisa dimuat: ${error.message}`;
    }
  }

  function save(person) {
    localStorage.setItem(STORE_KEY, JSON.stringify(person));
  }

  /** Wire the picker; ``pick(person)`` opens the chat as that person. */
  function start(pick) {
    onPick = pick;
    $("stranger-button").addEventListener("click", () => onPick(stranger()));
    $("resume-button").addEventListener("click", () => { const saved = loadSaved(); if (saved) onPick(saved); });
    $("people-search").addEventListener("input", renderPeople);
    renderResume();
    loadPeople();
  }

  return { start, save, renderResume };
})();
