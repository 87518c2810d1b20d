// The playground page: renders the chats the bot's local Bot API holds and sends what a user would.
// It talks only to /api on the same origin (the contract is in the playground's design) and builds every
// message out of DOM nodes: message text is never parsed as HTML.

const STAFF_USER = 900;
const GROUP_CHAT = -100900;
const LINK_SCHEMES = ["http:", "https:", "mailto:", "tel:", "tg:"];
// What a Telegram client makes tappable in plain text: web addresses and /commands.
const AUTOLINK = /(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])|(?<![\w/])(\/[a-zA-Z0-9_]{1,32})(?![\w/])/g;

/** Call the playground's API; answers the JSON body, or throws an Error with the server's short sentence. */
async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  if (!response.ok) {
    throw new Error((answer && answer.error) || `The playground answered ${response.status}.`);
  }
  return answer;
}

/** Show a short message at the bottom of the page for a few seconds. */
function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  const item = make("p", {className: `toast toast-${kind}`, textContent: text});
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 6000 : 3500);
}

/** Run an action started by a control, showing its error as a toast instead of losing it. */
async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    toast(error.message, "error");
    return null;
  }
}

/** Return a new element with some of its properties (className, textContent, value...) set. */
function make(tag, properties = {}) {
  return Object.assign(document.createElement(tag), properties);
}

