// The playground page: draws what the fake Slack holds, sends what the person does.
// State comes from GET /_play/state; a server-sent event per change says "read it again".
// Actions go to /_play/*, where the server signs them and posts them to the bot as Slack would.

import { el, mrkdwn, plainText, renderBlocks, renderBody } from "./blocks.js";

const $ = (id) => document.getElementById(id);

const page = {
  me: sessionStorage.getItem("oec.playground.me"),
  channel: (location.hash !== "#home" && decodeURIComponent(location.hash.slice(1))) || null,
  state: null,
  seen: JSON.parse(sessionStorage.getItem("oec.playground.seen") || "{}"),
  history: [],
  historyAt: 0,
  hintIndex: -1,
  shownView: null,
  faults: null,
  home: location.hash === "#home",
};

// -- talking to the playground server -----------------------------------------------------

async function api(path, body) {
  const options = body === undefined
    ? { headers: { Accept: "application/json" } }
    : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    answer = {};
  }
  if (!response.ok || answer.ok === false) {
    const message = answer.error || answer.detail || answer.message || `HTTP ${response.status}`;
    throw new Error(typeof message === "string" ? message : JSON.stringify(message));
  }
  return answer;
}

let fetching = false;
let again = false;

// Coalesces bursts of changes (a deploy updates its message several times a second).
async function refresh() {
  if (fetching) {
    again = true;
    return;
  }
  fetching = true;
  try {
    do {
      again = false;
      const query = new URLSearchParams();
      if (page.me) query.set("user", page.me);
      if (page.channel) query.set("channel", page.channel);
      try {
        const state = await api(`/_play/state?${query}`);
        render(state);
      } catch (error) {
        if (page.channel || page.me) {
          // A stale channel or person (say, from an old URL): fall back to the defaults.
          page.channel = null;
          page.me = null;
          again = true;
        } else {
          showStatus(`Could not read the workspace: ${error.message}`, "error");
        }
      }
    } while (again);
  } finally {
    fetching = false;
  }
  refreshFaults();
}

// -- drawing ------------------------------------------------------------------------------

function render(state) {
  page.state = state;
  page.me = state.me;
  page.channel = state.channel.id;
  sessionStorage.setItem("oec.playground.me", page.me);
  if (!page.home && decodeURIComponent(location.hash.slice(1)) !== page.channel) {
    history.replaceState(null, "", `#${encodeURIComponent(page.channel)}`);
  }
  const seen = (page.seen[page.me] ||= {});
  seen[page.channel] = state.channel.count;
  sessionStorage.setItem("oec.playground.seen", JSON.stringify(page.seen));

  renderPeople(state);
  renderChannels(state, seen);
  renderHeader(state);
  renderTimeline(state);
  renderHome(state);
  renderView(state);
  renderExamples(state);
  document.body.dataset.me = page.me;
  document.body.dataset.version = String(state.version);
}

function renderPeople(state) {
  const box = $("people");
  const key = JSON.stringify([state.people, state.me]);
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren();
  for (const person of state.people) {
    const b = el("button", "person");
    b.type = "button";
    b.dataset.user = person.id;
    b.setAttribute("aria-pressed", String(person.id === state.me));
    b.title = `Act as ${person.name} (${person.role})`;
    b.append(avatar(person.name, person.id), el("span", "person-name", person.name.split(" ")[0]));
    b.append(el("span", "person-role", person.role));
    b.addEventListener("click", () => switchUser(person.id));
    box.append(b);
  }
}

function renderChannels(state, seen) {
  const channels = $("channels");
  const dms = $("dms");
  channels.replaceChildren();
  dms.replaceChildren();
  for (const c of state.channels) {
    const li = el("li");
    const a = el("a", "channel-link");
    a.href = `#${encodeURIComponent(c.id)}`;
    a.dataset.channel = c.id;
    if (c.id === state.channel.id && !page.home) a.setAttribute("aria-current", "page");
    a.append(el("span", "channel-sigil", c.is_dm ? "●" : c.is_private ? "🔒" : "#"), el("span", "channel-label", c.name));
    if (c.is_archived) a.append(el("span", "tag", "archived"));
    else if (!c.is_member && !c.is_dm) a.append(el("span", "tag", "no bot"));
    const unread = c.count - (seen[c.id] ?? c.count);
    if (unread > 0 && c.id !== state.channel.id) a.append(el("span", "unread", String(unread)));
    a.addEventListener("click", (event) => {
      event.preventDefault();
      switchChannel(c.id);
    });
    li.append(a);
    (c.is_dm ? dms : channels).append(li);
  }
  $("dm-title").hidden = !dms.children.length;
}

