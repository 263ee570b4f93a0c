// The sandbox chat page: people on the left, the selected person's chat on the right.
// Everything goes through the sandbox's control API; the page keeps no state of its own
// beyond what is on screen.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const STRINGS = window.PAGE_STRINGS;
  const state = {
    lang: pickLanguage(),
    revision: -1,
    now: Date.now() / 1000,
    people: [],
    demoMatches: [],
    commands: {},
    selected: null,
    transcriptKey: "",
    timeTravel: false,
    poll: null,
    busy: 0,
    // What the composer does next: reply to a message, or edit one of the person's texts.
    replyTo: null,
    editing: null,
    messages: [],
  };

  function pickLanguage() {
    const saved = localStorage.getItem("binome-sandbox-lang");
    if (saved === "fr" || saved === "en") return saved;
    return (navigator.language || "en").toLowerCase().startsWith("fr") ? "fr" : "en";
  }

  function t(key, values) {
    let text = (STRINGS[state.lang] || STRINGS.en)[key] || STRINGS.en[key] || key;
    for (const [name, value] of Object.entries(values || {})) {
      text = text.replaceAll("{" + name + "}", value);
    }
    return text;
  }

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-t]").forEach((node) => {
      node.textContent = t(node.dataset.t);
    });
    document.querySelectorAll("[data-tp]").forEach((node) => {
      node.placeholder = t(node.dataset.tp);
    });
    document.querySelectorAll("[data-ta]").forEach((node) => {
      node.title = t(node.dataset.ta);
      node.setAttribute("aria-label", t(node.dataset.ta));
    });
    $("lang").textContent = state.lang === "fr" ? "EN" : "FR";
    renderPeople();
    renderClock();
    state.transcriptKey = "";
    if (state.selected) refreshChat();
  }

  // -- talking to the control API ---------------------------------------------------------

  async function api(method, path, body, signal) {
    const response = await fetch(path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal,
    });
    const data = await response.json().catch(() => ({}));
    if (signal && signal.aborted) throw new DOMException("aborted", "AbortError");
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  async function act(work) {
    state.busy += 1;
    document.body.classList.add("busy");
    try {
      return await work();
    } catch (error) {
      toast(t("error", { message: error.message }));
      return null;
    } finally {
      state.busy -= 1;
      if (!state.busy) document.body.classList.remove("busy");
    }
  }

  function toast(text, seconds) {
    const node = $("toast");
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { node.hidden = true; }, (seconds || 4) * 1000);
  }

  // -- the long poll --------------------------------------------------------------------------

  async function poll() {
    for (;;) {
      state.poll = new AbortController();
      const query = encodeURIComponent($("demo-search").value.trim());
      const wait = state.revision < 0 ? 0 : 20;
      try {
        const data = await api(
          "GET", `/control/people?since=${state.revision}&wait=${wait}&q=${query}`,
          null, state.poll.signal);
        const changed = data.revision !== state.revision;
        state.revision = data.revision;
        state.now = data.now;
        state.people = data.people;
        state.demoMatches = data.demo.matches;
        state.demoCount = data.demo.count;
        state.commands = data.commands;
        state.timeTravel = data.time_travel;
        renderPeople();
        renderClock();
        if (changed && state.selected) await refreshChat();
      } catch (error) {
        if (error.name !== "AbortError") await sleep(1000);
      }
    }
  }

  function repoll() {
    state.revision = -1;
    if (state.poll) state.poll.abort();
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // -- people -------------------------------------------------------------------------------

  function everyone() {
    return [...state.people, ...state.demoMatches];
  }

  function person(id) {
    return everyone().find((p) => p.id === id);
  }

  function renderPeople() {
    const list = $("people");
    list.replaceChildren(...state.people.map(personItem));
    $("people-empty").hidden = state.people.length > 0;
    $("demo").hidden = !state.demoCount;
    $("demo-count").textContent = state.demoCount ? `(${state.demoCount})` : "";
    $("demo-people").replaceChildren(...state.demoMatches.map(personItem));
  }

  function personItem(p) {
    const item = document.createElement("li");
    item.className = "person" + (p.id === state.selected ? " selected" : "");
    item.dataset.id = p.id;
    item.append(avatar(p));
    const text = document.createElement("div");
    text.className = "person-text";
    const name = document.createElement("div");
    name.className = "person-name";
    name.textContent = p.first_name;
    if (p.role) {
      const role = document.createElement("span");
      role.className = "role role-" + p.role;
      role.textContent = t("role_" + p.role);
      name.append(" ", role);
    }
    const last = document.createElement("div");
    last.className = "person-last";
    last.textContent = p.last ? (p.last.from === "user" ? "› " : "") + (p.last.text || "") : `#${p.id}`;
    text.append(name, last);
    item.append(text);
    item.addEventListener("click", () => select(p.id));
    return item;
  }

  function avatar(p) {
    const node = document.createElement("div");
    node.className = "avatar";
    node.textContent = (p.first_name || "?").slice(0, 1).toUpperCase();
    node.style.background = `hsl(${(p.id * 47) % 360} 55% 55%)`;
    return node;
  }

  async function create(role) {
    const names = window.PAGE_NAMES[role];
    const taken = new Set(state.people.map((p) => p.first_name));
    const name = names.find((n) => !taken.has(n)) || names[state.people.length % names.length];
    const user = await act(() => api("POST", "/control/users", {
      first_name: name, language_code: state.lang, role,
      allows_links: !$("no-links").checked,
    }));
    if (user) {
      state.people.push({ ...user, messages: 0, last: null });
      select(user.id);
      repoll();
    }
  }

  function select(id) {
    if (id !== state.selected) clearComposerMode();
    state.selected = id;
    state.transcriptKey = "";
    renderPeople();
    refreshChat();
    $("message").focus();
  }

  // -- the chat ------------------------------------------------------------------------------

  async function refreshChat() {
    const id = state.selected;
    if (id === null) return;
    let transcript;
    try {
      transcript = await api("GET", `/control/users/${id}/transcript`);
    } catch (error) {
      return;
    }
    if (id !== state.selected) return;
    const key = JSON.stringify([transcript.messages, transcript.reply_keyboard,
                                transcript.user, state.lang]);
    if (key === state.transcriptKey) return;
    state.transcriptKey = key;
    renderChat(transcript);
  }

  function renderChat(transcript) {
    const user = transcript.user;
    const known = person(user.id) || user;
    $("chat").classList.add("open");
    $("chat-avatar").replaceWith(Object.assign(avatar(known), { id: "chat-avatar" }));
    $("chat-name").textContent = user.first_name;
    $("chat-sub").textContent = user.blocked ? t("blocked")
      : !user.started ? t("not_started")
      : [known.role ? t("role_" + known.role) : null, `#${user.id}`,
         user.username ? "@" + user.username : null,
         user.allows_links === false ? t("links_forbidden_short") : null,
      ].filter(Boolean).join(" · ");
    state.messages = transcript.messages;

    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const nodes = [];
    let day = "";
    for (const message of transcript.messages) {
      const date = new Date(message.date * 1000);
      const thisDay = date.toLocaleDateString(state.lang, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
      if (thisDay !== day) {
        day = thisDay;
        const separator = document.createElement("div");
        separator.className = "day";
        separator.textContent = thisDay;
        nodes.push(separator);
      }
      nodes.push(bubble(message, user.id));
    }
    box.replaceChildren(...nodes);
    if (atBottom || nodes.length) box.scrollTop = box.scrollHeight;

    const started = user.started || transcript.messages.length > 0;
    $("start-bar").hidden = started || user.blocked;
    $("composer").hidden = !started || user.blocked;
    renderReplyKeyboard(transcript.reply_keyboard);
  }

  function bubble(message, userId) {
    const row = document.createElement("div");
    row.className = "row " + (message.from === "bot" ? "incoming" : "outgoing");
    const node = document.createElement("div");
    node.className = "bubble";
    node.dataset.messageId = message.message_id;
    if (message.forward_origin) node.append(forwardLine(message.forward_origin));
    if (message.reply_to_message) node.append(quote(message.reply_to_message));
    if (message.photo) {
      const image = document.createElement("img");
      image.src = `/control/files/${encodeURIComponent(message.photo.file_id)}`;
      image.alt = "photo";
      image.className = "photo";
      // The picture arrives after the layout: keep the newest message in view.
      image.addEventListener("load", () => {
        const box = $("messages");
        if (box.scrollHeight - box.scrollTop - box.clientHeight < image.height + 120) {
          box.scrollTop = box.scrollHeight;
        }
      });
      node.append(image);
    }
    if (message.document) {
      const link = document.createElement("a");
      link.className = "document";
      link.href = `/control/files/${encodeURIComponent(message.document.file_id)}`;
      link.download = message.document.file_name || "file";
      const name = Object.assign(document.createElement("span"), {
        className: "file-name", textContent: message.document.file_name || t("download") });
      const size = Object.assign(document.createElement("span"), {
        className: "file-size", textContent: fileSize(message.document.file_size) });
      link.append("📄 ", name, " ", size);
      node.append(link);
    }
    if (message.voice) {
      node.classList.add("voice");
      const audio = document.createElement("audio");
      audio.controls = true;
      audio.preload = "none";
      audio.src = `/control/files/${encodeURIComponent(message.voice.file_id)}`;
      const length = Object.assign(document.createElement("span"), {
        className: "voice-length", textContent: duration(message.voice.duration) });
      node.append("🎤 ", audio, length);
    }
    if (message.video_note) {
      const video = document.createElement("video");
      video.className = "video-note";
      video.controls = true;
      video.preload = "none";
      video.src = `/control/files/${encodeURIComponent(message.video_note.file_id)}`;
      node.append(video);
    }
    if (message.location) {
      const { latitude, longitude } = message.location;
      const card = document.createElement("a");
      card.className = "location";
      card.href = `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=15/${latitude}/${longitude}`;
      card.textContent = `📍 ${latitude.toFixed(5)}, ${longitude.toFixed(5)}`;
      card.addEventListener("click", (event) => { event.preventDefault(); openLink(card.href); });
      node.append(card);
    }
    if (message.sticker) {
      node.classList.add("sticker");
      node.append(message.sticker.emoji || "🙂");
    }
    const text = message.text !== null && message.text !== undefined ? message.text : message.caption;
    if (text) {
      const body = document.createElement("div");
      body.className = "text";
      body.append(window.renderFormatted(text, message.entities, handlers));
      node.append(body);
    }
    const meta = document.createElement("span");
    meta.className = "meta";
    const time = new Date(message.date * 1000).toLocaleTimeString(state.lang, { hour: "2-digit", minute: "2-digit" });
    meta.textContent = (message.edited ? t("edited") + " " : "") + time;
    node.append(meta);
    // As in Telegram, the inline keyboard hangs under the bubble, as wide as it.
    const stack = document.createElement("div");
    stack.className = "stack";
    stack.append(node);
    row.append(stack, bubbleActions(message));
    const keyboard = message.reply_markup && message.reply_markup.inline_keyboard;
    if (keyboard && message.from === "bot") {
      const wrap = document.createElement("div");
      wrap.className = "inline-keyboard";
      for (const buttons of keyboard) {
        const line = document.createElement("div");
        line.className = "inline-row";
        for (const button of buttons) line.append(inlineButton(button, message.message_id, userId));
        wrap.append(line);
      }
      stack.append(wrap);
    }
    return row;
  }

  function forwardLine(origin) {
    const line = document.createElement("div");
    line.className = "forwarded";
    const who = origin.type === "user" ? [origin.sender_user.first_name, origin.sender_user.last_name].filter(Boolean).join(" ")
      : origin.type === "hidden_user" ? origin.sender_user_name
      : origin.type === "chat" ? origin.sender_chat.title
      : origin.type === "channel" ? origin.chat.title : "";
    line.textContent = t("forwarded_from", { name: who });
    if (origin.type === "user") {
      line.classList.add("linked");
      line.addEventListener("click", () => select(origin.sender_user.id));
    }
    return line;
  }

  function quote(replied) {
    const box = document.createElement("div");
    box.className = "quote";
    box.dataset.replyTo = replied.message_id;
    const who = Object.assign(document.createElement("div"), {
      className: "quote-from", textContent: replied.from === "bot" ? t("bot_name") : $("chat-name").textContent });
    const what = Object.assign(document.createElement("div"), {
      className: "quote-text", textContent: replied.preview || "…" });
    box.append(who, what);
    box.addEventListener("click", () => {
      const target = document.querySelector(`.bubble[data-message-id="${replied.message_id}"]`);
      if (!target) return;
      target.scrollIntoView({ block: "center", behavior: "smooth" });
      target.classList.add("flash");
      setTimeout(() => target.classList.remove("flash"), 1200);
    });
    return box;
  }

  function bubbleActions(message) {
    const actions = document.createElement("div");
    actions.className = "bubble-actions";
    const reply = Object.assign(document.createElement("button"), {
      type: "button", className: "reply-action", textContent: "↩", title: t("reply") });
    reply.setAttribute("aria-label", t("reply"));
    reply.addEventListener("click", () => startReply(message));
    actions.append(reply);
    if (message.from === "user" && typeof message.text === "string") {
      const edit = Object.assign(document.createElement("button"), {
        type: "button", className: "edit-action", textContent: "✎", title: t("edit") });
      edit.setAttribute("aria-label", t("edit"));
      edit.addEventListener("click", () => startEdit(message));
      actions.append(edit);
    }
    return actions;
  }

  function fileSize(bytes) {
    if (!bytes && bytes !== 0) return "";
    const units = state.lang === "fr" ? ["o", "Ko", "Mo"] : ["B", "KB", "MB"];
    if (bytes < 1024) return `${bytes} ${units[0]}`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toLocaleString(state.lang, { maximumFractionDigits: 1 })} ${units[1]}`;
    return `${(bytes / 1048576).toLocaleString(state.lang, { maximumFractionDigits: 1 })} ${units[2]}`;
  }

  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds || 0));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  // -- replying, editing, files and places -------------------------------------------------

  function preview(message) {
    if (message.text || message.caption) return (message.text || message.caption).split("\n")[0];
    if (message.document) return "📄 " + (message.document.file_name || "");
    if (message.photo) return "🖼";
    if (message.voice) return "🎤";
    if (message.location) return "📍";
    if (message.sticker) return message.sticker.emoji || "🙂";
    return "…";
  }

  function startReply(message) {
    state.editing = null;
    state.replyTo = message.message_id;
    showComposerMode(t("replying_to", { text: preview(message) }));
    $("message").focus();
  }

  function startEdit(message) {
    state.replyTo = null;
    state.editing = message.message_id;
    showComposerMode(t("editing", { text: preview(message) }));
    $("message").value = message.text;
    $("message").focus();
  }

  function showComposerMode(text) {
    $("composer-mode-text").textContent = text;
    $("composer-mode").hidden = false;
  }

  function clearComposerMode() {
    const wasEditing = state.editing !== null;
    state.replyTo = null;
    state.editing = null;
    $("composer-mode").hidden = true;
    if (wasEditing) $("message").value = "";
  }

  async function sendFile(file) {
    const id = state.selected;
    if (id === null || !file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("timeout", "30");
    if (state.replyTo !== null) form.append("reply_to", String(state.replyTo));
    const caption = $("message").value.trim();
    if (caption && state.editing === null) form.append("caption", caption);
    await act(async () => {
      const response = await fetch(`/control/users/${id}/upload`, { method: "POST", body: form });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(data.error || response.statusText);
      if (caption && state.editing === null) $("message").value = "";
      clearComposerMode();
      await refreshChat();
    });
  }

  async function sendLocation() {
    const id = state.selected;
    if (id === null) return;
    const typed = window.prompt(t("location_prompt"), "48.8566, 2.3522");
    if (typed === null) return;
    const parts = typed.split(/[,;\s]+/).filter(Boolean).map(Number);
    if (parts.length !== 2 || parts.some(Number.isNaN)) {
      toast(t("location_invalid"));
      return;
    }
    await act(async () => {
      const body = { latitude: parts[0], longitude: parts[1], timeout: 30 };
      if (state.replyTo !== null) body.reply_to = state.replyTo;
      await api("POST", `/control/users/${id}/location`, body);
      clearComposerMode();
      await refreshChat();
    });
  }

  function inlineButton(button, messageId, userId) {
    const node = document.createElement("button");
    node.type = "button";
    node.className = "inline-button" + (button.url ? " url" : "");
    node.textContent = button.text;
    if (button.callback_data !== undefined) node.dataset.callback = button.callback_data;
    node.addEventListener("click", async () => {
      if (button.url) return openLink(button.url);
      if (button.callback_data === undefined) return;
      const result = await act(async () => {
        const pressed = await api("POST", `/control/users/${userId}/press`, {
          message_id: messageId, data: button.callback_data, timeout: 30,
        });
        await refreshChat();
        return pressed;
      });
      const answer = result && result.answer;
      if (answer && answer.text) {
        if (answer.show_alert) window.alert(answer.text); else toast(answer.text);
      }
      if (answer && answer.url) openLink(answer.url);
    });
    return node;
  }

  const handlers = {
    link: (event, href) => { event.preventDefault(); openLink(href); },
    command: (command) => send(command),
    person: (id) => select(id),
  };

  // tg://user?id=N opens that person's chat here; other links open in a new tab.
  function openLink(url) {
    const match = /^tg:\/\/user\?id=(\d+)/.exec(url);
    if (match) return select(Number(match[1]));
    const openable = /^https?:/i.test(url);
    if (openable && window.confirm(t("open_link", { url }))) {
      window.open(url, "_blank", "noopener");
    }
  }

  function renderReplyKeyboard(markup) {
    const box = $("reply-keyboard");
    if (!markup || !markup.keyboard) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    box.hidden = false;
    box.replaceChildren(...markup.keyboard.map((buttons) => {
      const line = document.createElement("div");
      line.className = "inline-row";
      for (const button of buttons) {
        const label = typeof button === "string" ? button : button.text;
        const node = document.createElement("button");
        node.type = "button";
        node.className = "reply-button";
        node.textContent = label;
        node.addEventListener("click", () => send(label));
        line.append(node);
      }
      return line;
    }));
  }

  // Only what is typed in the composer replies or edits; buttons and commands just send.
  async function send(text, typed) {
    const id = state.selected;
    if (id === null || !text.trim()) return;
    const { replyTo, editing } = typed ? state : { replyTo: null, editing: null };
    if (!typed) $("message").value = "";
    hideCommands();
    const done = await act(async () => {
      if (editing !== null) {
        await api("POST", `/control/users/${id}/edit`, { message_id: editing, text, timeout: 30 });
      } else if (replyTo !== null) {
        await api("POST", `/control/users/${id}/reply`, { text, reply_to: replyTo, timeout: 30 });
      } else {
        await api("POST", `/control/users/${id}/text`, { text, timeout: 30 });
      }
      return true;
    });
    // What the person typed stays in the field when the sandbox refused it.
    if (done && typed) {
      $("message").value = "";
      state.replyTo = null;
      state.editing = null;
      $("composer-mode").hidden = true;
    }
    await refreshChat();
  }

  // -- commands ----------------------------------------------------------------------------

  function commandList() {
    const p = person(state.selected) || {};
    const lang = p.language_code || "";
    return state.commands["chat:" + state.selected] || state.commands[lang] || state.commands[""] || Object.values(state.commands)[0] || [];
  }

  function showCommands(filter) {
    const wanted = (filter || "").toLowerCase();
    const commands = commandList().filter((c) => c.command.startsWith(wanted));
    const box = $("commands");
    if (!commands.length) {
      box.replaceChildren(Object.assign(document.createElement("div"), {
        className: "command-empty", textContent: filter ? "" : t("no_commands") }));
      box.hidden = Boolean(filter);
      return;
    }
    box.replaceChildren(...commands.map((c) => {
      const item = document.createElement("button");
      item.type = "button";
      item.className = "command";
      const name = Object.assign(document.createElement("span"), { className: "command-name", textContent: "/" + c.command });
      const description = Object.assign(document.createElement("span"), { className: "command-description", textContent: c.description });
      item.append(name, description);
      item.addEventListener("click", () => send("/" + c.command));
      return item;
    }));
    box.hidden = false;
  }

  function hideCommands() {
    $("commands").hidden = true;
  }

  function onTyping() {
    const value = $("message").value;
    const match = /^\/(\w*)$/.exec(value);
    if (match) showCommands(match[1]); else hideCommands();
  }

  // -- time travel ---------------------------------------------------------------------------

  function renderClock() {
    const now = new Date(state.now * 1000);
    $("clock").textContent = now.toLocaleString(state.lang, {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit" });
    const input = $("travel-date");
    if (!input.value || document.activeElement !== input) {
      const next = new Date(now.getTime() + 86400000);
      next.setHours(10, 0, 0, 0);
      input.min = localInput(now);
      if (!input.dataset.touched) input.value = localInput(next);
    }
  }

  function localInput(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  async function travel(body) {
    const result = await act(async () => {
      const moved = await api("POST", "/control/time-travel", body);
      state.transcriptKey = "";
      await refreshChat();
      return moved;
    });
    if (!result) return;
    state.now = result.now;
    $("travel-date").dataset.touched = "";
    renderClock();
    const date = new Date(result.now * 1000).toLocaleString(state.lang, {
      dateStyle: "full", timeStyle: "short" });
    const ticked = result.ticked;
    const details = ticked
      ? " " + t("tick_result", { follow_ups: ticked.follow_ups, reminded: ticked.reminded,
                                   expired: ticked.expired, sent: ticked.sent ?? "…" })
      : " " + t("no_time_travel");
    toast(t("time_moved", { date }) + details, 6);
    repoll();
  }

  // -- wiring ------------------------------------------------------------------------------

  function wire() {
    $("new-student").addEventListener("click", () => create("student"));
    $("new-volunteer").addEventListener("click", () => create("volunteer"));
    $("new-staff").addEventListener("click", () => create("staff"));
    $("start").addEventListener("click", () => send("/start"));
    $("attach").addEventListener("click", () => $("file-input").click());
    $("file-input").addEventListener("change", async () => {
      const file = $("file-input").files[0];
      $("file-input").value = "";
      await sendFile(file);
    });
    $("share-location").addEventListener("click", sendLocation);
    $("composer-mode-cancel").addEventListener("click", clearComposerMode);
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      send($("message").value, true);
    });
    $("message").addEventListener("input", onTyping);
    $("message").addEventListener("keydown", (event) => {
      if (event.key === "Escape") { hideCommands(); clearComposerMode(); }
      // Tab completes the first command of the menu, as Telegram does.
      const first = $("commands").querySelector(".command-name");
      if (event.key === "Tab" && !$("commands").hidden && first) {
        event.preventDefault();
        $("message").value = first.textContent;
        onTyping();
      }
    });
    $("menu-button").addEventListener("click", () => {
      if ($("commands").hidden) showCommands(""); else hideCommands();
    });
    $("travel-day").addEventListener("click", () => travel({ days: 1 }));
    $("travel-week").addEventListener("click", () => travel({ days: 7 }));
    $("travel-date").addEventListener("input", () => { $("travel-date").dataset.touched = "1"; });
    $("travel").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = $("travel-date").value;
      if (value) travel({ to: new Date(value).toISOString() });
    });
    $("lang").addEventListener("click", () => {
      state.lang = state.lang === "fr" ? "en" : "fr";
      localStorage.setItem("binome-sandbox-lang", state.lang);
      applyLanguage();
    });
    let searchTimer = null;
    $("demo-search").addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(repoll, 250);
    });
  }

  wire();
  applyLanguage();
  poll();
})();
