"use strict";
// The sandbox's phones side by side: reads /api/state when /api/events says something changed.
let labels = {};
let pageLanguage = "en"; // the page's labels and refusals: the browser's language
let pending = 0; // requests not answered yet: the page shows "working…" and body[data-busy]
const seenAlerts = {};

function applyLabels(root) {
  root.querySelectorAll("[data-label]").forEach((el) => {
    const text = labels[el.dataset.label];
    if (text !== undefined) el.textContent = text;
  });
  root.querySelectorAll("[data-placeholder]").forEach((el) => {
    el.placeholder = labels[el.dataset.placeholder] || "";
  });
}

async function post(url, body, raw) {
  pending += 1;
  document.getElementById("busy").hidden = false;
  document.body.dataset.busy = "1";
  document.getElementById("error").textContent = "";
  try {
    const answer = await fetch(url, {
      method: "POST",
      headers: raw
        ? { "X-Page-Language": pageLanguage }
        : { "Content-Type": "application/json", "X-Page-Language": pageLanguage },
      body: raw ? body : JSON.stringify(body || {}),
    });
    const data = await answer.json();
    if (data.error) document.getElementById("error").textContent = data.error;
    else render(data);
  } catch (error) {
    document.getElementById("error").textContent = String(error);
  } finally {
    pending -= 1;
    if (pending === 0) {
      document.getElementById("busy").hidden = true;
      delete document.body.dataset.busy;
    }
  }
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderPeople(people) {
  const select = document.querySelector('[data-testid="add-phone"]');
  const chosen = select.value;
  select.querySelectorAll("optgroup").forEach((g) => g.remove());
  for (const [kind, key] of [["staff", "staff"], ["customer", "customers"]]) {
    const group = el("optgroup", { label: labels[key] || key });
    people.filter((p) => p.kind === kind && !p.added).forEach((p) => {
      group.appendChild(el("option", { value: p.code }, p.label));
    });
    select.appendChild(group);
  }
  select.value = chosen && select.querySelector(`option[value="${chosen}"]`) ? chosen : "";
}

function messageNode(code, m) {
  const wrap = el("div", { class: "item", "data-message": m.id });
  const bubble = el("div", { class: "msg" + (m.mine ? " mine" : "") });
  if (m.photo) {
    const link = el("a", { href: m.photo, target: "_blank" });
    link.appendChild(el("img", { src: m.photo, alt: "photo" }));
    bubble.appendChild(link);
  }
  if (m.document) {
    bubble.appendChild(el("a", { href: m.document.url, download: m.document.name, class: "document" },
      "📄 " + m.document.name));
    bubble.appendChild(document.createElement("br"));
  }
  if (m.location) {
    bubble.appendChild(el("span", { class: "pin" }, "📍 "));
    bubble.appendChild(el("span", { class: "location" }, m.location[0].toFixed(5) + ", " + m.location[1].toFixed(5)));
  }
  if (m.contact) bubble.appendChild(el("span", { class: "contact" }, "👤 " + m.contact));
  if (m.html) {
    const text = el("span", { class: "text" });
    text.innerHTML = m.html; // rendered and escaped by the server from Telegram's entities
    bubble.appendChild(text);
  }
  if (m.edited) bubble.appendChild(el("span", { class: "edited" }, labels.edited || "edited"));
  wrap.appendChild(bubble);
  if (m.buttons.length) {
    const keyboard = el("div", { class: "inline" });
    m.buttons.forEach((row) => {
      const line = el("div", { class: "row" });
      row.forEach((b) => {
        const button = el("button", { type: "button" }, b.text + (b.url ? " ↗" : ""));
        button.addEventListener("click", () => post(`/api/phones/${code}/tap`, { message: m.id, label: b.text }));
        line.appendChild(button);
      });
      keyboard.appendChild(line);
    });
    wrap.appendChild(keyboard);
  }
  return wrap;
}

function phoneNode(code) {
  let node = document.querySelector(`[data-testid="phone-${code}"]`);
  if (node) return node;
  node = document.getElementById("phone-template").content.firstElementChild.cloneNode(true);
  node.dataset.testid = `phone-${code}`;
  node.setAttribute("data-testid", `phone-${code}`);
  applyLabels(node);
  node.querySelector('[data-testid="composer"]').placeholder = labels.message || "";
  node.querySelector(".compose").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = node.querySelector('[data-testid="composer"]');
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    post(`/api/phones/${code}/send`, { text });
  });
  const where = node.querySelector('[data-testid="share-location"]');
  where.addEventListener("change", () => {
    const choice = where.value;
    where.value = "";
    if (!choice) return;
    if (choice === "typed") {
      const typed = prompt(labels.type_coordinates || "lat, lon", "31.2304, 121.4737");
      if (!typed) return;
      const [latitude, longitude] = typed.split(",").map((x) => parseFloat(x));
      post(`/api/phones/${code}/location`, { where: "typed", latitude, longitude });
    } else {
      post(`/api/phones/${code}/location`, { where: choice });
    }
  });
  node.querySelector('[data-testid="share-contact"]').addEventListener("click", () =>
    post(`/api/phones/${code}/contact`, {}));
  const photo = node.querySelector('[data-testid="send-photo"]');
  photo.addEventListener("change", () => {
    if (photo.files.length) post(`/api/phones/${code}/photo`, photo.files[0], true);
    photo.value = "";
  });
  document.getElementById("phones").appendChild(node);
  return node;
}

