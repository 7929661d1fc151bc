// The sandbox page: loads /api/state, renders it, and reloads it whenever /api/events says the
// sandbox changed. Buttons and the composer call the sandbox's JSON endpoints, which send the
// bot the same signed requests Slack would. Text is only ever set through textContent.
"use strict";

(function () {
  const { blocks, mrkdwn, el, inputValues } = window.BlockKit;
  const $ = (id) => document.getElementById(id);
  const USER_KEY = "aig-sandbox-user";
  const page = {
    me: localStorage.getItem(USER_KEY) || "U0DANA",
    view: "channel",
    state: null,
    rendered: new Map(), // timeline key -> {signature, node}
    loading: false,
    again: false,
    live: false,
  };

  async function call(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: page.me, ...body }),
    });
    let answer = {};
    try { answer = await response.json(); } catch (_) { answer = {}; }
    if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
    if (answer.error) throw new Error(explain(answer.error));
    return answer;
  }

  function explain(error) {
    const known = {
      operation_timeout: "operation_timeout: the bot did not answer within 3 s",
      dispatch_failed: "dispatch_failed: the bot could not be reached or answered an error",
    };
    return known[error] || error;
  }

  function toast(text, isError) {
    const node = $("toast");
    node.textContent = text;
    node.classList.toggle("error", Boolean(isError));
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { node.hidden = true; }, 6000);
  }

  // One load at a time; changes that arrive meanwhile trigger one more.
  async function refresh() {
    if (page.loading) { page.again = true; return; }
    page.loading = true;
    try {
      const response = await fetch(`/api/state?user=${encodeURIComponent(page.me)}`);
      if (response.ok) render(await response.json());
    } catch (_) {
      setLive(false);
    } finally {
      page.loading = false;
      if (page.again) { page.again = false; refresh(); }
    }
  }

  function context(state) {
    const channels = {};
    state.channels.forEach((c) => { channels[c.id] = c.name; });
    return { users: state.users, channels };
  }

  function render(state) {
    page.state = state;
    document.body.dataset.version = String(state.version);
    $("team").textContent = state.team;
    renderPicker(state);
    renderChannels(state);
    const channelName = (state.channels.find((c) => c.id === state.channel) || {}).name;
    const home = page.view === "home";
    $("title").textContent = home ? `🤖 ${state.bot.name}` : `# ${channelName || state.channel}`;
    $("subtitle").textContent = home ? "App Home" : "AI Gateway samples to rate with 👍 / 👎";
    $("messages").hidden = home;
    $("composer").hidden = home;
    $("home").hidden = !home;
    $("open-home").classList.toggle("active", home);
    renderTimeline(state);
    renderHome(state);
    renderModal(state);
    renderActivity(state);
  }

  function renderPicker(state) {
    const picker = $("user-picker");
    const wanted = state.teammates.map((t) => t.id).join(",");
    if (picker.dataset.ids !== wanted) {
      picker.replaceChildren(...state.teammates.map((t) => {
        const option = el("option", "", `@${t.name} (${t.id})`);
        option.value = t.id;
        return option;
      }));
      picker.dataset.ids = wanted;
    }
    picker.value = state.me;
  }

  function renderChannels(state) {
    const list = $("channels");
    list.replaceChildren(...state.channels.map((c) => {
      const item = el("li");
      const link = el("button", "nav-item", `# ${c.name}`);
      link.type = "button";
      link.classList.toggle("active", page.view === "channel" && c.id === state.channel);
      link.addEventListener("click", () => { page.view = "channel"; render(page.state); });
      item.append(link);
      return item;
    }));
  }

  function renderTimeline(state) {
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const ctx = context(state);
    const seen = new Set();
    const first = page.rendered.size === 0;
    state.timeline.forEach((item) => {
      const key = `${item.kind}:${item.ts}`;
      const signature = JSON.stringify([item.edits, item.text, item.blocks, ctx.users]);
      seen.add(key);
      let entry = page.rendered.get(key);
      if (!entry || entry.signature !== signature) {
        const node = message(item, state, ctx);
        if (entry) {
          node.classList.add("updated");
          entry.node.replaceWith(node);
        } else if (!first) {
          node.classList.add("arrived");
        }
        entry = { signature, node };
        page.rendered.set(key, entry);
      }
      box.append(entry.node); // appending an existing node moves it into timeline order
    });
    for (const [key, entry] of page.rendered) {
      if (!seen.has(key)) { entry.node.remove(); page.rendered.delete(key); }
    }
    let empty = box.querySelector(".empty");
    if (state.timeline.length === 0 && !empty) {
      empty = el("div", "empty");
      empty.append(el("p", "", "No messages yet."));
      empty.append(el("p", "", "Type /aig sample 2 below: the bot samples two AI Gateway logs and posts them here with 👍 / 👎 buttons."));
      box.append(empty);
    } else if (state.timeline.length > 0 && empty) {
      empty.remove();
    }
    if (atBottom || first) box.scrollTop = box.scrollHeight;
  }

  function message(item, state, ctx) {
    const ephemeral = item.kind === "ephemeral";
    const node = el("article", ephemeral ? "msg ephemeral" : "msg");
    node.dataset.ts = item.ts;
    node.dataset.kind = item.kind;
    const name = item.is_bot ? state.bot.name : (state.users[item.user] || item.user);
    const avatar = el("div", item.is_bot ? "avatar bot" : "avatar", item.is_bot ? "AI" : name.slice(0, 1).toUpperCase());
    const body = el("div", "msg-body");
    const meta = el("div", "msg-meta");
    meta.append(el("span", "author", name));
    if (item.is_bot) meta.append(el("span", "app-badge", "APP"));
    const when = new Date(Number(item.ts) * 1000);
    const time = el("time", "msg-time", when.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }));
    time.title = when.toLocaleString();
    meta.append(time);
    if (item.edits > 0) meta.append(el("span", "edited", "(edited)"));
    body.append(meta);
    if (ephemeral) body.append(el("div", "only-you", "👁 Only visible to you"));
    const content = el("div", "msg-content");
    const handlers = {
      ...ctx,
      onButton: (button, node) => click(item, button, node),
    };
    if (item.blocks && item.blocks.length) content.append(blocks(item.blocks, handlers));
    else content.append(mrkdwn(item.text, ctx));
    body.append(content);
    node.append(avatar, body);
    return node;
  }

  async function click(item, button, node) {
    node.disabled = true;
    node.classList.add("pending");
    const label = button.text ? button.text.text : button.action_id;
    try {
      await call("/api/click", {
        ts: item.ts,
        action_id: button.action_id,
        value: button.value,
        label,
        ...(item.kind === "ephemeral" ? { ephemeral_ts: item.ts } : {}),
      });
    } catch (error) {
      toast(`${label}: ${error.message}`, true);
    } finally {
      node.disabled = false;
      node.classList.remove("pending");
    }
  }

  // As in Slack, opening the tab sends the bot `app_home_opened`; a bot without a Home
  // simply publishes nothing, and the tab says so.
  function openHome() {
    call("/api/home/open", {}).catch(() => {});
  }

  function renderHome(state) {
    const box = $("home");
    if (!state.home) {
      box.replaceChildren(el("div", "empty",
        `${state.bot.name} has not published an App Home for you (${state.me}) yet.`));
      return;
    }
    box.replaceChildren(blocks(state.home.blocks, {
      ...context(state),
      onButton: (button) => toast(`${button.text ? button.text.text : button.action_id}: App Home buttons are not sent by the sandbox yet`, true),
    }));
  }

  function renderModal(state) {
    const root = $("modal-root");
    const modal = state.modals[state.modals.length - 1];
    if (!modal) { root.replaceChildren(); return; }
    if (root.dataset.signature === JSON.stringify(modal) && root.firstChild) return;
    root.dataset.signature = JSON.stringify(modal);
    const overlay = el("div", "overlay");
    const dialog = el("div", "modal");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-label", modal.title);
    const head = el("div", "modal-head");
    head.append(el("h2", "", modal.title));
    const body = el("div", "modal-body");
    body.append(blocks(modal.blocks, {
      ...context(state),
      onButton: (button) => toast(`${button.text ? button.text.text : button.action_id}: buttons in modals are not sent by the sandbox yet`, true),
    }));
    const foot = el("div", "modal-foot");
    const close = el("button", "bk-button", modal.close);
    close.type = "button";
    close.addEventListener("click", () => call(`/api/views/${encodeURIComponent(modal.id)}/close`, {})
      .catch((error) => toast(error.message, true)));
    foot.append(close);
    const problem = el("div", "modal-error");
    problem.setAttribute("role", "alert");
    problem.hidden = true;
    if (modal.submit) {
      const submit = el("button", "bk-button primary", modal.submit);
      submit.type = "button";
      submit.addEventListener("click", () => submitModal(modal, dialog, submit));
      foot.append(submit);
    }
    dialog.append(head, body, problem, foot);
    overlay.append(dialog);
    root.replaceChildren(overlay);
  }

  // Submit: Slack sends the bot a `view_submission` with what was filled in. The modal closes,
  // or stays open with the bot's errors under the inputs they name (or the sandbox's refusal).
  async function submitModal(modal, dialog, submit) {
    submit.disabled = true;
    dialog.querySelectorAll(".bk-input-error, .modal-error").forEach((node) => {
      node.textContent = "";
      node.hidden = true;
    });
    const shown = (text) => {
      const problem = dialog.querySelector(".modal-error");
      problem.textContent = text;
      problem.hidden = false;
    };
    try {
      const response = await fetch(`/api/views/${encodeURIComponent(modal.id)}/submit`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user: page.me, inputs: inputValues(dialog) }),
      });
      let answer = {};
      try { answer = await response.json(); } catch (_) { answer = {}; }
      if (!response.ok) { shown(answer.error || `HTTP ${response.status}`); return; }
      if (answer.error) { shown(explain(answer.error)); return; }
      const left = [];
      Object.entries(answer.errors || {}).forEach(([blockId, text]) => {
        const block = [...dialog.querySelectorAll("[data-block-id]")]
          .find((node) => node.dataset.blockId === blockId);
        const slot = block && block.querySelector(".bk-input-error");
        if (slot) { slot.textContent = String(text); slot.hidden = false; } else left.push(String(text));
      });
      if (left.length) shown(left.join(" "));
      if (answer.closed) {
        const root = $("modal-root");
        root.replaceChildren();
        delete root.dataset.signature;
      }
      refresh();
    } catch (error) {
      shown(error.message);
    } finally {
      submit.disabled = false;
    }
  }

  function renderActivity(state) {
    $("gateway-url").textContent = `at ${state.gateway_url} · newest first`;
    const showSlack = $("show-slack").checked;
    const rows = state.activity.filter((row) => showSlack || row.source === "gateway").slice(-200).reverse();
    $("activity").replaceChildren(...rows.map((row) => {
      const item = el("li", `row ${row.source} ${row.ok ? "ok" : "failed"}`);
      const head = el("div", "row-head");
      const [verb, ...rest] = row.title.split(" ");
      head.append(el("span", `verb ${verb.toLowerCase()}`, row.source === "gateway" ? verb : row.source));
      head.append(el("span", "what", row.source === "gateway" ? rest.join(" ") : row.title));
      head.append(el("span", "status", row.status ? String(row.status) : "—"));
      item.append(head);
      if (row.source === "gateway" && row.body !== null) {
        item.append(el("code", "row-body", JSON.stringify(row.body)));
      }
      const stamp = new Date(row.at * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
      const note = el("div", "row-note", row.note ? `${stamp} · ` : stamp);
      // Slack rows quote the card's status line, which is mrkdwn (mentions, emphasis)
      if (row.note) note.append(row.source === "slack" ? mrkdwn(row.note, context(state)) : row.note);
      item.append(note);
      return item;
    }));
  }

  function setLive(on) {
    page.live = on;
    const node = $("live");
    node.textContent = on ? "● live" : "○ reconnecting";
    node.classList.toggle("off", !on);
  }

  function listen() {
    const events = new EventSource("/api/events");
    events.addEventListener("open", () => setLive(true));
    events.addEventListener("change", () => { setLive(true); refresh(); });
    events.addEventListener("error", () => setLive(false)); // EventSource reconnects by itself
    // Should the stream be cut by a proxy, a slow poll keeps the page current anyway.
    setInterval(() => { if (!page.live) refresh(); }, 3000);
  }

  function bind() {
    $("user-picker").addEventListener("change", (event) => {
      page.me = event.target.value;
      localStorage.setItem(USER_KEY, page.me);
      page.rendered.clear();
      $("messages").replaceChildren();
      refresh();
      if (page.view === "home") openHome();
    });
    $("open-home").addEventListener("click", () => {
      page.view = "home";
      if (page.state) render(page.state);
      openHome();
    });
    $("show-slack").addEventListener("change", () => page.state && renderActivity(page.state));
    $("composer").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = $("composer-input");
      const text = input.value.trim();
      if (!text) return;
      $("send").disabled = true;
      try {
        await call("/api/slash", { text });
        input.value = "";
      } catch (error) {
        toast(error.message, true);
      } finally {
        $("send").disabled = false;
        input.focus();
      }
    });
  }

  bind();
  refresh();
  listen();
})();
