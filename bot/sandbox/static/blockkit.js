// Block Kit and mrkdwn rendered with DOM nodes only: every piece of message text reaches the page
// through textContent or an attribute, never through innerHTML, so nothing a message says can
// become markup or script. Covers what the bot sends (header, section with fields, context,
// divider, image, actions with buttons, and input blocks as editable controls) and shows anything
// else as a labelled placeholder.
"use strict";

(function () {
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const SAFE_URL = /^(https?:|mailto:)/i;
  // `code`, <special>, *bold*, _italic_, ~strike~ — the markers only count at word edges, as in
  // Slack, so snake_case_names and 2*3*4 stay as they are.
  const INLINE = new RegExp([
    "`([^`\\n]+)`",
    "<([^<>\\n]+)>",
    "(?<![\\w*])\\*(?!\\s)([^*\\n]+?)(?<!\\s)\\*(?![\\w*])",
    "(?<![\\w_])_(?!\\s)([^_\\n]+?)(?<!\\s)_(?![\\w_])",
    "(?<![\\w~])~(?!\\s)([^~\\n]+?)(?<!\\s)~(?![\\w~])",
  ].join("|"), "g");

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // Slack escapes &, < and > in mrkdwn; show them as the characters they stand for.
  function unescape(text) {
    return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function ordinal(n) {
    const tens = n % 100;
    if (tens >= 11 && tens <= 13) return n + "th";
    return n + ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th");
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  function dayOffset(date) {
    const today = new Date();
    today.setHours(0, 0, 0, 0);
    const day = new Date(date);
    day.setHours(0, 0, 0, 0);
    return Math.round((day - today) / 86400000);
  }

  function pretty(date, otherwise) {
    const offset = dayOffset(date);
    if (offset === 0) return "Today";
    if (offset === -1) return "Yesterday";
    if (offset === 1) return "Tomorrow";
    return otherwise;
  }

  function ago(date) {
    const seconds = Math.round((Date.now() - date.getTime()) / 1000);
    const steps = [[86400, "day"], [3600, "hour"], [60, "minute"]];
    for (const [size, unit] of steps) {
      const n = Math.floor(Math.abs(seconds) / size);
      if (n >= 1) return seconds >= 0 ? `${n} ${unit}${n === 1 ? "" : "s"} ago`
        : `in ${n} ${unit}${n === 1 ? "" : "s"}`;
    }
    return "just now";
  }

  // <!date^1392734382^{date_short_pretty} {time}|fallback>, in the reader's own time zone.
  function formatDate(seconds, template) {
    const date = new Date(seconds * 1000);
    const y = date.getFullYear(), m = date.getMonth(), d = date.getDate();
    const short = `${MONTHS[m].slice(0, 3)} ${d}, ${y}`;
    const long = `${DAYS[date.getDay()]}, ${MONTHS[m]} ${ordinal(d)}, ${y}`;
    const plain = `${MONTHS[m]} ${ordinal(d)}, ${y}`;
    const tokens = {
      date_num: `${y}-${pad(m + 1)}-${pad(d)}`,
      date_slash: `${pad(d)}/${pad(m + 1)}/${y}`,
      date: plain,
      date_short: short,
      date_long: long,
      date_long_full: `${MONTHS[m]} ${d}, ${y}`,
      date_pretty: pretty(date, plain),
      date_short_pretty: pretty(date, short),
      date_long_pretty: pretty(date, long),
      day_divider_pretty: pretty(date, long),
      time: date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }),
      time_secs: date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit", second: "2-digit" }),
      ago: ago(date),
    };
    return template.replace(/\{(\w+)\}/g, (all, name) => (name in tokens ? tokens[name] : all));
  }

  function special(inner, ctx) {
    const [target, label] = splitOnce(inner, "|");
    if (target.startsWith("@U") || target.startsWith("@W")) {
      const id = target.slice(1);
      const name = (ctx.users && ctx.users[id]) || label || id;
      const node = el("span", "mention", "@" + name);
      node.title = id;
      return node;
    }
    if (target.startsWith("#C") || target.startsWith("#G")) {
      const id = target.slice(1);
      const name = label || (ctx.channels && ctx.channels[id]) || id;
      const node = el("span", "mention channel", "#" + unescape(name));
      node.title = id;
      return node;
    }
    if (target.startsWith("!date^")) {
      const parts = target.split("^");
      const seconds = Number(parts[1]);
      const fallback = unescape(label || "");
      const shown = Number.isFinite(seconds) && parts[2] ? formatDate(seconds, parts[2]) : fallback;
      const node = el("time", "date", shown);
      node.title = fallback;
      return node;
    }
    if (target.startsWith("!subteam^")) return el("span", "mention", unescape(label || "@group"));
    if (target.startsWith("!")) return el("span", "mention", "@" + target.slice(1));
    const url = unescape(target);
    if (SAFE_URL.test(url)) {
      const link = el("a", "link", unescape(label || target));
      link.href = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    }
    return document.createTextNode(unescape(label || target));
  }

  function splitOnce(text, separator) {
    const at = text.indexOf(separator);
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  }

  function inline(text, ctx, parent) {
    let last = 0;
    INLINE.lastIndex = 0;
    const matches = [...text.matchAll(INLINE)];
    for (const match of matches) {
      if (match.index > last) parent.append(unescape(text.slice(last, match.index)));
      const [, code, angle, bold, italic, strike] = match;
      if (code !== undefined) parent.append(el("code", "inline-code", unescape(code)));
      else if (angle !== undefined) parent.append(special(angle, ctx));
      else {
        const tag = bold !== undefined ? "b" : italic !== undefined ? "i" : "s";
        const node = el(tag);
        inline(bold ?? italic ?? strike, ctx, node);
        parent.append(node);
      }
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.append(unescape(text.slice(last)));
  }

  function lines(text, ctx, parent) {
    text.split("\n").forEach((line, index) => {
      if (index > 0) parent.append("\n");
      const quote = line.match(/^&gt;\s?(.*)$/);
      if (quote) {
        const node = el("span", "quote");
        inline(quote[1], ctx, node);
        parent.append(node);
      } else {
        inline(line, ctx, parent);
      }
    });
  }

  // mrkdwn text → a fragment: ```preformatted``` blocks first, then lines with inline markup.
  function mrkdwn(text, ctx) {
    const fragment = document.createDocumentFragment();
    const source = String(text ?? "");
    let last = 0;
    for (const match of source.matchAll(/```([\s\S]*?)```/g)) {
      if (match.index > last) lines(source.slice(last, match.index).replace(/\n$/, ""), ctx, fragment);
      fragment.append(el("pre", "pre", unescape(match[1].replace(/^\n/, "").replace(/\n$/, ""))));
      last = match.index + match[0].length;
      if (source[last] === "\n") last += 1;
    }
    if (last < source.length) lines(source.slice(last), ctx, fragment);
    return fragment;
  }

  function textObject(object, ctx, className) {
    const node = el("div", className);
    if (!object) return node;
    if (object.type === "mrkdwn") node.append(mrkdwn(object.text, ctx));
    else node.textContent = String(object.text ?? "");
    return node;
  }

  function button(element, ctx) {
    const node = el("button", "bk-button", element.text ? String(element.text.text ?? "") : "");
    node.type = "button";
    if (element.style === "primary" || element.style === "danger") node.classList.add(element.style);
    node.dataset.actionId = String(element.action_id ?? "");
    if (element.url && SAFE_URL.test(element.url)) node.title = "opens " + element.url;
    node.addEventListener("click", () => ctx.onButton && ctx.onButton(element, node));
    return node;
  }

  function image(element, className) {
    const node = el("img", className);
    node.alt = String(element.alt_text ?? "");
    node.title = node.alt;
    if (SAFE_URL.test(String(element.image_url ?? ""))) node.src = element.image_url;
    node.addEventListener("error", () => node.replaceWith(el("span", "img-missing", "🖼 " + node.alt)));
    return node;
  }

  function element(item, ctx) {
    if (!item || typeof item !== "object") return el("span");
    if (item.type === "button") return button(item, ctx);
    if (item.type === "image") return image(item, "bk-accessory-image");
    return el("span", "bk-unsupported", `[${item.type} — not interactive in the sandbox]`);
  }

  let controls = 0; // names radio groups apart, one per rendered element

  function optionText(option, ctx) {
    const text = option && option.text;
    if (text && text.type === "mrkdwn") return mrkdwn(text.text, ctx);
    return document.createTextNode(text ? String(text.text ?? "") : "");
  }

  function choices(item, ctx, kind) {
    const group = el("div", `bk-choices ${kind}`);
    group.setAttribute("role", kind === "radio" ? "radiogroup" : "group");
    const name = `bk-${kind}-${++controls}`;
    const chosen = new Set(kind === "radio"
      ? [item.initial_option && item.initial_option.value]
      : (item.initial_options || []).map((o) => o && o.value));
    (item.options || []).forEach((option) => {
      const row = el("label", "bk-choice");
      const box = el("input");
      box.type = kind;
      box.name = name;
      box.value = String(option.value ?? "");
      box.checked = chosen.has(option.value);
      row.append(box, optionText(option, ctx));
      group.append(row);
    });
    return group;
  }

  function select(item) {
    const node = el("select", "bk-select");
    const none = el("option", "", item.placeholder ? String(item.placeholder.text ?? "") : "Select an option");
    none.value = "";
    node.append(none);
    const add = (parent, option) => {
      const entry = el("option", "", option.text ? String(option.text.text ?? "") : "");
      entry.value = String(option.value ?? "");
      parent.append(entry);
    };
    (item.options || []).forEach((option) => add(node, option));
    (item.option_groups || []).forEach((group) => {
      const box = el("optgroup");
      box.label = group.label ? String(group.label.text ?? "") : "";
      (group.options || []).forEach((option) => add(box, option));
      node.append(box);
    });
    node.value = item.initial_option ? String(item.initial_option.value ?? "") : "";
    return node;
  }

  function textInput(item) {
    const node = el(item.multiline ? "textarea" : "input", "bk-text-input");
    if (!item.multiline) node.type = "text";
    if (item.multiline) node.rows = 4;
    if (item.placeholder) node.placeholder = String(item.placeholder.text ?? "");
    if (Number.isInteger(item.max_length)) node.maxLength = item.max_length;
    if (item.initial_value !== undefined) node.value = String(item.initial_value ?? "");
    return node;
  }

  // An input block's element as an editable control, tagged with its action_id and type so
  // `inputValues` can read it back; types the sandbox can't fill show as a placeholder.
  function control(item, ctx) {
    if (!item || typeof item !== "object") return el("span");
    const make = {
      plain_text_input: () => textInput(item),
      radio_buttons: () => choices(item, ctx, "radio"),
      checkboxes: () => choices(item, ctx, "checkbox"),
      static_select: () => select(item),
    }[item.type];
    if (!make) return el("span", "bk-unsupported", `[${item.type} — not editable in the sandbox]`);
    const node = make();
    node.dataset.actionId = String(item.action_id ?? "");
    node.dataset.inputType = item.type;
    return node;
  }

  // What was filled in under `root`, by action_id: text, the chosen option's value (or null),
  // or the list of ticked values.
  function inputValues(root) {
    const values = {};
    root.querySelectorAll("[data-input-type]").forEach((node) => {
      const type = node.dataset.inputType;
      let value;
      if (type === "plain_text_input") value = node.value;
      else if (type === "static_select") value = node.value === "" ? null : node.value;
      else {
        const ticked = [...node.querySelectorAll("input:checked")].map((box) => box.value);
        value = type === "checkboxes" ? ticked : (ticked[0] ?? null);
      }
      values[node.dataset.actionId] = value;
    });
    return values;
  }

  function richText(item) {
    if (!item || typeof item !== "object") return "";
    if (typeof item.text === "string") return item.text;
    if (item.type === "user") return "@" + item.user_id;
    if (Array.isArray(item.elements)) return item.elements.map(richText).join("");
    return "";
  }

  const BLOCKS = {
    header(block) { return el("div", "bk-header", block.text ? String(block.text.text ?? "") : ""); },
    divider() { return el("hr", "bk-divider"); },
    section(block, ctx) {
      const node = el("div", "bk-section");
      const body = el("div", "bk-section-body");
      if (block.text) body.append(textObject(block.text, ctx, "bk-text"));
      if (Array.isArray(block.fields)) {
        const fields = el("div", "bk-fields");
        block.fields.forEach((field) => fields.append(textObject(field, ctx, "bk-field")));
        body.append(fields);
      }
      node.append(body);
      if (block.accessory) node.append(element(block.accessory, ctx));
      return node;
    },
    context(block, ctx) {
      const node = el("div", "bk-context");
      (block.elements || []).forEach((item) => {
        node.append(item.type === "image" ? image(item, "bk-context-image")
          : textObject(item, ctx, "bk-context-text"));
      });
      return node;
    },
    image(block) {
      const node = el("figure", "bk-image");
      if (block.title) node.append(el("figcaption", "", String(block.title.text ?? "")));
      node.append(image(block, ""));
      return node;
    },
    actions(block, ctx) {
      const node = el("div", "bk-actions");
      (block.elements || []).forEach((item) => node.append(element(item, ctx)));
      return node;
    },
    input(block, ctx) {
      const node = el("div", "bk-input");
      const label = el("span", "bk-input-label", block.label ? String(block.label.text ?? "") : "");
      if (block.optional) label.append(el("span", "bk-input-optional", " (optional)"));
      node.append(label);
      node.append(control(block.element, ctx));
      if (block.hint) node.append(el("div", "bk-input-hint", String(block.hint.text ?? "")));
      const error = el("div", "bk-input-error");
      error.hidden = true;
      node.append(error);
      return node;
    },
    markdown(block) { return el("div", "bk-markdown", String(block.text ?? "")); },
    rich_text(block) { return el("div", "bk-text", richText(block)); },
  };

  function blocks(list, ctx) {
    const fragment = document.createDocumentFragment();
    (list || []).forEach((block) => {
      const render = block && BLOCKS[block.type];
      const node = render ? render(block, ctx)
        : el("div", "bk-unsupported", `[unsupported block: ${block && block.type}]`);
      if (block && block.block_id) node.dataset.blockId = String(block.block_id);
      fragment.append(node);
    });
    return fragment;
  }

  window.BlockKit = { blocks, mrkdwn, formatDate, el, inputValues };
})();