function renderHeader(state) {
  const c = state.channel;
  $("channel-name").textContent = c.is_dm ? `@${c.name}` : `#${c.name}`;
  let note = "";
  if (c.is_archived) note = "Archived: nobody can post here, the bot included.";
  else if (!c.is_member && !c.is_dm) note = "The oec app is not in this channel: commands answer you privately, posts fail.";
  $("channel-note").textContent = note;
  const composer = $("composer");
  composer.disabled = c.is_archived;
  $("send").disabled = c.is_archived;
  composer.placeholder = c.is_archived ? "This channel is archived" : `/oec help   (as ${nameOf(state.me)} in ${$("channel-name").textContent})`;
}

function nameOf(userId) {
  return (page.state && page.state.names[userId]) || userId || "someone";
}

function avatar(name, id) {
  const initials = name.split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
  const hue = [...(id || name)].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 360, 7);
  const node = el("span", "avatar", initials);
  node.style.setProperty("--hue", String(hue));
  return node;
}

function timeOf(ts) {
  const when = new Date(Number(ts) * 1000);
  return when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

function actionContext(state) {
  return { names: state.names, groups: state.groups, me: state.me, onAction };
}

// Keyed by kind and ts: unchanged messages keep their DOM nodes (and scroll position);
// a changed one is rebuilt in place and flashes, as an edited Slack message changes in place.
function renderTimeline(state) {
  const list = $("timeline");
  const scroller = $("scroller");
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 60;
  const channelChanged = list.dataset.channel !== state.channel.id || list.dataset.me !== state.me;
  if (channelChanged) list.replaceChildren();
  list.dataset.channel = state.channel.id;
  list.dataset.me = state.me;

  const existing = new Map([...list.children].map((node) => [node.dataset.key, node]));
  const ctx = actionContext(state);
  let previous = null;
  for (const item of state.timeline) {
    const key = `${item.kind}:${item.ts}`;
    const signature = JSON.stringify(item);
    let node = existing.get(key);
    if (!node || node.dataset.signature !== signature) {
      const fresh = renderItem(item, ctx, state.channel.id);
      fresh.dataset.key = key;
      fresh.dataset.signature = signature;
      if (node) {
        node.replaceWith(fresh);
        fresh.classList.add("flash");
      } else if (!channelChanged) {
        fresh.classList.add("arrive");
      }
      node = fresh;
    }
    existing.delete(key);
    const want = previous ? previous.nextSibling : list.firstChild;
    if (want !== node) list.insertBefore(node, want);
    previous = node;
  }
  for (const gone of existing.values()) gone.remove();
  $("empty").hidden = state.timeline.length > 0;
  if (atBottom || channelChanged) scroller.scrollTop = scroller.scrollHeight;
}

function renderItem(item, ctx, channelId) {
  const li = el("li", `msg msg-${item.kind}`);
  li.dataset.ts = item.ts;
  li.dataset.kind = item.kind;
  li.append(renderMessage(item, ctx, channelId));
  if (item.replies.length) {
    const thread = el("ol", "thread");
    thread.append(el("li", "thread-label", `${item.replies.length} ${item.replies.length === 1 ? "reply" : "replies"}`));
    for (const reply of item.replies) {
      const r = el("li", `msg msg-reply msg-${reply.kind}`);
      r.dataset.ts = reply.ts;
      r.dataset.kind = reply.kind;
      r.append(renderMessage(reply, ctx, channelId));
      thread.append(r);
    }
    li.append(thread);
  }
  return li;
}

function renderMessage(item, ctx, channelId) {
  const row = el("div", "msg-row");
  const author = item.kind === "ephemeral" || item.is_bot ? ctx.names[page.state.bot.id] || "oec" : nameOf(item.user);
  const authorId = item.kind === "ephemeral" || item.is_bot ? page.state.bot.id : item.user;
  row.append(item.is_bot ? botAvatar() : avatar(author, authorId));
  const main = el("div", "msg-main");
  const meta = el("div", "msg-meta");
  meta.append(el("span", "msg-author", author));
  if (item.is_bot) meta.append(el("span", "app-badge", "APP"));
  meta.append(el("time", "msg-time", timeOf(item.ts)));
  if (item.edits) meta.append(el("span", "msg-edited", "(edited)"));
  main.append(meta);
  if (item.kind === "ephemeral") main.append(el("div", "only-you", "👁 Only visible to you"));
  main.append(renderBody(item, ctx, { channel: channelId, ts: item.ts, ephemeral: item.kind === "ephemeral" }));
  row.append(main);
  return row;
}

function botAvatar() {
  const node = el("span", "avatar avatar-bot", "oec");
  return node;
}

// The app's Home tab: what the bot last published for this person, in place of the channel.
function renderHome(state) {
  const box = $("home");
  document.body.dataset.home = String(page.home);
  box.hidden = !page.home;
  $("timeline").hidden = page.home;
  $("composer-form").style.display = page.home ? "none" : "";
  $("home-link").setAttribute("aria-current", page.home ? "page" : "false");
  if (!page.home) return;
  $("empty").hidden = true;
  $("channel-name").textContent = "oec Home";
  $("channel-note").textContent = state.home ? "" : "Opening…";
  const key = JSON.stringify([state.me, state.home]);
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren(state.home ? renderBlocks(state.home.blocks, actionContext(state), { home: true }) : el("p", "", "The app has not drawn your Home yet."));
}

async function openHome() {
  page.home = true;
  history.replaceState(null, "", "#home");
  if (page.state) renderHome(page.state);
  try {
    await api("/_play/home", { user: page.me });
  } catch (error) {
    showStatus(error.message, "error");
  }
  refresh();
}

// -- clicks, confirms and modals ----------------------------------------------------------

async function onAction(element, where, buttonNode) {
  if (element.url) window.open(element.url, "_blank", "noopener");
  if (element.confirm && !(await confirmWith(element.confirm, ctxNow()))) return;
  buttonNode.disabled = true;
  buttonNode.classList.add("busy");
  try {
    if (where.home) {
      await api("/_play/home/click", { user: page.me, block_id: where.block_id, action_id: element.action_id });
    } else {
      await api("/_play/click", {
        user: page.me,
        channel: where.channel,
        ts: where.ts,
        action_id: element.action_id,
        ephemeral: Boolean(where.ephemeral),
      });
    }
    showStatus(`${nameOf(page.me)} clicked “${plainText(element.text)}”.`);
  } catch (error) {
    showStatus(error.message, "error");
  } finally {
    buttonNode.disabled = false;
    buttonNode.classList.remove("busy");
  }
}

function ctxNow() {
  return actionContext(page.state);
}

function confirmWith(confirm, ctx) {
  const dialog = $("confirm");
  $("confirm-title").textContent = plainText(confirm.title) || "Are you sure?";
  const text = confirm.text || {};
  $("confirm-text").replaceChildren(text.type === "mrkdwn" ? mrkdwn(text.text, ctx) : el("p", "", text.text || ""));
  $("confirm-ok").textContent = plainText(confirm.confirm) || "Yes";
  $("confirm-ok").className = `bk-button ${confirm.style === "danger" ? "bk-danger" : "bk-primary"}`;
  $("confirm-deny").textContent = plainText(confirm.deny) || "Cancel";
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true });
  });
}