/** Return the link's address if it uses a scheme that is safe to open, else null. */
function safeUrl(url) {
  try {
    const parsed = new URL(url, window.location.href);
    return LINK_SCHEMES.includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Return an <a> that opens url in a new tab. */
function externalLink(url) {
  const link = document.createElement("a");
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}

// ---------------------------------------------------------------------------------------------------------
// Text with Telegram entities (offsets in UTF-16 code units, which is what JavaScript strings index by).

/** Return the element an entity wraps its text in (its children are added by the caller). */
function entityElement(entity, text, chat) {
  switch (entity.type) {
    case "bold": return document.createElement("strong");
    case "italic": return document.createElement("em");
    case "underline": return document.createElement("u");
    case "strikethrough": return document.createElement("s");
    case "code": return document.createElement("code");
    case "pre": {
      const pre = document.createElement("pre");
      if (entity.language) pre.dataset.language = entity.language;
      return pre;
    }
    case "blockquote":
    case "expandable_blockquote":
      return document.createElement("blockquote");
    case "spoiler": {
      const spoiler = document.createElement("button");
      spoiler.type = "button";
      spoiler.className = "spoiler";
      spoiler.setAttribute("aria-label", "Hidden text: press to show");
      spoiler.addEventListener("click", () => {
        spoiler.classList.add("revealed");
        spoiler.removeAttribute("aria-label");
      }, {once: true});
      return spoiler;
    }
    case "text_link":
    case "url": {
      const url = safeUrl(entity.type === "url" ? text : entity.url);
      return url ? externalLink(url) : document.createElement("span");
    }
    case "email": return externalLink(`mailto:${text}`);
    case "phone_number": return externalLink(`tel:${text.replace(/[^\d+]/g, "")}`);
    case "bot_command": return commandButton(text, chat);
    default: {
      const span = document.createElement("span");
      span.className = `entity-${String(entity.type).replace(/[^a-z_]/g, "")}`;
      return span;
    }
  }
}

/** Return a button that sends a /command typed in a message, as tapping it in Telegram does. */
function commandButton(text, chat) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "command-link";
  if (chat) button.addEventListener("click", () => chat.send(text.split("@")[0]));
  else button.disabled = true;
  return button;
}

/** Append plain text, making web addresses and /commands tappable as a Telegram client does. */
function appendPlain(parent, text, chat) {
  let at = 0;
  for (const match of text.matchAll(AUTOLINK)) {
    parent.append(text.slice(at, match.index));
    const [found, url, command] = match;
    const element = url ? externalLink(url) : commandButton(command, chat);
    element.textContent = found;
    parent.append(element);
    at = match.index + found.length;
  }
  parent.append(text.slice(at));
}

/** Append text[start:end] with the entities that fall in it (sorted by offset, longest first) as nested nodes. */
function appendFormatted(parent, text, start, end, entities, chat) {
  let position = start;
  let index = 0;
  while (index < entities.length) {
    const entity = entities[index];
    const entityEnd = entity.offset + entity.length;
    const inner = [];
    index += 1;
    while (index < entities.length && entities[index].offset < entityEnd) {
      inner.push(entities[index]);
      index += 1;
    }
    const from = Math.max(entity.offset, position);
    const to = Math.min(entityEnd, end);
    if (from >= to) continue;
    appendPlain(parent, text.slice(position, from), chat);
    const element = entityElement(entity, text.slice(from, to), chat);
    const verbatim = ["code", "pre", "url", "email", "phone_number", "bot_command"].includes(entity.type);
    if (verbatim || element.tagName === "A") element.append(text.slice(from, to));
    else appendFormatted(element, text, from, to, inner, chat);
    parent.append(element);
    position = to;
  }
  appendPlain(parent, text.slice(position, end), chat);
}

/** Return a fragment rendering text with its Telegram entities. */
export function formatText(text, entities, chat = null) {
  const fragment = document.createDocumentFragment();
  const sorted = [...(entities || [])].sort((a, b) => a.offset - b.offset || b.length - a.length);
  appendFormatted(fragment, text || "", 0, (text || "").length, sorted, chat);
  return fragment;
}

// ---------------------------------------------------------------------------------------------------------
// One chat: its messages, keyboards, menu and composer.

class ChatView {
  /** Build the chat's DOM inside slot, from the page's template. */
  constructor(slot, label, onNew) {
    const content = document.getElementById("chat-template").content.cloneNode(true);
    slot.append(content);
    this.root = slot.querySelector(".chat");
    this.list = this.root.querySelector(".messages");
    this.input = this.root.querySelector(".message-input");
    this.menuButton = this.root.querySelector(".menu-button");
    this.menuPopup = this.root.querySelector(".menu-popup");
    this.menuList = this.root.querySelector(".menu-list");
    this.title = this.root.querySelector(".chat-title");
    this.subtitle = this.root.querySelector(".chat-sub");
    const id = `${slot.id}-input`;
    this.input.id = id;
    this.root.querySelector("label").htmlFor = id;
    this.menuPopup.id = `${slot.id}-menu`;
    this.menuButton.setAttribute("aria-controls", this.menuPopup.id);
    this.list.setAttribute("aria-label", label);
    this.onNew = onNew;
    this.target = null; // {chatId, userId}
    this.rendered = new Map(); // message id -> {element, signature}
    this.commandsSignature = "";
    this.root.querySelector(".composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.send(text);
    });
    this.root.querySelector(".photo-button").addEventListener("click", () => this.sendPhoto());
    this.menuButton.addEventListener("click", () => this.toggleMenu());
    this.menuPopup.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.closeMenu(true);
    });
    this.root.addEventListener("focusout", (event) => {
      if (!this.menuPopup.hidden && !this.root.contains(event.relatedTarget)) this.closeMenu(false);
    });
  }

  /** Point the view at another chat (or none), clearing what it showed. */
  setTarget(target, title) {
    const same = this.target && target && this.target.chatId === target.chatId;
    this.target = target;
    this.title.textContent = title;
    for (const control of this.root.querySelectorAll(".composer button, .composer input")) {
      control.disabled = !target;
    }
    // The playground sends photos in private chats only: a group's composer has no Photo button.
    this.root.querySelector(".photo-button").hidden = Boolean(target && target.chatId !== target.userId);
    if (!same) {
      this.list.replaceChildren();
      this.rendered.clear();
      this.commandsSignature = "";
      this.closeMenu(false);
    }
  }

  /** Send a typed message (or a /command) as this chat's user. */
  async send(text) {
    if (!this.target) return;
    this.closeMenu(false);
    await guarded(() => api("/api/send", {chat_id: this.target.chatId, user_id: this.target.userId, text}));
  }

  /** Send a photo message, with whatever is typed as its caption. */
  async sendPhoto() {
    if (!this.target) return;
    const caption = this.input.value.trim();
    this.input.value = "";
    await guarded(() => api("/api/photo", {chat_id: this.target.chatId, user_id: this.target.userId, caption}));
  }

  /** Press an inline button and show the bot's answer: a toast, or a dialog for show_alert. */
  async press(message, button, element) {
    if (element.getAttribute("aria-busy") === "true") return; // not disabled: that would drop the focus
    element.setAttribute("aria-busy", "true");
    const answer = await guarded(() => api("/api/press", {
      chat_id: this.target.chatId, user_id: this.target.userId, message_id: message.id, data: button.data,
    }));
    element.removeAttribute("aria-busy");
    if (!answer || !answer.toast) return;
    if (answer.show_alert) {
      document.getElementById("alert-text").textContent = answer.toast;
      document.getElementById("alert-dialog").showModal();
    } else {
      toast(answer.toast);
    }
  }

  /** Open or close the command menu. */
  toggleMenu() {
    if (this.menuPopup.hidden) {
      this.menuPopup.hidden = false;
      this.menuButton.setAttribute("aria-expanded", "true");
      const first = this.menuList.querySelector("button");
      if (first) first.focus();
    } else {
      this.closeMenu(true);
    }
  }

  /** Close the command menu, giving the focus back to its button when asked. */
  closeMenu(refocus) {
    if (this.menuPopup.hidden) return;
    this.menuPopup.hidden = true;
    this.menuButton.setAttribute("aria-expanded", "false");
    if (refocus) this.menuButton.focus();
  }

  /** Show the chat's command menu, rebuilt only when it changed. */
  renderCommands(commands) {
    const signature = JSON.stringify(commands);
    if (signature === this.commandsSignature) return;
    this.commandsSignature = signature;
    const items = commands.map((command) => {
      const item = document.createElement("li");
      const button = make("button", {type: "button"});
      button.append(
        make("span", {className: "command-name", textContent: `/${command.command}`}),
        make("span", {className: "command-description", textContent: command.description}),
      );
      button.addEventListener("click", () => this.send(`/${command.command}`));
      item.append(button);
      return item;
    });
    if (!items.length) items.push(make("li", {className: "menu-empty", textContent: "The bot set no commands here."}));
    this.menuList.replaceChildren(...items);
  }

  /** Bring the messages up to date: new ones appended, edited ones replaced in place, deleted ones removed. */
  render(chat) {
    const messages = chat ? chat.messages : [];
    this.renderCommands(chat ? chat.commands || [] : []);
    const wasAtBottom = this.atBottom();
    const seen = new Set();
    let added = 0;
    let changed = false;
    let previous = null;
    for (const message of messages) {
      seen.add(message.id);
      const signature = JSON.stringify(message);
      const known = this.rendered.get(message.id);
      if (known && known.signature === signature) {
        previous = known.element;
        continue;
      }
      const element = this.messageElement(message, chat.type);
      if (known) {
        const focused = known.element.contains(document.activeElement);
        known.element.replaceWith(element);
        if (focused) (element.querySelector(".key:not(:disabled)") || this.list).focus();
      } else {
        const next = previous ? previous.nextElementSibling : this.list.firstElementChild;
        this.list.insertBefore(element, next);
        added += 1;
      }
      this.rendered.set(message.id, {element, signature});
      previous = element;
      changed = true;
    }
    for (const [id, known] of this.rendered) {
      if (!seen.has(id)) {
        known.element.remove();
        this.rendered.delete(id);
      }
    }
    const last = messages[messages.length - 1];
    if (changed && (wasAtBottom || (added && last.from === "user"))) this.scrollToBottom();
    if (added) this.onNew(added);
    this.renderEmpty(messages.length === 0);
  }

  /** Show a hint in an empty chat. */
  renderEmpty(empty) {
    this.root.classList.toggle("empty", empty);
    this.list.dataset.empty = empty ? (this.target ? "No messages yet." : "No chat to show.") : "";
  }

  /** Tell whether the message list is scrolled to (about) its end. */
  atBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 48;
  }

  /** Scroll the message list to its end. */
  scrollToBottom() {
    this.list.scrollTop = this.list.scrollHeight;
  }

  /** Return the <li> of one message: its bubble, body, keyboard and time. */
  messageElement(message, chatType) {
    const item = document.createElement("li");
    item.className = `message from-${message.from === "user" ? "user" : "bot"} kind-${message.kind}`;
    item.dataset.messageId = String(message.id);
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (chatType !== "private" && message.from !== "user") {
      const sender = document.createElement("p");
      sender.className = "sender";
      sender.textContent = message.sender || "Bot";
      bubble.append(sender);
    }
    const attachment = this.attachmentElement(message);
    if (attachment) bubble.append(attachment);
    if (message.text) {
      const text = document.createElement("div");
      text.className = "text";
      text.append(formatText(message.text, message.entities, this));
      bubble.append(text);
    }
    const meta = document.createElement("p");
    meta.className = "meta";
    if (message.edited) meta.append(make("span", {className: "edited", textContent: "edited"}), " ");
    meta.append(make("span", {className: "time", textContent: message.time || ""}));
    bubble.append(meta);
    item.append(bubble);
    const keyboard = this.keyboardElement(message);
    if (keyboard) item.append(keyboard);
    return item;
  }

  /** Return the photo, document link or label a non-text message shows, or null for text. */
  attachmentElement(message) {
    if (message.kind === "photo" && message.file_url) {
      const image = document.createElement("img");
      image.src = message.file_url;
      image.alt = message.from === "user" ? "A photo you sent" : "A picture from the bot (for example, the history chart)";
      image.className = "photo";
      image.decoding = "async";
      image.addEventListener("load", () => {
        if (this.atBottom() || image.closest("li") === this.list.lastElementChild) this.scrollToBottom();
      });
      const link = externalLink(message.file_url);
      link.className = "photo-link";
      link.append(image);
      return link;
    }
    if (message.kind === "document" && message.file_url) {
      const link = document.createElement("a");
      link.href = message.file_url;
      link.download = message.file_name || "";
      link.className = "document";
      const icon = make("span", {className: "document-icon", textContent: "📄"});
      icon.setAttribute("aria-hidden", "true");
      link.append(icon, make("span", {textContent: message.file_name || "file"}),
        make("span", {className: "visually-hidden", textContent: " (download)"}));
      return link;
    }
    const labels = {photo: "🖼 Photo", sticker: "Sticker", voice: "🎤 Voice message", document: "📄 File", other: "A message the page can't show"};
    if (message.kind in labels) {
      const label = document.createElement("p");
      label.className = "attachment-label";
      label.textContent = labels[message.kind];
      return label;
    }
    return null;
  }

  /** Return the inline keyboard under a message, or null when it has none. */
  keyboardElement(message) {
    const rows = message.buttons || [];
    if (!rows.length) return null;
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    keyboard.setAttribute("role", "group");
    keyboard.setAttribute("aria-label", "Buttons");
    for (const row of rows) {
      const line = document.createElement("div");
      line.className = "keyboard-row";
      for (const button of row) {
        const url = button.url ? safeUrl(button.url) : null;
        let control;
        if (url) {
          control = externalLink(url);
          control.className = "key key-link";
        } else {
          control = document.createElement("button");
          control.type = "button";
          control.className = "key";
          if (button.data) control.addEventListener("click", () => this.press(message, button, control));
          else control.disabled = true;
        }
        control.textContent = button.text;
        line.append(control);
      }
      keyboard.append(line);
    }
    return keyboard;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The page: state polling, the patient picker, the clinic tabs and the top bar.

const page = {
  state: null,
  patientId: null,
  patientsSignature: "",
  clinicTab: "group",
  travelling: false,
};

const views = {
  patient: new ChatView(document.getElementById("patient-chat"), "Chat on the patient's phone", () => {}),
  group: new ChatView(document.getElementById("group-chat"), "Chat in the staff group", (count) => markUnread("group", count)),
  doctor: new ChatView(document.getElementById("doctor-chat"), "Dr Lee's private chat with the bot", (count) => markUnread("doctor", count)),
};
const unread = {group: 0, doctor: 0};

/** Count new messages on a clinic tab that is not shown, as a badge on its tab. */
function markUnread(tab, count) {
  if (page.clinicTab === tab) return;
  unread[tab] += count;
  const badge = document.querySelector(`#tab-${tab} .badge`);
  badge.hidden = false;
  badge.textContent = `${unread[tab]} new`;
}

/** Show one of the clinic's chats. */
function selectClinicTab(tab, focus = false) {
  page.clinicTab = tab;
  for (const name of ["group", "doctor"]) {
    const button = document.getElementById(`tab-${name}`);
    const selected = name === tab;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    document.getElementById(button.getAttribute("aria-controls")).hidden = !selected;
    if (selected) {
      unread[name] = 0;
      button.querySelector(".badge").hidden = true;
      if (focus) button.focus();
    }
  }
  views[tab].scrollToBottom();
}

/** Fill the patient picker when the patients changed, keeping (or making) a selection. */
function renderPatients(patients) {
  const signature = JSON.stringify(patients);
  const select = document.getElementById("patient-select");
  if (!patients.some((patient) => patient.user_id === page.patientId)) {
    page.patientId = patients.length ? patients[patients.length - 1].user_id : null;
  }
  if (signature !== page.patientsSignature) {
    page.patientsSignature = signature;
    const options = patients.map((patient) => make("option", {
      value: String(patient.user_id),
      textContent: `${patient.name} (${patient.language}, #${patient.user_id})`,
    }));
    if (!options.length) options.push(make("option", {value: "", textContent: "No patient yet"}));
    select.replaceChildren(...options);
    select.disabled = !patients.length;
  }
  select.value = page.patientId === null ? "" : String(page.patientId);
}

/** Enable the time controls unless the clock is moving; the day of recovery needs a selected patient. */
function renderTimeControls() {
  for (const control of document.querySelectorAll("#time-travel button, #time-travel input")) {
    control.disabled = page.travelling || (control.form !== null && page.patientId === null);
  }
  document.getElementById("travelling").hidden = !page.travelling;
}

/** Render the whole state: clock, top bar, patients and the three chats. */
function render(state) {
  page.state = state;
  document.getElementById("clock").textContent = state.clock.label;
  document.getElementById("clock").dateTime = state.clock.iso;
  document.getElementById("load-demo").hidden = !state.demo_offered;
  renderPatients(state.patients);
  const patient = state.patients.find((each) => each.user_id === page.patientId);
  const day = patient ? (state.clock.day_of_recovery || {})[String(patient.user_id)] : undefined;
  document.getElementById("recovery-day-now").textContent =
    patient && day !== undefined && day !== null ? `${patient.name}: day ${day} of recovery` : "";
  renderTimeControls();
  views.patient.setTarget(patient ? {chatId: patient.user_id, userId: patient.user_id} : null,
    patient ? `${patient.name}'s chat with the bot` : "No patient selected");
  views.patient.render(patient ? state.chats[String(patient.user_id)] : null);
  const staff = state.staff || {user_id: STAFF_USER, name: "Dr Lee", chat_id: GROUP_CHAT, title: "Clinic staff"};
  const groupChat = state.chats[String(staff.chat_id)];
  views.group.setTarget({chatId: staff.chat_id, userId: staff.user_id}, staff.title);
  views.group.subtitle.textContent = ` · you are ${staff.name}`;
  views.group.render(groupChat || null);
  views.doctor.setTarget({chatId: staff.user_id, userId: staff.user_id}, `${staff.name}'s chat with the bot`);
  views.doctor.render(state.chats[String(staff.user_id)] || null);
  document.querySelector("#tab-doctor .tab-title").textContent = `${staff.name} (private)`;
}

/** Keep the page up to date: long-poll the state, re-rendering whenever its version moves. */
async function poll() {
  const status = document.getElementById("connection");
  let version = null;
  for (;;) {
    try {
      const query = version === null ? "" : `?after=${version}`;
      const state = await api(`/api/state${query}`);
      status.textContent = "";
      if (state.version !== version) {
        version = state.version;
        render(state);
      }
    } catch {
      status.textContent = "The playground is not answering: is `python -m bot playground` still running? Retrying…";
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

/** Move the playground's clock (the bot's rounds run for each hour passed), then show where it landed. */
async function travel(body) {
  page.travelling = true;
  renderTimeControls();
  const answer = await guarded(() => api("/api/clock", body));
  page.travelling = false;
  renderTimeControls();
  if (answer && answer.label) toast(`Clinic time is now ${answer.label}.`);
}

/** Wire the top bar, the patient picker, the new-patient form and the clinic tabs. */
function wire() {
  document.getElementById("to-tomorrow").addEventListener("click", () => travel({to: "tomorrow_0959"}));
  document.getElementById("plus-hour").addEventListener("click", () => travel({to: "plus_hour"}));
  document.getElementById("plus-day").addEventListener("click", () => travel({to: "plus_day"}));
  document.getElementById("recovery-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const day = Number(document.getElementById("recovery-day").value);
    if (page.patientId !== null) travel({to: "recovery_day", user_id: page.patientId, day});
  });
  const demo = document.getElementById("load-demo");
  demo.addEventListener("click", async () => {
    demo.disabled = true;
    toast("Loading the demo: a few patients are onboarding and checking in…");
    await guarded(() => api("/api/demo", {}));
    demo.disabled = false;
  });
  const resetDialog = document.getElementById("reset-dialog");
  document.getElementById("reset").addEventListener("click", () => resetDialog.showModal());
  resetDialog.addEventListener("close", async () => {
    if (resetDialog.returnValue !== "reset") return;
    page.patientId = null;
    if (await guarded(() => api("/api/reset", {}))) toast("The playground starts afresh.");
  });
  document.getElementById("patient-select").addEventListener("change", (event) => {
    page.patientId = event.target.value ? Number(event.target.value) : null;
    if (page.state) render(page.state);
    views.patient.scrollToBottom();
  });
  const form = document.getElementById("new-patient-form");
  const opener = document.getElementById("new-patient");
  const showForm = (shown) => {
    form.hidden = !shown;
    opener.setAttribute("aria-expanded", String(shown));
    if (shown) document.getElementById("new-name").focus();
    else opener.focus();
  };
  opener.addEventListener("click", () => showForm(form.hidden));
  document.getElementById("new-cancel").addEventListener("click", () => showForm(false));
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") showForm(false);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = document.getElementById("new-name").value.trim();
    const language = document.getElementById("new-language").value;
    if (!name) return;
    const created = await guarded(() => api("/api/patients", {name, language}));
    if (!created) return;
    page.patientId = created.user_id;
    form.reset();
    showForm(false);
    await guarded(() => api("/api/send", {chat_id: created.user_id, user_id: created.user_id, text: "/start"}));
  });
  const tabs = ["group", "doctor"];
  for (const tab of tabs) {
    const button = document.getElementById(`tab-${tab}`);
    button.addEventListener("click", () => selectClinicTab(tab));
    button.addEventListener("keydown", (event) => {
      const step = {ArrowRight: 1, ArrowLeft: -1}[event.key];
      if (step === undefined) return;
      event.preventDefault();
      selectClinicTab(tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length], true);
    });
  }
}

wire();
poll();
