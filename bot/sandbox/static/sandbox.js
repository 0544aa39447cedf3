// The sandbox's web chat: one pane per persona, driven through the control API (/sandbox/api).
// Everything the bot does arrives through one long-polled feed; every user action is one POST.

const API = "/sandbox/api";
const FEED_WAIT_SECONDS = 25;

const state = {
  bot: null, // the bot's User object, with commands and menu buttons
  personas: [],
  panes: [],
  seq: 0, // the feed's change number we have shown everything up to
  epoch: null, // bumped by a reset: then we forget what we show
  feedAbort: null,
};

// --- helpers -------------------------------------------------------------------------------

async function api(method, path, body) {
  const response = await fetch(API + path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function toast(text, kind = "") {
  const node = el("div", { class: `toast ${kind}` }, text);
  document.getElementById("toasts").append(node);
  setTimeout(() => node.remove(), kind === "error" ? 6000 : 3500);
}

async function attempt(action) {
  try {
    return await action();
  } catch (error) {
    toast(error.message, "error");
    return null;
  }
}

// A t.me link that opens this bot with a start payload: in Telegram, following it sends
// "/start <payload>" from whoever followed it.
function startPayload(url) {
  const match = /^(?:https?:\/\/)?(?:www\.)?t(?:elegram)?\.me\/(\w+)\?start=([\w-]+)/.exec(url || "");
  if (!match || !state.bot || match[1].toLowerCase() !== state.bot.username.toLowerCase()) {
    return null;
  }
  return match[2];
}

// --- formatted text (entity offsets are UTF-16 units, as JavaScript strings count) ----------

function entityNode(entity, text, pane) {
  switch (entity.type) {
    case "bold": return el("b");
    case "italic": return el("i");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre");
    case "blockquote":
    case "expandable_blockquote": return el("blockquote");
    case "spoiler": {
      const node = el("span", { class: "spoiler" });
      node.addEventListener("click", () => node.classList.toggle("shown"));
      return node;
    }
    case "text_link":
    case "url": {
      const href = entity.type === "url" ? text : entity.url;
      return el("a", { href, target: "_blank", rel: "noreferrer", onclick: (event) => pane.followLink(event, href) });
    }
    case "bot_command":
      return el("a", { class: "command", onclick: () => pane.sendText(text) });
    default: return el("span");
  }
}

function renderText(text, entities, pane) {
  const root = document.createDocumentFragment();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  (function build(parent, from, to, list) {
    let position = from;
    let index = 0;
    while (index < list.length) {
      const entity = list[index];
      if (entity.offset < position) { index += 1; continue; }
      if (entity.offset >= to) break;
      if (entity.offset > position) parent.append(text.slice(position, entity.offset));
      const end = Math.min(entity.offset + entity.length, to);
      const inner = [];
      let next = index + 1;
      while (next < list.length && list[next].offset < end) inner.push(list[next++]);
      const node = entityNode(entity, text.slice(entity.offset, end), pane);
      build(node, entity.offset, end, inner);
      parent.append(node);
      position = end;
      index = next;
    }
    if (position < to) parent.append(text.slice(position, to));
  })(root, 0, text.length, sorted);
  return root;
}

// --- a persona's pane --------------------------------------------------------------------

class Pane {
  constructor(persona) {
    this.persona = persona;
    this.userId = persona.user_id;
    this.chatId = persona.chat_id;
    this.messages = new Map(); // message_id -> {version, node}
    this.keyboard = null;
    this.keyboardCollapsed = false;
    const root = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
    this.root = root;
    this.list = root.querySelector(".messages");
    this.keyboardBox = root.querySelector(".keyboard");
    this.input = root.querySelector(".text");
    this.chatSelect = root.querySelector(".chat-select");
    this.actions = root.querySelector(".actions");
    this.menuButton = root.querySelector(".menu-button");
    root.querySelector(".name").textContent = persona.first_name;
    const role = root.querySelector(".role");
    role.textContent = persona.role;
    role.classList.add(persona.role);
    root.querySelector(".composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value;
      if (text.trim()) this.sendText(text).then((sent) => { if (sent) this.input.value = ""; });
    });
    this.chatSelect.addEventListener("change", () => this.switchChat(Number(this.chatSelect.value)));
    this.actions.addEventListener("change", () => {
      const action = this.actions.value;
      this.actions.value = "";
      this.runAction(action);
    });
    this.menuButton.addEventListener("click", () => openWebApp(this, { menu: true }));
    if (["cashier", "manager", "owner"].includes(persona.role)) {
      root.querySelector(".scan-row").hidden = false;
      root.querySelector(".scan").addEventListener("click", () => this.scan());
    }
    const list = el("datalist", { id: `commands-${this.userId}` });
    this.input.setAttribute("list", list.id);
    root.append(list);
    this.commandList = list;
  }

  get isPrivate() { return this.chatId === this.userId; }
  chatParams() { return this.isPrivate ? {} : { chat_id: this.chatId }; }

  // Personas, chats, commands and the menu button, refreshed now and then.
  update(persona) {
    this.persona = persona;
    const blocked = persona.user.blocked;
    const who = this.root.querySelector(".who");
    who.querySelector(".blocked-mark")?.remove();
    if (blocked) who.append(el("span", { class: "blocked-mark" }, "blocked the bot"));
    this.chatSelect.replaceChildren(...persona.chats.map((chat) =>
      el("option", { value: chat.id, selected: chat.id === this.chatId ? "" : null }, chat.title)));
    const options = [el("option", { value: "" }, "More…"),
      el("option", { value: "contact" }, "Share my contact"),
      el("option", { value: "other-contact" }, "Share someone's contact…"),
      el("option", { value: blocked ? "unblock" : "block" }, blocked ? "Unblock the bot" : "Block the bot")];
    for (const channel of state.channels || []) {
      const joined = persona.channels_joined.includes(channel.id);
      options.push(el("option", { value: `${joined ? "leave" : "join"}:${channel.id}` },
        `${joined ? "Leave" : "Join"} ${channel.username ? "@" + channel.username : channel.title}`));
    }
    this.actions.replaceChildren(...options);
    const scanSelect = this.root.querySelector(".scan-customer");
    const chosen = scanSelect.value;
    scanSelect.replaceChildren(...state.personas.filter((p) => p.role === "customer").map((p) =>
      el("option", { value: p.user_id, selected: String(p.user_id) === chosen ? "" : null }, p.first_name)));
    const commands = state.bot.commands[persona.language_code] || state.bot.commands[""] || [];
    this.commandList.replaceChildren(...commands.map((c) => el("option", { value: `/${c.command}` }, c.description)));
    const menu = state.bot.menu_buttons[String(this.chatId)] || state.bot.menu_buttons.default;
    this.menuButton.hidden = !(menu && menu.type === "web_app");
    if (menu && menu.type === "web_app") this.menuButton.textContent = menu.text;
  }

  async switchChat(chatId) {
    this.chatId = chatId;
    this.clear();
    const feed = await attempt(() => api("GET", `/feed?chats=${chatId}`));
    if (feed) for (const chat of feed.chats) this.applyChat(chat);
    restartFeed();
  }

  clear() {
    this.messages.clear();
    this.list.replaceChildren();
    this.keyboard = null;
    this.renderKeyboard();
  }

  applyChat(chat) {
    if (chat.chat_id !== this.chatId) return;
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    for (const view of chat.messages) this.applyMessage(view);
    this.keyboard = chat.reply_keyboard;
    this.keyboardCollapsed = chat.keyboard_collapsed;
    this.renderKeyboard();
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  applyMessage(view) {
    const known = this.messages.get(view.message_id);
    if (known && known.version >= view.version) return;
    const node = this.renderMessage(view);
    if (known) known.node.replaceWith(node);
    else this.list.append(node);
    this.messages.set(view.message_id, { version: view.version, node });
  }

  renderMessage(view) {
    const raw = view.message;
    const mine = !view.outgoing && raw.from && raw.from.id === this.userId;
    const node = el("div", { class: `msg${mine ? " mine" : ""}` });
    if (view.deleted) {
      node.classList.add("deleted");
      node.textContent = "message deleted";
      return node;
    }
    if (!this.isPrivate && !mine && raw.from) node.append(el("div", { class: "author" }, raw.from.first_name));
    if (raw.reply_to_message) {
      const quoted = raw.reply_to_message.text || raw.reply_to_message.caption || "…";
      node.append(el("div", { class: "quote" }, quoted.slice(0, 80)));
    }
    if (raw.photo) {
      node.append(view.download_url ? el("img", { src: view.download_url, alt: "photo" }) : el("div", {}, "🖼 photo sent by URL"));
    }
    if (raw.document) {
      const name = raw.document.file_name || "document";
      const size = raw.document.file_size ? ` (${Math.ceil(raw.document.file_size / 1024)} KB)` : "";
      node.append(view.download_url
        ? el("a", { class: "file", href: view.download_url, download: name }, `📄 ${name}${size}`)
        : el("div", { class: "file" }, `📄 ${name}`));
    }
    if (raw.contact) {
      const c = raw.contact;
      const whose = c.user_id === raw.from?.id ? "own contact" : "contact";
      node.append(el("div", {}, `📱 ${whose}: ${c.first_name} ${c.last_name || ""} ${c.phone_number}`));
    }
    if (raw.sticker) node.append(el("div", { style: "font-size: 40px" }, raw.sticker.emoji || "🏷"));
    if (raw.web_app_data) node.append(el("div", {}, `↩ Mini App data: ${raw.web_app_data.data}`));
    const text = view.text ?? view.caption;
    if (text) node.append(el("div", { class: "body" }, renderText(text, view.entities, this)));
    const rows = raw.reply_markup?.inline_keyboard;
    if (rows) {
      node.append(el("div", { class: "inline-keyboard" }, ...rows.map((row) =>
        el("div", { class: "row" }, ...row.map((button) => this.inlineButton(view, button))))));
    }
    const time = new Date(view.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    node.append(el("div", { class: "meta" }, `${view.edited ? "edited " : ""}${time}`));
    return node;
  }

  inlineButton(view, button) {
    let label = button.text;
    if (button.url) label += " ↗";
    if (button.web_app) label += " ▣";
    const node = el("button", { type: "button", title: button.callback_data || button.url || "" }, label);
    node.addEventListener("click", async () => {
      if ("callback_data" in button) {
        node.disabled = true;
        const answer = await attempt(() => api("POST", `/users/${this.userId}/press`, {
          message_id: view.message_id, data: button.callback_data, wait: 10, ...this.chatParams(),
        }));
        node.disabled = false;
        if (answer && answer.answer && answer.answer.text) {
          if (answer.answer.show_alert) alert(answer.answer.text);
          else toast(answer.answer.text);
        } else if (answer && !answer.answered) {
          toast("The bot did not answer the callback query (the button would keep spinning)", "error");
        }
      } else if (button.url) {
        this.followLink(null, button.url);
      } else if (button.web_app) {
        openWebApp(this, { message_id: view.message_id, button_text: button.text, ...this.chatParams() });
      } else if (button.copy_text) {
        await navigator.clipboard?.writeText(button.copy_text.text);
        toast("Copied");
      } else {
        toast("The sandbox does not emulate this kind of button", "error");
      }
    });
    return node;
  }

  renderKeyboard() {
    const box = this.keyboardBox;
    box.replaceChildren();
    const rows = this.keyboard?.keyboard;
    if (!rows) return;
    if (this.keyboardCollapsed) {
      box.append(el("button", { type: "button", onclick: () => { this.keyboardCollapsed = false; this.renderKeyboard(); } }, "⌨ Show keyboard"));
      return;
    }
    for (const row of rows) {
      box.append(el("div", { class: "row" }, ...row.map((item) => {
        const button = typeof item === "string" ? { text: item } : item;
        let label = button.text;
        if (button.request_contact) label = `📱 ${label}`;
        if (button.web_app) label = `▣ ${label}`;
        return el("button", { type: "button", onclick: () => this.pressKeyboard(button) }, label);
      })));
    }
  }

  async pressKeyboard(button) {
    if (button.web_app) {
      await openWebApp(this, { button_text: button.text, ...this.chatParams() });
      return;
    }
    await attempt(() => api("POST", `/users/${this.userId}/keyboard`, { text: button.text, ...this.chatParams() }));
  }

  sendText(text) {
    return attempt(() => api("POST", `/users/${this.userId}/messages`, { text, ...this.chatParams() }));
  }

  followLink(event, url) {
    const payload = startPayload(url);
    if (payload === null) return; // an ordinary link: let the browser open it
    event?.preventDefault();
    if (this.isPrivate) this.sendText(`/start ${payload}`);
    else toast("Deep links open the private chat with the bot; switch this pane to it", "error");
  }

  async scan() {
    const customer = Number(this.root.querySelector(".scan-customer").value);
    if (!customer) return;
    const result = await attempt(() => api("POST", `/users/${this.userId}/scan`, { customer_id: customer }));
    if (result) toast(`Scanned ${result.link}`);
    if (result && !this.isPrivate) this.switchChat(this.userId);
  }

  async runAction(action) {
    const user = `/users/${this.userId}`;
    if (action === "contact") {
      await attempt(() => api("POST", `${user}/contact`, { ...this.chatParams() }));
    } else if (action === "other-contact") {
      const phone = prompt("Phone number of the contact to share", "+7900");
      if (!phone) return;
      const name = prompt("Their first name", "Friend") || "Friend";
      await attempt(() => api("POST", `${user}/contact`, { own: false, phone_number: phone, first_name: name, ...this.chatParams() }));
    } else if (action === "block" || action === "unblock") {
      await attempt(() => api("POST", `${user}/${action}`));
    } else if (action.startsWith("join:")) {
      await attempt(() => api("POST", `/chats/${action.slice(5)}/members`, { user_id: this.userId }));
    } else if (action.startsWith("leave:")) {
      await attempt(() => api("DELETE", `/chats/${action.slice(6)}/members/${this.userId}`));
    }
    await loadPersonas();
  }
}

// --- the Mini App frame ------------------------------------------------------------------

const webApp = {
  overlay: document.getElementById("webapp"),
  frame: document.querySelector(".webapp-frame"),
  main: document.querySelector(".webapp-main"),
  back: document.querySelector(".webapp-back"),
  picker: document.querySelector(".webapp-picker"),
  session: null, // {pane, launch}
};

async function openWebApp(pane, request) {
  const launch = await attempt(() => api("POST", `/users/${pane.userId}/web_app`, request));
  if (!launch) return;
  webApp.session = { pane, launch };
  document.querySelector(".webapp-title").textContent = `${launch.button_text || "Mini App"} — ${pane.persona.first_name}`;
  webApp.main.hidden = true;
  webApp.back.hidden = true;
  webApp.picker.hidden = true;
  webApp.frame.src = launch.launch_url;
  webApp.overlay.hidden = false;
}

function closeWebApp() {
  webApp.overlay.hidden = true;
  webApp.frame.src = "about:blank";
  webApp.session = null;
}

function postToWebApp(eventType, eventData = {}) {
  webApp.frame.contentWindow?.postMessage(JSON.stringify({ eventType, eventData }), "*");
}

// The QR scanner of a Mini App: pick whose card to "scan"; the app receives the card's link.
function openScanPicker(text) {
  const choices = webApp.picker.querySelector(".webapp-picker-choices");
  webApp.picker.querySelector(".webapp-picker-text").textContent = text || "Scan whose card?";
  choices.replaceChildren(...state.personas.filter((p) => p.role === "customer").map((p) =>
    el("button", { type: "button", onclick: async () => {
      const found = await attempt(() => api("GET", `/chats/${p.user_id}/start_link?prefix=c_`));
      if (found) postToWebApp("qr_text_received", { data: found.link });
    } }, p.first_name)));
  webApp.picker.hidden = false;
}

function handleWebAppEvent(eventType, data) {
  const session = webApp.session;
  switch (eventType) {
    case "web_app_close":
      closeWebApp();
      break;
    case "web_app_data_send":
      if (session.launch.source !== "keyboard") {
        toast("sendData works only in a Mini App opened from a reply keyboard button", "error");
        break;
      }
      attempt(() => api("POST", `/users/${session.pane.userId}/web_app_data`, { data: data.data, button_text: session.launch.button_text }));
      closeWebApp();
      break;
    case "web_app_setup_main_button":
      webApp.main.hidden = !data.is_visible;
      webApp.main.disabled = data.is_active === false || data.is_progress_visible;
      webApp.main.textContent = data.is_progress_visible ? "…" : data.text;
      if (data.color) webApp.main.style.background = data.color;
      if (data.text_color) webApp.main.style.color = data.text_color;
      break;
    case "web_app_setup_back_button":
      webApp.back.hidden = !data.is_visible;
      break;
    case "web_app_open_scan_qr_popup":
      openScanPicker(data.text);
      break;
    case "web_app_close_scan_qr_popup":
      webApp.picker.hidden = true;
      break;
    case "web_app_open_popup": {
      const buttons = data.buttons || [];
      const ok = buttons.find((b) => ["ok", "default", "destructive"].includes(b.type || "default"));
      const message = [data.title, data.message].filter(Boolean).join("\n\n");
      let chosen = "";
      if (ok && buttons.length > 1) chosen = confirm(message) ? ok.id || "" : "";
      else { alert(message); chosen = ok ? ok.id || "" : ""; }
      postToWebApp("popup_closed", { button_id: chosen });
      break;
    }
    case "web_app_open_link":
      window.open(data.url, "_blank", "noreferrer");
      break;
    case "web_app_open_tg_link":
      session.pane.followLink(null, `https://t.me${data.path_full}`);
      closeWebApp();
      break;
    case "web_app_request_viewport":
      postToWebApp("viewport_changed", { height: webApp.frame.clientHeight, is_expanded: true, is_state_stable: true });
      break;
    default:
      break; // web_app_ready, web_app_expand, haptic feedback...: nothing to show
  }
}

window.addEventListener("message", (event) => {
  if (!webApp.session || event.source !== webApp.frame.contentWindow) return;
  let message = event.data;
  try {
    if (typeof message === "string") message = JSON.parse(message);
  } catch (error) {
    return;
  }
  if (message && message.eventType) handleWebAppEvent(message.eventType, message.eventData || {});
});

webApp.frame.addEventListener("load", () => {
  // A Mini App served from this same origin gets the stub injected if it did not load one.
  try {
    const inner = webApp.frame.contentWindow;
    if (webApp.session && inner.document && !inner.Telegram) {
      inner.document.head.append(Object.assign(inner.document.createElement("script"), { src: "/telegram-web-app.js" }));
    }
  } catch (error) {
    // cross-origin: the Mini App must load telegram-web-app.js itself
  }
});
webApp.main.addEventListener("click", () => postToWebApp("main_button_pressed"));
webApp.back.addEventListener("click", () => postToWebApp("back_button_pressed"));
document.querySelector(".webapp-close").addEventListener("click", closeWebApp);
document.querySelector(".webapp-picker-cancel").addEventListener("click", () => {
  webApp.picker.hidden = true;
  postToWebApp("scan_qr_popup_closed");
});

// --- loading and the feed ----------------------------------------------------------------

async function loadPersonas() {
  const data = await api("GET", "/personas");
  state.bot = data.bot;
  state.channels = data.channels;
  state.personas = data.personas;
  document.getElementById("bot-name").textContent = `@${data.bot.username}`;
  document.title = `@${data.bot.username} — sandbox`;
  const container = document.getElementById("panes");
  const known = new Map(state.panes.map((pane) => [pane.userId, pane]));
  state.panes = data.personas.map((persona) => {
    const pane = known.get(persona.user_id) || new Pane(persona);
    if (!known.has(persona.user_id)) container.append(pane.root);
    pane.update(persona);
    return pane;
  });
  for (const [userId, pane] of known) {
    if (!state.panes.includes(pane)) { pane.root.remove(); known.delete(userId); }
  }
}

function restartFeed() {
  state.feedAbort?.abort();
}

async function runFeed() {
  const status = document.getElementById("status");
  for (;;) {
    state.feedAbort = new AbortController();
    const chats = [...new Set(state.panes.map((pane) => pane.chatId))].join(",");
    try {
      const response = await fetch(`${API}/feed?after=${state.seq}&wait=${FEED_WAIT_SECONDS}&chats=${chats}`, { signal: state.feedAbort.signal });
      if (!response.ok) throw new Error(response.statusText);
      const feed = await response.json();
      status.textContent = "live";
      status.classList.remove("offline");
      if (state.epoch !== null && feed.epoch !== state.epoch) {
        // the world was reset: start over
        state.epoch = feed.epoch;
        state.seq = 0;
        for (const pane of state.panes) pane.clear();
        await loadPersonas();
        continue;
      }
      state.epoch = feed.epoch;
      state.seq = feed.seq;
      for (const chat of feed.chats) {
        for (const pane of state.panes) pane.applyChat(chat);
      }
    } catch (error) {
      if (error.name === "AbortError") continue;
      status.textContent = "offline — retrying";
      status.classList.add("offline");
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

document.getElementById("reset").addEventListener("click", async () => {
  if (confirm("Forget every user, chat and message in the sandbox?")) {
    await attempt(() => api("POST", "/reset"));
  }
});

await attempt(loadPersonas);
setInterval(() => attempt(loadPersonas), 5000); // commands, menu button, blocked state
runFeed();