function renderView(state) {
  const dialog = $("modal");
  const opened = state.view;
  if (!opened) {
    if (dialog.open) dialog.close();
    page.shownView = null;
    return;
  }
  const key = JSON.stringify(opened);
  if (page.shownView === key && dialog.open) return;
  page.shownView = key;
  const view = opened.view;
  dialog.dataset.viewId = opened.id;
  $("modal-title").textContent = plainText(view.title);
  $("modal-body").replaceChildren(renderBlocks(view.blocks, actionContext(state), {}));
  $("modal-error").textContent = "";
  $("modal-submit").textContent = plainText(view.submit) || "Submit";
  $("modal-submit").hidden = !view.submit;
  $("modal-close").textContent = plainText(view.close) || "Cancel";
  if (!dialog.open) dialog.showModal();
  const first = dialog.querySelector(".bk-field");
  if (first) first.focus();
}

function modalValues() {
  const values = {};
  for (const field of $("modal-body").querySelectorAll(".bk-field")) {
    const block = (values[field.dataset.blockId] ||= {});
    block[field.dataset.actionId] = { type: "plain_text_input", value: field.value || null };
  }
  return values;
}

async function submitModal(event) {
  event.preventDefault();
  const dialog = $("modal");
  const submit = $("modal-submit");
  submit.disabled = true;
  try {
    const answer = await api("/_play/submit", { user: page.me, view_id: dialog.dataset.viewId, values: modalValues() });
    if (answer.errors) {
      for (const [blockId, message] of Object.entries(answer.errors)) {
        const box = $("modal-body").querySelector(`.bk-input[data-block-id="${CSS.escape(blockId)}"] .bk-error`);
        if (box) box.textContent = message;
      }
    }
  } catch (error) {
    $("modal-error").textContent = error.message;
  } finally {
    submit.disabled = false;
  }
}

