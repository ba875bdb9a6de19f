// Loket playground page: plain JavaScript, no build step, nothing from the network but
// this server. Messages arrive as Telegram delivers them (text + entities) and are drawn
// with DOM elements only, never via innerHTML, so a citizen's text is always literal.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = { citizen: null, actor: null, topic: 0, state: null, seen: {} };

async function api(path, body) {
  const init = body === undefined ? {} : body instanceof FormData
    ? { method: "POST", body }
    : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

function showError(error) {
  const box = $("error");
  box.textContent = error ? String(error.message || error) : "";
  box.hidden = !error;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// --- Telegram formatting: entities (offsets in UTF-16 units, as JS strings) to elements.
const SAFE_LINK = /^(https?:|tg:|mailto:)/i;

function entityElement(entity, slice) {
  switch (entity.type) {
    case "bold": return el("strong");
    case "italic": return el("em");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre");
    case "blockquote": case "expandable_blockquote": return el("blockquote");
    case "spoiler": {
      const span = el("span", { class: "spoiler", title: "spoiler" });
      span.addEventListener("click", () => span.classList.add("shown"));
      return span;
    }
    case "text_link":
      return SAFE_LINK.test(entity.url || "")
        ? el("a", { href: entity.url, target: "_blank", rel: "noopener noreferrer" })
        : el("span");
    case "url": {
      const href = /^https?:/i.test(slice) ? slice : "http://" + slice;
      return el("a", { href, target: "_blank", rel: "noopener noreferrer" });
    }
    case "email": return el("a", { href: "mailto:" + slice });
    default: return el("span", { class: "ent-" + String(entity.type).replace(/[^a-z_]/g, "") });
  }
}

function renderText(text, entities) {
  const list = (entities || []).filter((e) => e.length > 0)
    .slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  const root = document.createDocumentFragment();
  (function build(parent, start, end, items) {
    let pos = start;
    let i = 0;
    while (i < items.length) {
      const entity = items[i];
      if (entity.offset >= end) break;
      const from = Math.max(entity.offset, pos);
      const to = Math.min(entity.offset + entity.length, end);
      if (from > pos) parent.append(text.slice(pos, from));
      let j = i + 1;
      const inner = [];
      while (j < items.length && items[j].offset < to) inner.push(items[j++]);
      if (to > from) {
        const node = entityElement(entity, text.slice(from, to));
        build(node, from, to, inner);
        parent.append(node);
        pos = to;
      }
      i = j;
    }
    if (pos < end) parent.append(text.slice(pos, end));
  })(root, 0, text.length, list);
  return root;
}

// --- messages
function drawMessages(box, messages, me, onPress) {
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60;
  box.replaceChildren();
  for (const m of messages) {
    if (m.service) { box.append(el("div", { class: "service" }, m.service)); continue; }
    const mine = m.from.id === me || (!m.from.is_bot && me === "staff");
    const bubble = el("div", { class: "msg" + (mine ? " me" : ""), "data-message-id": m.id });
    bubble.append(el("div", { class: "who" }, m.from.is_bot ? "Loket (bot)" : m.from.name));
    if (m.reply_to) bubble.append(el("div", { class: "quote" }, m.reply_to));
    if (m.photo) bubble.append(el("img", { src: m.photo, alt: "foto" }));
    if (m.document) {
      bubble.append(el("div", {}, "📄 ", el("a", { href: m.document.url, target: "_blank" }, m.document.name)));
    }
    if (m.kind) bubble.append(el("div", { class: "muted" }, "[" + m.kind + "]"));
    if (m.text) {
      const body = el("div", { class: "body" });
      body.append(renderText(m.text, m.entities));
      bubble.append(body);
    }
    if (m.edited) bubble.append(el("div", { class: "muted" }, "diedit"));
    if (m.buttons && m.buttons.length) {
      const keyboard = el("div", { class: "keyboard" });
      for (const row of m.buttons) {
        const line = el("div", { class: "row" });
        for (const b of row) {
          if (b.url && SAFE_LINK.test(b.url)) {
            line.append(el("a", { href: b.url, target: "_blank", rel: "noopener noreferrer" }, b.text));
          } else {
            line.append(el("button", { type: "button", onclick: () => onPress(m.id, b.data) }, b.text));
          }
        }
        keyboard.append(line);
      }
      bubble.append(keyboard);
    }
    box.append(bubble);
  }
  if (nearBottom) box.scrollTop = box.scrollHeight;
}

function changed(key, value) {
  const text = JSON.stringify(value);
  if (ui.seen[key] === text) return false;
  ui.seen[key] = text;
  return true;
}

async function refreshChats() {
  if (ui.citizen !== null) {
    const data = await api(`/api/messages?chat=${ui.citizen}`);
    if (changed("citizen", [ui.citizen, data])) {
      drawMessages($("citizen-messages"), data.messages, ui.citizen, (id, payload) =>
        act(api("/api/press", { user: ui.citizen, message: id, data: payload })));
    }
  }
  if (ui.state) {
    const group = ui.state.staff_group.id;
    const data = await api(`/api/messages?chat=${group}&thread=${ui.topic}`);
    if (changed("staff", [ui.topic, data])) {
      drawMessages($("staff-messages"), data.messages, "staff", (id, payload) =>
        act(api("/api/press", { user: ui.actor, message: id, data: payload, thread: ui.topic })));
    }
  }
}

// --- state: clock, citizens, topics, staff
function drawState(s) {
  $("clock").textContent = `${s.clock.local} (${s.clock.timezone})`;
  const badge = $("open-badge");
  badge.textContent = s.clock.open ? "kantor buka" : "di luar jam kerja";
  badge.className = "badge " + (s.clock.open ? "open" : "closed");
  const speed = $("speed");
  if (document.activeElement !== speed) {
    if (![...speed.options].some((o) => Number(o.value) === s.clock.speed)) {
      speed.append(el("option", { value: s.clock.speed }, s.clock.speed + "×"));
    }
    speed.value = String(s.clock.speed);
  }
  $("staff-group-title").textContent = "— " + s.staff_group.title + " (forum)";
  $("foot").textContent = `${s.office} · data: ${s.data_dir}`;
  if (changed("citizens", s.citizens)) {
    if (ui.citizen === null && s.citizens.length) ui.citizen = s.citizens[0].id;
    drawCitizenTabs(s.citizens);
  }
  if (changed("staff-people", s.staff)) {
    const select = $("acting-as");
    select.replaceChildren(...s.staff.map((p) => el("option", { value: p.id }, p.name)));
    if (ui.actor === null && s.staff.length) ui.actor = s.staff[0].id;
    select.value = String(ui.actor);
  }
  if (changed("topics", [s.topics, ui.topic])) drawTopics(s.topics);
  if (changed("commands", s.commands)) {
    drawCommands($("citizen-commands"), s.commands.citizen, $("citizen-input"));
    drawCommands($("staff-commands"), s.commands.staff, $("staff-input"));
  }
  if (window.drawTraining) window.drawTraining(s);
}

function drawCitizenTabs(citizens) {
  $("citizen-tabs").replaceChildren(...citizens.map((c) => el("button", {
    type: "button", role: "tab", "aria-selected": String(c.id === ui.citizen),
    onclick: () => { ui.citizen = c.id; drawCitizenTabs(citizens); refreshChats().catch(showError); },
  }, `${c.name} (${c.language})`)));
}

function drawTopics(topics) {
  const item = (thread, name, closed) => el("li", {}, el("button", {
    type: "button", class: closed ? "closed" : "", "aria-current": String(ui.topic === thread),
    "data-thread": thread,
    onclick: () => { ui.topic = thread; drawTopics(topics); refreshChats().catch(showError); },
  }, name));
  $("topic-list").replaceChildren(item(0, "# Umum", false),
    ...topics.map((t) => item(t.thread_id, t.name, t.closed)));
}

function drawCommands(box, commands, input) {
  box.replaceChildren(...(commands || []).map(([name, description]) => el("button", {
    type: "button", title: description,
    onclick: () => { input.value = "/" + name + " "; input.focus(); },
  }, "/" + name)));
}

async function refresh() {
  try {
    ui.state = await api("/api/state");
    drawState(ui.state);
    await refreshChats();
    showError(null);
  } catch (error) {
    showError(error);
  }
}

async function act(promise) {
  try { await promise; showError(null); } catch (error) { showError(error); }
  setTimeout(refresh, 150);
}

function wireComposer(formId, inputId, fileId, who) {
  const form = $(formId);
  const input = $(inputId);
  const send = () => {
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    act(api("/api/send", { ...who(), text }));
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); send(); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
  });
  $(fileId).addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const body = new FormData();
    for (const [key, value] of Object.entries(who())) body.append(key, value);
    body.append("file", file);
    if (input.value.trim()) { body.append("caption", input.value); input.value = ""; }
    event.target.value = "";
    act(api("/api/upload", body));
  });
}