function renderPhone(phone) {
  const node = phoneNode(phone.code);
  node.querySelector(".name").textContent = phone.name;
  const chat = node.querySelector(".chat");
  const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40;
  chat.replaceChildren(...phone.messages.map((m) => messageNode(phone.code, m)));
  if (atBottom || !chat.dataset.drawn) chat.scrollTop = chat.scrollHeight;
  chat.dataset.drawn = "1";
  const reply = node.querySelector(".reply-keyboard");
  reply.replaceChildren(...phone.reply_keyboard.map((row) => {
    const line = el("div", { class: "row" });
    row.forEach((b) => {
      const button = el("button", { type: "button", class: "reply" }, b.text);
      button.addEventListener("click", () => {
        if (b.contact) post(`/api/phones/${phone.code}/contact`, {});
        else if (b.location) post(`/api/phones/${phone.code}/location`, { where: "site" });
        else post(`/api/phones/${phone.code}/send`, { text: b.text });
      });
      line.appendChild(button);
    });
    return line;
  }));
  const before = seenAlerts[phone.code];
  seenAlerts[phone.code] = phone.alerts;
  if (phone.alert && before !== undefined && phone.alerts > before) {
    if (phone.alert.popup) {
      const popup = document.getElementById("popup");
      popup.querySelector("p").textContent = phone.alert.text;
      popup.hidden = false;
    } else {
      const toast = node.querySelector(".toast");
      toast.textContent = phone.alert.text;
      toast.hidden = false;
      setTimeout(() => { toast.hidden = true; }, 2500);
    }
  }
}

function render(state) {
  document.getElementById("clock").textContent = state.clock;
  document.querySelector('[data-testid="fault-slow"]').checked = state.slow;
  renderPeople(state.people);
  document.getElementById("demo-playing").hidden = !state.demo.playing;
  document.getElementById("play-demo").disabled = state.demo.playing;
  if (state.demo.error) document.getElementById("error").textContent = state.demo.error;
  state.phones.forEach(renderPhone);
}

async function refresh() {
  const answer = await fetch("/api/state");
  render(await answer.json());
}

async function main() {
  const lang = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
  const answer = await fetch("/api/labels?lang=" + encodeURIComponent(lang));
  const data = await answer.json();
  labels = data.labels;
  pageLanguage = data.language;
  document.documentElement.lang = data.language === "zh_CN" ? "zh-CN" : "en";
  document.title = labels.title;
  applyLabels(document);
  document.querySelector('[data-testid="add-phone"]').addEventListener("change", (event) => {
    const code = event.target.value;
    if (code) post("/api/phones", { code });
  });
  document.querySelectorAll("[data-clock]").forEach((b) =>
    b.addEventListener("click", () => post(`/api/clock/${b.dataset.clock}`)));
  document.querySelectorAll("button[data-fault]").forEach((b) =>
    b.addEventListener("click", () => post(`/api/faults/${b.dataset.fault}`)));
  document.querySelector('[data-testid="fault-slow"]').addEventListener("change", () =>
    post("/api/faults/slow"));
  document.getElementById("play-demo").addEventListener("click", () => post("/api/demo"));
  document.querySelector("#popup button").addEventListener("click", () => {
    document.getElementById("popup").hidden = true;
  });
  await refresh();
  document.body.dataset.ready = "1";
  const events = new EventSource("/api/events");
  events.onmessage = () => refresh();
}

main();