async function closeModal() {
  const dialog = $("modal");
  const viewId = dialog.dataset.viewId;
  if (dialog.open) dialog.close();
  page.shownView = null;
  if (viewId) {
    try {
      await api("/_play/close", { view_id: viewId });
    } catch (error) {
      showStatus(error.message, "error");
    }
  }
}

// -- the composer -------------------------------------------------------------------------

async function send(event) {
  event.preventDefault();
  const input = $("composer");
  const text = input.value.trim();
  if (!text) return;
  if (!text.startsWith("/")) {
    showStatus("Type a slash command: /oec help", "error");
    return;
  }
  hideHints();
  page.history.push(text);
  page.historyAt = page.history.length;
  input.value = "";
  renderUsage();
  showStatus(`${nameOf(page.me)} ran ${text}`);
  try {
    await api("/_play/command", { user: page.me, channel: page.channel, text });
  } catch (error) {
    showStatus(`${text}: ${error.message}`, "error");
  }
}

function matchingHints() {
  const value = $("composer").value.trimStart().toLowerCase();
  if (!value.startsWith("/")) return [];
  const words = value.split(/\s+/); // "/oec de" → ["/oec", "de"]; "/oec deploy " → 3 words
  if (words.length > 2) return []; // the verb is typed; its usage line takes over
  const [command, verb = ""] = words;
  return ((page.state && page.state.hints) || []).filter((h) => {
    const [hintCommand, hintVerb] = h.syntax.toLowerCase().split(" ");
    return hintCommand.startsWith(command) && hintVerb.startsWith(verb);
  });
}

function renderHints() {
  const list = $("hints");
  const found = matchingHints();
  if (!found.length || document.activeElement !== $("composer")) {
    hideHints();
    return;
  }
  page.hintIndex = Math.min(page.hintIndex, found.length - 1);
  list.replaceChildren();
  found.forEach((hint, i) => {
    const li = el("li", "hint");
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", String(i === page.hintIndex));
    li.append(el("code", "hint-syntax", hint.syntax), el("span", "hint-summary", hint.summary));
    li.addEventListener("mousedown", (event) => {
      event.preventDefault();
      acceptHint(hint);
    });
    list.append(li);
  });
  list.hidden = false;
}

function hideHints() {
  $("hints").hidden = true;
  page.hintIndex = -1;
}

function acceptHint(hint) {
  const [command, verb] = hint.syntax.split(" ");
  $("composer").value = `${command} ${verb} `;
  hideHints();
  renderUsage();
  $("composer").focus();
}

// Once the verb is typed, its syntax stays under the box as a reminder.
function renderUsage() {
  const typed = /^\s*\S+\s+(\S+)\s/.exec($("composer").value);
  const hints = (page.state && page.state.hints) || [];
  const hint = typed ? hints.find((h) => h.syntax.split(" ")[1] === typed[1].toLowerCase()) : null;
  $("usage").textContent = hint ? `${hint.syntax} — ${hint.summary}` : "";
}

function onComposerKey(event) {
  const list = $("hints");
  const found = list.hidden ? [] : matchingHints();
  if (found.length && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    page.hintIndex = (page.hintIndex + step + found.length) % found.length;
    renderHints();
    return;
  }
  if (found.length && (event.key === "Tab" || (event.key === "Enter" && page.hintIndex >= 0))) {
    event.preventDefault();
    acceptHint(found[Math.max(0, page.hintIndex)]);
    return;
  }
  if (event.key === "Escape") {
    hideHints();
    return;
  }
  if (list.hidden && (event.key === "ArrowUp" || event.key === "ArrowDown") && page.history.length) {
    event.preventDefault();
    const step = event.key === "ArrowUp" ? -1 : 1;
    page.historyAt = Math.max(0, Math.min(page.history.length, page.historyAt + step));
    $("composer").value = page.history[page.historyAt] || "";
  }
}

function renderExamples(state) {
  const box = $("examples");
  if (box.dataset.ready) return;
  box.dataset.ready = "1";
  for (const example of state.examples) {
    const chip = el("button", "example", example);
    chip.type = "button";
    chip.title = "Put this command in the box";
    chip.addEventListener("click", () => {
      $("composer").value = example;
      renderUsage();
      $("composer").focus();
    });
    box.append(chip);
  }
}

let statusTimer = null;