// --- training mode: scripted citizens, scored runs
const STATUS = { playing: "warga sedang menulis…", waiting: "giliran Anda", scored: "dinilai", failed: "gagal" };

function trainee(scenario) {
  const staff = ui.state.staff;
  if (scenario.role === "coordinator") return staff.find((p) => p.role === "coordinator").id;
  const current = staff.find((p) => p.id === ui.actor);
  return current && current.role === "officer" ? current.id : staff[0].id;
}

window.drawTraining = (s) => {
  const panel = $("training");
  const t = s.training;
  if (ui.trainingOpen === undefined) ui.trainingOpen = t.enabled;
  panel.hidden = !ui.trainingOpen;
  $("training-toggle").setAttribute("aria-expanded", String(ui.trainingOpen));
  if (!changed("training", t) && panel.childElementCount) return;
  const list = el("ul", { class: "scenarios" }, ...t.scenarios.map((sc) => el("li", {},
    el("button", { type: "button", "data-scenario": sc.id, onclick: () => {
      const who = trainee(sc);
      act(api("/api/training/start", { scenario: sc.id, trainee: who }).then((run) => {
        ui.actor = who;
        $("acting-as").value = String(who);
        ui.citizen = run.citizen.id;
        ui.seen.citizens = null;
      }));
    } }, "Mulai"), " ", sc.title, sc.role === "coordinator" ? " (sebagai koordinator)" : "")));
  const rows = t.runs.slice().reverse().map((run) => el("tr", { "data-run": run.number },
    el("td", {}, String(run.number)),
    el("td", {}, el("strong", {}, run.scenario.title), el("div", {}, "Warga: ", el("span", { "data-testid": "run-citizen" }, run.citizen.name)),
      el("div", { class: "muted" }, run.scenario.brief)),
    el("td", {}, run.trainee.name),
    el("td", { "data-testid": "run-status" }, STATUS[run.status] || run.status, run.error ? ": " + run.error : ""),
    el("td", { "data-testid": "run-score" }, run.score === null ? "" : run.score + "/100",
      ...run.checks.map((c) => el("div", {}, (c.passed ? "✔ " : "✘ ") + c.name + " — " + c.detail))),
    el("td", {}, run.status === "waiting"
      ? el("button", { type: "button", "data-testid": "score-run",
          onclick: () => act(api("/api/training/score", { run: run.number })) }, "Selesai & nilai")
      : "")));
  panel.replaceChildren(
    el("h2", {}, "Mode latihan"),
    el("p", {}, "Pilih skenario: seorang warga tiruan akan menulis. Tangani di topiknya sebagai petugas, lalu tekan “Selesai & nilai”. ",
      el("a", { href: "/training/report", target: "_blank" }, "Cetak ringkasan per petugas")),
    list,
    rows.length ? el("table", {}, el("thead", {}, el("tr", {}, ...["#", "Skenario", "Peserta", "Status", "Nilai", ""].map((h) => el("th", {}, h)))), el("tbody", {}, ...rows)) : "");
};

window.addEventListener("DOMContentLoaded", () => {
  $("training-toggle").addEventListener("click", () => {
    ui.trainingOpen = !ui.trainingOpen;
    ui.seen.training = null;
    if (ui.state) window.drawTraining(ui.state);
  });
  wireComposer("citizen-form", "citizen-input", "citizen-file", () => ({ user: ui.citizen }));
  wireComposer("staff-form", "staff-input", "staff-file", () => ({ user: ui.actor, thread: ui.topic }));
  $("acting-as").addEventListener("change", (event) => { ui.actor = Number(event.target.value); });
  $("speed").addEventListener("change", (event) => act(api("/api/clock", { speed: Number(event.target.value) })));
  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", () => act(api("/api/clock", { advance: button.dataset.advance })));
  }
  $("add-citizen").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    act(api("/api/citizens", { name: form.name.value, language: form.language.value }).then((c) => {
      ui.citizen = c.id;
      form.reset();
      $("citizen-input").focus();
    }));
  });
  refresh();
  setInterval(refresh, 700);
});
