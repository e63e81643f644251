// The web chat: a tiny Mattermost client that uses only the standard API, like a real one.
// If the host answers /sandbox/info (the calendar-bot sandbox), a side panel drives the
// sandbox's clock and demo calendar.
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const state = {
    token: sessionStorage.getItem("mm-token") || "",
    peerName: sessionStorage.getItem("mm-peer") || "",
    me: null,
    peer: null,
    channelId: "",
    posts: new Map(), // id -> post
    ws: null,
    wsSeq: 1,
    dialog: null,
    sandbox: null,
    users: new Map(), // id -> user
    clock: null, // the sandbox clock's last answer, and the browser's time when it came
  };
  const T = I18n.t;

  // ---- the API ----------------------------------------------------------------------------

  async function api(method, path, body) {
    const headers = { "X-Requested-With": "XMLHttpRequest" };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    const text = await response.text();
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = { message: text }; }
    }
    if (!response.ok) {
      const error = new Error((data && (data.message || data.error)) || response.statusText);
      error.status = response.status;
      error.data = data;
      throw error;
    }
    return { data: data, headers: response.headers };
  }

  function newId() {
    const chars = "abcdefghijklmnopqrstuvwxyz0123456789";
    let id = "";
    for (let n = 0; n < 26; n += 1) id += chars[Math.floor(Math.random() * chars.length)];
    return id;
  }

  // ---- sign in ----------------------------------------------------------------------------

  async function loadSandboxInfo() {
    try {
      const info = (await api("GET", "/sandbox/info")).data;
      state.sandbox = info;
      $("login-peer").value = info.bot_username || $("login-peer").value;
      const list = $("demo-user-list");
      list.innerHTML = "";
      (info.users || []).forEach(function (user) {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "demo-user";
        button.dataset.username = user.username;
        button.textContent = user.username + " (" + user.locale + ")";
        button.addEventListener("click", function () {
          $("login-username").value = user.username;
          $("login-password").value = user.password;
        });
        const hint = document.createElement("span");
        hint.className = "muted";
        hint.dataset.user = JSON.stringify(user);
        hint.textContent = demoHint(user);
        li.append(button, hint);
        list.append(li);
      });
      $("demo-users").hidden = false;
    } catch (e) {
      state.sandbox = null; // a plain emulator: no side panel
    }
  }

  function demoHint(user) {
    return T("login.demo_hint", {
      password: user.password,
      login: user.caldav_username,
      calendar_password: user.caldav_password,
    });
  }

  // ---- the page's language -----------------------------------------------------------------

  // The signed-in user's Mattermost language, as in the real web app; before sign-in, the
  // switch on the form. Texts drawn by script are drawn again in the new language.
  function useLocale(locale) {
    if (!I18n.setLocale(locale)) return;
    $("login-locale").value = I18n.locale();
    document.querySelectorAll("#demo-user-list .muted").forEach(function (hint) {
      hint.textContent = demoHint(JSON.parse(hint.dataset.user));
    });
    setSocketState($("ws-state").dataset.state);
    state.posts.forEach(function (post) { upsertPost(post); });
    if (state.sandbox && state.me) {
      showClock();
      refreshPanel().catch(function () {});
    }
  }

  async function signIn(event) {
    event.preventDefault();
    $("login-error").hidden = true;
    try {
      const result = await api("POST", "/api/v4/users/login", {
        login_id: $("login-username").value.trim(),
        password: $("login-password").value,
      });
      state.token = result.headers.get("Token") || "";
      state.peerName = $("login-peer").value.trim();
      sessionStorage.setItem("mm-token", state.token);
      sessionStorage.setItem("mm-peer", state.peerName);
      await openChat();
    } catch (e) {
      $("login-error").textContent = e.message;
      $("login-error").hidden = false;
    }
  }

  function signOut() {
    sessionStorage.removeItem("mm-token");
    state.token = "";
    if (state.ws) state.ws.close();
    location.reload();
  }

  // ---- the conversation -------------------------------------------------------------------

  async function openChat() {
    state.me = (await api("GET", "/api/v4/users/me")).data;
    state.peer = (await api("GET", "/api/v4/users/username/" + encodeURIComponent(state.peerName))).data;
    state.users.set(state.me.id, state.me);
    state.users.set(state.peer.id, state.peer);
    const channel = (await api("POST", "/api/v4/channels/direct", [state.me.id, state.peer.id])).data;
    state.channelId = channel.id;
    $("login").hidden = true;
    $("chat").hidden = false;
    $("channel-title").textContent = "@" + state.peer.username;
    showProfile();
    connectSocket();
    await loadPosts();
    if (state.sandbox) {
      $("sandbox-panel").hidden = false;
      await refreshPanel();
      startClock();
    }
    $("message-input").focus();
  }

  // ---- the profile: time zone and language, as in Mattermost's own settings --------------

  function zoneOf(user) {
    const tz = user.timezone || {};
    return tz.useAutomaticTimezone === "true" ? (tz.automaticTimezone || tz.manualTimezone || "")
      : (tz.manualTimezone || tz.automaticTimezone || "");
  }

  function showProfile() {
    useLocale(state.me.locale);
    $("me-name").textContent = "@" + state.me.username + " · " + (state.me.locale || "");
    $("profile-timezone").value = zoneOf(state.me);
    $("profile-locale").value = state.me.locale === "en" ? "en" : "ru";
  }

  async function saveProfile(event) {
    event.preventDefault();
    $("profile-state").textContent = "";
    try {
      state.me = (await api("PUT", "/api/v4/users/me/patch", {
        locale: $("profile-locale").value,
        timezone: {
          useAutomaticTimezone: "false",
          manualTimezone: $("profile-timezone").value.trim(),
          automaticTimezone: "",
        },
      })).data;
      showProfile();
      $("profile-state").textContent = T("profile.saved");
    } catch (e) {
      $("profile-state").textContent = e.message;
    }
  }

  async function loadPosts() {
    const page = (await api("GET", "/api/v4/channels/" + state.channelId + "/posts?per_page=200")).data;
    page.order.slice().reverse().forEach(function (id) { upsertPost(page.posts[id]); });
    scrollDown();
  }

  function scrollDown() {
    const box = $("posts");
    box.scrollTop = box.scrollHeight;
  }

  function upsertPost(post) {
    if (post.channel_id && post.channel_id !== state.channelId) return;
    state.posts.set(post.id, post);
    const existing = document.querySelector('.post[data-post-id="' + post.id + '"]');
    const node = renderPost(post);
    if (existing) {
      existing.replaceWith(node);
    } else {
      const atBottom = $("posts").scrollHeight - $("posts").scrollTop - $("posts").clientHeight < 80;
      $("posts").append(node);
      if (atBottom || post.user_id === (state.me && state.me.id)) scrollDown();
    }
  }

  function removePost(post) {
    const existing = document.querySelector('.post[data-post-id="' + post.id + '"]');
    if (existing) existing.remove();
    state.posts.delete(post.id);
  }

  function authorOf(post) {
    const user = state.users.get(post.user_id);
    return user ? user.username : post.user_id;
  }

  // A time as Mattermost shows it: in the user's own time zone from their profile.
  function formatTime(ms) {
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    const zone = state.me ? zoneOf(state.me) : "";
    try {
      return new Intl.DateTimeFormat(I18n.locale(), zone ? { ...options, timeZone: zone } : options)
        .format(new Date(ms));
    } catch (e) {
      return new Intl.DateTimeFormat(I18n.locale(), options).format(new Date(ms));
    }
  }

  function renderPost(post) {
    const node = document.createElement("article");
    node.className = "post";
    node.dataset.postId = post.id;
    if (state.me && post.user_id === state.me.id) node.classList.add("mine");
    if (post.type === "system_ephemeral") node.classList.add("ephemeral");
    const header = document.createElement("div");
    header.className = "post-header";
    const author = document.createElement("strong");
    author.className = "post-author";
    author.textContent = authorOf(post);
    const when = document.createElement("span");
    when.className = "muted";
    when.textContent = formatTime(post.create_at) +
      (post.edit_at ? " " + T("post.edited") : "") +
      (post.type === "system_ephemeral" ? " " + T("post.ephemeral") : "");
    header.append(author, " ", when);
    if (post.props && post.props.from_bot === "true") {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = T("post.bot");
      header.append(" ", badge);
    }
    const body = document.createElement("div");
    body.className = "post-message markdown";
    body.innerHTML = Markdown.render(post.message || "");
    node.append(header, body);
    const attachments = (post.props && post.props.attachments) || [];
    attachments.forEach(function (attachment) { node.append(renderAttachment(post, attachment)); });
    return node;
  }

  function renderAttachment(post, attachment) {
    const box = document.createElement("div");
    box.className = "attachment";
    if (attachment.color && attachment.color[0] === "#") box.style.borderLeftColor = attachment.color;
    if (attachment.pretext) {
      const pre = document.createElement("div");
      pre.className = "markdown";
      pre.innerHTML = Markdown.render(attachment.pretext);
      box.append(pre);
    }
    if (attachment.title) {
      const title = document.createElement("div");
      title.className = "attachment-title";
      if (attachment.title_link && Markdown.isUrlSafe(attachment.title_link)) {
        const link = document.createElement("a");
        link.href = attachment.title_link;
        link.target = "_blank";
        link.rel = "noreferrer";
        link.textContent = attachment.title;
        title.append(link);
      } else {
        title.innerHTML = Markdown.title(attachment.title);
      }
      box.append(title);
    }
    if (attachment.text) {
      const text = document.createElement("div");
      text.className = "attachment-text markdown";
      text.innerHTML = Markdown.render(attachment.text);
      box.append(text);
    }
    if (attachment.fields && attachment.fields.length) {
      const fields = document.createElement("div");
      fields.className = "attachment-fields";
      attachment.fields.forEach(function (field) {
        const f = document.createElement("div");
        f.className = field.short ? "field short" : "field";
        // The web app shows a field's title as plain text and its value as Markdown.
        const caption = document.createElement("strong");
        caption.className = "field-title";
        caption.textContent = String(field.title || "");
        const value = document.createElement("div");
        value.className = "markdown";
        value.innerHTML = Markdown.render(String(field.value || ""));
        f.append(caption, value);
        fields.append(f);
      });
      box.append(fields);
    }
    const actions = attachment.actions || [];
    if (actions.length) {
      const row = document.createElement("div");
      row.className = "attachment-actions";
      actions.forEach(function (action) { row.append(renderAction(post, action)); });
      box.append(row);
    }
    return box;
  }

  function renderAction(post, action) {
    if (action.type === "select") {
      const select = document.createElement("select");
      select.className = "action-select";
      select.dataset.actionId = action.id;
      const placeholder = document.createElement("option");
      placeholder.value = "";
      placeholder.textContent = action.name || T("post.select");
      placeholder.disabled = true;
      placeholder.selected = true;
      select.append(placeholder);
      (action.options || []).forEach(function (option) {
        const o = document.createElement("option");
        o.value = option.value;
        o.textContent = option.text;
        select.append(o);
      });
      select.addEventListener("change", function () {
        doAction(post, action, { selected_option: select.value }, select);
      });
      return select;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "action-button" + (action.style ? " style-" + action.style : "");
    button.dataset.actionId = action.id;
    button.textContent = action.name;
    button.addEventListener("click", function () { doAction(post, action, {}, button); });
    return button;
  }

  async function doAction(post, action, body, control) {
    control.disabled = true;
    try {
      await api("POST", "/api/v4/posts/" + post.id + "/actions/" + action.id, body);
    } catch (e) {
      showEphemeral(T("post.action_failed", { error: e.message }));
    } finally {
      control.disabled = false;
    }
  }

  function showEphemeral(text) {
    upsertPost({
      id: "local-" + newId(),
      channel_id: state.channelId,
      user_id: "system",
      message: text,
      create_at: Date.now(),
      type: "system_ephemeral",
      props: {},
    });
  }

  async function send(event) {
    event.preventDefault();
    const input = $("message-input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    try {
      if (text.startsWith("/")) {
        await api("POST", "/api/v4/commands/execute", { channel_id: state.channelId, command: text });
      } else {
        const post = (await api("POST", "/api/v4/posts", {
          channel_id: state.channelId,
          message: text,
          pending_post_id: state.me.id + ":" + Date.now(),
        })).data;
        upsertPost(post);
      }
    } catch (e) {
      showEphemeral(T("post.send_failed", { error: e.message }));
    }
  }

  // ---- the WebSocket ----------------------------------------------------------------------

  function setSocketState(name) {
    $("ws-state").dataset.state = name;
    $("ws-state").textContent = T("ws." + name);
    $("ws-state").classList.toggle("ok", name === "live");
  }

  function connectSocket() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v4/websocket";
    const ws = new WebSocket(url);
    state.ws = ws;
    ws.addEventListener("open", function () {
      ws.send(JSON.stringify({ seq: state.wsSeq++, action: "authentication_challenge", data: { token: state.token } }));
    });
    ws.addEventListener("message", function (message) {
      let frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      if (frame.event === "hello") setSocketState("live");
      else if (frame.event) onEvent(frame);
    });
    ws.addEventListener("close", function () {
      setSocketState("reconnecting");
      if (state.token && state.ws === ws) {
        setTimeout(function () {
          connectSocket();
          loadPosts().catch(function () {});
        }, 1000);
      }
    });
  }

  function onEvent(frame) {
    const data = frame.data || {};
    if (frame.event === "posted" || frame.event === "post_edited" || frame.event === "ephemeral_message") {
      upsertPost(JSON.parse(data.post));
      if (state.sandbox) schedulePanelRefresh();
    } else if (frame.event === "post_deleted") {
      removePost(JSON.parse(data.post));
    } else if (frame.event === "open_dialog") {
      openDialog(JSON.parse(data.dialog));
    } else if (frame.event === "user_updated") {
      const user = data.user || {};
      if (state.me && user.id === state.me.id) {
        state.me = user;
        showProfile();
      }
    }
  }

  // ---- interactive dialogs ----------------------------------------------------------------

  function fieldInput(element) {
    let input;
    if (element.type === "textarea") {
      input = document.createElement("textarea");
      input.rows = 4;
    } else if (element.type === "select" || element.type === "radio") {
      input = document.createElement("select");
      if (element.optional || !element.default) {
        const empty = document.createElement("option");
        empty.value = "";
        empty.textContent = element.placeholder || "—";
        input.append(empty);
      }
      (element.options || []).forEach(function (option) {
        const o = document.createElement("option");
        o.value = option.value;
        o.textContent = option.text;
        input.append(o);
      });
    } else if (element.type === "bool") {
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = element.default === "true" || element.default === true;
      return input;
    } else {
      input = document.createElement("input");
      const subtypes = { email: "email", password: "password", number: "number", tel: "tel", url: "url" };
      input.type = subtypes[element.subtype] || "text";
    }
    if (element.default !== undefined && element.default !== null) input.value = String(element.default);
    if (element.placeholder && input.tagName !== "SELECT") input.placeholder = element.placeholder;
    if (element.max_length) input.maxLength = element.max_length;
    return input;
  }

  function openDialog(request) {
    const dialog = request.dialog || {};
    state.dialog = request;
    $("dialog-title").textContent = dialog.title || "";
    $("dialog-intro").innerHTML = Markdown.render(dialog.introduction_text || "");
    $("dialog-submit").textContent = dialog.submit_label || T("dialog.submit");
    $("dialog-error").hidden = true;
    const fields = $("dialog-fields");
    fields.innerHTML = "";
    (dialog.elements || []).forEach(function (element) {
      const wrap = document.createElement("div");
      wrap.className = "dialog-field";
      wrap.dataset.name = element.name;
      const label = document.createElement("label");
      label.textContent = element.display_name + (element.optional ? " " + T("dialog.optional") : "");
      const input = fieldInput(element);
      input.name = element.name;
      input.dataset.type = element.type;
      label.append(input);
      wrap.append(label);
      if (element.help_text) {
        const help = document.createElement("div");
        help.className = "help markdown";
        help.innerHTML = Markdown.render(element.help_text);
        wrap.append(help);
      }
      const error = document.createElement("div");
      error.className = "field-error error";
      error.hidden = true;
      wrap.append(error);
      fields.append(wrap);
    });
    $("dialog-backdrop").hidden = false;
    const first = fields.querySelector("input:not([type=checkbox]):not([value]), input, textarea, select");
    if (first) first.focus();
  }

  function closeDialog() {
    $("dialog-backdrop").hidden = true;
    state.dialog = null;
  }

  async function submitDialog(cancelled) {
    const request = state.dialog;
    if (!request) return;
    const dialog = request.dialog || {};
    const submission = {};
    let missing = false;
    document.querySelectorAll("#dialog-fields .dialog-field").forEach(function (wrap) {
      const input = wrap.querySelector("input, textarea, select");
      const element = (dialog.elements || []).find(function (e) { return e.name === wrap.dataset.name; }) || {};
      const error = wrap.querySelector(".field-error");
      error.hidden = true;
      let value;
      if (element.type === "bool") value = input.checked;
      else if (element.subtype === "number" && input.value !== "") value = Number(input.value);
      else value = input.value;
      if (!cancelled && !element.optional && (value === "" || value === undefined)) {
        error.textContent = T("dialog.required");
        error.hidden = false;
        missing = true;
      }
      if (value !== "") submission[wrap.dataset.name] = value;
    });
    if (missing) return;
    if (cancelled && !dialog.notify_on_cancel) {
      closeDialog();
      return;
    }
    $("dialog-submit").disabled = true;
    try {
      const answer = (await api("POST", "/api/v4/actions/dialogs/submit", {
        url: request.url,
        callback_id: dialog.callback_id || "",
        state: dialog.state || "",
        channel_id: state.channelId,
        team_id: "",
        submission: cancelled ? {} : submission,
        cancelled: Boolean(cancelled),
      })).data || {};
      if (cancelled) {
        closeDialog();
        return;
      }
      const errors = answer.errors || {};
      let shown = false;
      Object.keys(errors).forEach(function (name) {
        const wrap = document.querySelector('#dialog-fields .dialog-field[data-name="' + CSS.escape(name) + '"]');
        if (wrap) {
          const error = wrap.querySelector(".field-error");
          error.textContent = errors[name];
          error.hidden = false;
          shown = true;
        }
      });
      if (answer.error) {
        $("dialog-error").textContent = answer.error;
        $("dialog-error").hidden = false;
        shown = true;
      }
      if (!shown) closeDialog();
    } catch (e) {
      $("dialog-error").textContent = e.message;
      $("dialog-error").hidden = false;
    } finally {
      $("dialog-submit").disabled = false;
    }
  }

  // ---- the sandbox panel ------------------------------------------------------------------

  let panelTimer = null;
  function schedulePanelRefresh() {
    clearTimeout(panelTimer);
    panelTimer = setTimeout(function () { refreshPanel().catch(function () {}); }, 300);
  }

  function showPanelError(message) {
    $("panel-error").textContent = message || "";
    $("panel-error").hidden = !message;
  }

  function formatLocal(iso) {
    return iso.length > 10 ? iso.slice(0, 16).replace("T", " ") : iso;
  }

  // ---- the sandbox clock: the panel shows the sandbox's time, never the browser's ---------
  // The sandbox clock runs in real time from wherever fast-forward left it, so between two
  // answers of /sandbox/clock the page counts on from the last one; it asks again every few
  // seconds, so a fast-forward made anywhere (another tab, a script) shows within seconds.

  const CLOCK_SYNC_MS = 3000;
  let clockTimer = null;
  let clockTicker = null;

  function sandboxNow() {
    if (!state.clock) return null;
    return new Date(state.clock.nowMs + (Date.now() - state.clock.receivedAt));
  }

  // The sandbox's zone (the demo calendar's): the panel's events and form use it too.
  function wallClock(moment, zone) {
    const parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(moment).forEach(function (part) { parts[part.type] = part.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute;
  }

  function showClock() {
    const now = sandboxNow();
    if (!now) return;
    const zone = state.clock.zone;
    const label = new Intl.DateTimeFormat(I18n.locale(), {
      timeZone: zone, weekday: "short", day: "numeric", month: "short",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(now);
    const node = $("clock-now");
    node.textContent = label + " (" + zone + ")";
    node.dataset.now = now.toISOString();
    node.dataset.local = wallClock(now, zone);
    // The add-event form starts at the next half hour of the sandbox's day, until edited.
    const start = $("event-start");
    if (!start.dataset.edited) {
      const next = new Date(Math.ceil(now.getTime() / 1800000) * 1800000);
      start.value = wallClock(next, zone);
    }
  }

  async function refreshClock() {
    const clock = (await api("GET", "/sandbox/clock")).data;
    state.clock = { nowMs: Date.parse(clock.now), receivedAt: Date.now(), zone: clock.zone };
    showClock();
  }

  function startClock() {
    clearInterval(clockTicker);
    clearInterval(clockTimer);
    clockTicker = setInterval(showClock, 1000);
    clockTimer = setInterval(function () { refreshClock().catch(function () {}); }, CLOCK_SYNC_MS);
  }

  async function refreshPanel() {
    await refreshClock();
    const events = (await api("GET", "/sandbox/events")).data.events;
    const list = $("events");
    list.innerHTML = "";
    events.forEach(function (event) {
      const li = document.createElement("li");
      li.className = "panel-event";
      li.dataset.href = event.href;
      li.dataset.summary = event.summary;
      const title = document.createElement("div");
      title.innerHTML = "<strong></strong> <span class='muted'></span>";
      title.querySelector("strong").textContent = event.summary;
      title.querySelector("span").textContent =
        (event.all_day ? event.start + " " + T("panel.all_day") : formatLocal(event.start)) +
        (event.recurring ? " · " + T("panel.repeats") : "") + " · " + event.calendar;
      li.append(title);
      const row = document.createElement("div");
      row.className = "row";
      if (!event.recurring) {
        const move = document.createElement("button");
        move.type = "button";
        move.className = "event-move";
        // An all-day event moves by a day: an hour would leave its date as it was.
        move.textContent = T(event.all_day ? "panel.move_day" : "panel.move");
        move.addEventListener("click", function () {
          panelAction("/sandbox/events/move", { href: event.href, minutes: event.all_day ? 1440 : 60 });
        });
        row.append(move);
      }
      const cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "event-cancel";
      cancel.textContent = T("panel.cancel");
      cancel.addEventListener("click", function () {
        panelAction("/sandbox/events/cancel", { href: event.href });
      });
      row.append(cancel);
      li.append(row);
      list.append(li);
    });
  }

  async function panelAction(path, body) {
    showPanelError("");
    try {
      await api("POST", path, body);
      await refreshPanel();
    } catch (e) {
      showPanelError(e.message);
    }
  }

  async function advance(minutes) {
    showPanelError("");
    try {
      await api("POST", "/sandbox/clock", { advance_minutes: minutes });
      await refreshClock();
    } catch (e) {
      showPanelError(e.message);
    }
  }

  // ---- wiring -----------------------------------------------------------------------------

  $("login-form").addEventListener("submit", signIn);
  $("logout").addEventListener("click", signOut);
  $("profile-form").addEventListener("submit", saveProfile);
  $("composer").addEventListener("submit", send);
  $("message-input").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) send(event);
  });
  $("dialog").addEventListener("submit", function (event) {
    event.preventDefault();
    submitDialog(false);
  });
  $("dialog-cancel").addEventListener("click", function () { submitDialog(true); });
  document.querySelectorAll("[data-advance]").forEach(function (button) {
    button.addEventListener("click", function () { advance(Number(button.dataset.advance)); });
  });
  $("advance-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const minutes = parseInt($("advance-minutes").value, 10);
    if (minutes > 0) advance(minutes);
  });
  $("add-event").addEventListener("submit", function (event) {
    event.preventDefault();
    panelAction("/sandbox/events", {
      summary: $("event-summary").value,
      start: $("event-start").value,
      minutes: parseInt($("event-minutes").value, 10) || 30,
    }).then(function () {
      $("event-summary").value = "";
      delete $("event-start").dataset.edited;
      showClock();
    });
  });
  $("event-start").addEventListener("input", function () { $("event-start").dataset.edited = "1"; });
  $("login-locale").addEventListener("change", function () {
    sessionStorage.setItem("mm-page-locale", $("login-locale").value);
    useLocale($("login-locale").value);
  });
  I18n.setLocale(sessionStorage.getItem("mm-page-locale") || navigator.language);
  $("login-locale").value = I18n.locale();
  setSocketState("offline");

  loadSandboxInfo().then(function () {
    if (state.token && state.peerName) {
      openChat().catch(function () {
        sessionStorage.removeItem("mm-token");
        state.token = "";
      });
    }
  });
})();