function showStatus(text, kind = "info") {
  const status = $("status");
  status.textContent = text;
  status.dataset.kind = kind;
  clearTimeout(statusTimer);
  if (kind !== "error") statusTimer = setTimeout(() => (status.textContent = ""), 6000);
}

// -- people and channels ------------------------------------------------------------------

function switchUser(userId) {
  if (userId === page.me) return;
  page.me = userId;
  closeDialogsQuietly();
  showStatus(`You are now ${nameOf(userId)}.`);
  if (page.home) openHome();
  else refresh();
}

function switchChannel(channelId) {
  if (channelId === "home") return;
  if (channelId === page.channel && !page.home) return;
  page.home = false;
  page.channel = channelId;
  history.replaceState(null, "", `#${encodeURIComponent(channelId)}`);
  refresh();
}

function closeDialogsQuietly() {
  for (const id of ["confirm", "modal"]) if ($(id).open) $(id).close();
  page.shownView = null;
}

// -- faults -------------------------------------------------------------------------------

const FAULTS = {
  fail: () => ({ fail_next_deploys: ((page.faults && page.faults.fail_next_deploys) || 0) + 1 }),
  slow: () => ({ latency_ms: page.faults && page.faults.latency_ms ? 0 : 2000 }),
  ratelimit: () => ({ force_429: 3 }),
};

async function onFault(event) {
  const kind = event.currentTarget.dataset.fault;
  try {
    page.faults = kind === "reset"
      ? (await api("/_play/sim/reset", {}), await api("/_play/sim/faults"))
      : await api("/_play/sim/faults", FAULTS[kind]());
    renderFaults();
  } catch (error) {
    showStatus(`Faults: ${error.message}`, "error");
  }
}

let faultsAt = 0;

async function refreshFaults() {
  if (Date.now() - faultsAt < 1000) return;
  faultsAt = Date.now();
  try {
    page.faults = await api("/_play/sim/faults");
    renderFaults();
  } catch {
    $("fault-state").replaceChildren(el("li", "fault-off", "simulator not connected"));
  }
}

function renderFaults() {
  const f = page.faults || {};
  const active = [];
  if (f.fail_next_deploys) active.push(`next ${f.fail_next_deploys} deploy${f.fail_next_deploys > 1 ? "s" : ""} will fail`);
  if (f.latency_ms) active.push(`every API answer waits ${f.latency_ms / 1000} s`);
  if (f.force_429) active.push(`next ${f.force_429} request${f.force_429 > 1 ? "s" : ""} get 429`);
  if (f.error_next) active.push(`next ${f.error_next} requests get 5xx`);
  if (f.error_rate) active.push(`${Math.round(f.error_rate * 100)}% of requests get 5xx`);
  const list = $("fault-state");
  list.replaceChildren(...(active.length ? active.map((a) => el("li", "fault-on", a)) : [el("li", "fault-off", "oec.sh is behaving")]));
  document.querySelector('[data-fault="slow"]').setAttribute("aria-pressed", String(Boolean(f.latency_ms)));
}

// -- the live feed ------------------------------------------------------------------------

function connectFeed() {
  const live = $("live");
  const feed = new EventSource("/_play/events");
  const onChange = () => refresh();
  feed.addEventListener("hello", () => {
    live.textContent = "live";
    live.dataset.state = "on";
    refresh();
  });
  feed.addEventListener("change", onChange);
  feed.addEventListener("resync", onChange);
  feed.addEventListener("error", () => {
    live.textContent = "reconnecting…";
    live.dataset.state = "off";
  });
}

// -- start --------------------------------------------------------------------------------

function start() {
  $("composer-form").addEventListener("submit", send);
  const composer = $("composer");
  composer.addEventListener("input", () => {
    page.hintIndex = -1;
    renderHints();
    renderUsage();
  });
  composer.addEventListener("focus", renderHints);
  composer.addEventListener("blur", () => setTimeout(hideHints, 100));
  composer.addEventListener("keydown", onComposerKey);
  $("modal-form").addEventListener("submit", submitModal);
  $("modal-close").addEventListener("click", closeModal);
  $("modal-x").addEventListener("click", closeModal);
  $("modal").addEventListener("cancel", (event) => {
    event.preventDefault();
    closeModal();
  });
  for (const b of document.querySelectorAll("[data-fault]")) b.addEventListener("click", onFault);
  $("home-link").addEventListener("click", (event) => {
    event.preventDefault();
    openHome();
  });
  window.addEventListener("hashchange", () => switchChannel(decodeURIComponent(location.hash.slice(1))));
  if (page.home) openHome();
  else refresh();
  connectFeed();
  composer.focus();
}

start();
