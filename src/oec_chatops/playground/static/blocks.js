// Block Kit and mrkdwn to DOM, the way Slack shows them (the parts the bot uses, and a bit more).
// Everything is built with DOM nodes and textContent, never innerHTML: message text is data.

const EMOJI = {
  arrows_counterclockwise: "🔄", bell: "🔔", no_bell: "🔕", grey_question: "❔",
  heavy_multiplication_x: "✖️", heavy_check_mark: "✔️", hourglass: "⌛",
  hourglass_flowing_sand: "⏳", information_source: "ℹ️", leftwards_arrow_with_hook: "↩️",
  lock: "🔒", mag: "🔍", no_entry: "⛔", no_entry_sign: "🚫", pause_button: "⏸️",
  robot_face: "🤖", rocket: "🚀", rotating_light: "🚨", sparkles: "✨", warning: "⚠️",
  wastebasket: "🗑️", wave: "👋", white_check_mark: "✅", x: "❌", tada: "🎉", eyes: "👀",
  fire: "🔥", "+1": "👍", thumbsup: "👍", hammer_and_wrench: "🛠️", gear: "⚙️", clock3: "🕒",
  stopwatch: "⏱️", arrow_up: "⬆️", desktop_computer: "🖥️", floppy_disk: "💾",
};
// Status circles are drawn, not typed: they read the same on machines without an emoji font.
const DOTS = {
  large_green_circle: "green", red_circle: "red", large_yellow_circle: "yellow",
  large_orange_circle: "orange", white_circle: "white", black_circle: "black",
  large_blue_circle: "blue", large_purple_circle: "purple",
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// Slack escapes &, < and > in mrkdwn; everything shown as text is unescaped once.
function unescapeSlack(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emoji(name) {
  if (DOTS[name]) {
    const dot = el("span", `dot dot-${DOTS[name]}`);
    dot.title = `:${name}:`;
    return dot;
  }
  if (EMOJI[name]) {
    const span = el("span", "emoji", EMOJI[name]);
    span.title = `:${name}:`;
    return span;
  }
  return document.createTextNode(`:${name}:`);
}

function slackDate(unix, format, fallback) {
  const when = new Date(Number(unix) * 1000);
  if (Number.isNaN(when.getTime())) return fallback;
  const date = when.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  const time = when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return format
    .replace(/\{date_short_pretty\}|\{date_pretty\}|\{date_long_pretty\}|\{date_short\}|\{date\}|\{date_long\}/g, date)
    .replace(/\{time_secs\}|\{time\}/g, time);
}

// `<...>`: links, mentions, channels, dates, special mentions.
function angle(inner, ctx) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return mentionChip(`@${(ctx.names && ctx.names[id]) || label || id}`, id === ctx.me);
  }
  if (target.startsWith("#")) {
    return mentionChip(`#${label || target.slice(1)}`, false);
  }
  if (target.startsWith("!subteam^")) {
    const id = target.slice("!subteam^".length);
    const handle = label || `@${(ctx.groups && ctx.groups[id]) || id}`;
    return mentionChip(handle.startsWith("@") ? handle : `@${handle}`, false);
  }
  if (target.startsWith("!date^")) {
    const [, unix, format] = target.split("^");
    const span = el("span", "date", slackDate(unix, format || "{date_short_pretty} {time}", label || ""));
    span.title = unescapeSlack(label || "");
    return span;
  }
  if (target.startsWith("!")) {
    return mentionChip(`@${label || target.slice(1)}`, true);
  }
  const url = unescapeSlack(target);
  const a = el("a", "link", unescapeSlack(label || target));
  if (/^(https?:|mailto:)/i.test(url)) {
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
  }
  return a;
}

function splitOnce(text, sep) {
  const at = text.indexOf(sep);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

function mentionChip(text, highlight) {
  return el("span", highlight ? "mention mention-me" : "mention", text);
}

// Inline mrkdwn: code, <...>, :emoji:, *bold*, _italic_, ~strike~ (nested, except inside code).
const INLINE = new RegExp(
  [
    "`([^`\\n]+)`",
    "<([^<>\\n]+)>",
    ":([a-z0-9_+\\-]+):",
    "(?<![\\w*])\\*(?!\\s)([^*\\n]+?)(?<!\\s)\\*(?![\\w*])",
    "(?<![\\w_])_(?!\\s)([^_\\n]+?)(?<!\\s)_(?![\\w_])",
    "(?<![\\w~])~(?!\\s)([^~\\n]+?)(?<!\\s)~(?![\\w~])",
  ].join("|"),
  "g",
);

function inline(text, ctx, into) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) into.append(unescapeSlack(text.slice(last, match.index)));
    const [whole, code, link, name, bold, italic, strike] = match;
    if (code !== undefined) into.append(el("code", "", unescapeSlack(code)));
    else if (link !== undefined) into.append(angle(link, ctx));
    else if (name !== undefined) into.append(emoji(name));
    else {
      const tag = bold !== undefined ? "b" : italic !== undefined ? "i" : "s";
      const node = el(tag);
      inline(bold ?? italic ?? strike, ctx, node);
      into.append(node);
    }
    last = match.index + whole.length;
  }
  if (last < text.length) into.append(unescapeSlack(text.slice(last)));
}

// Block-level mrkdwn: ``` fences become <pre>; lines starting with `>` (sent raw or as `&gt;`,
// with or without a space after it, as Slack accepts them) become quotes; the rest is inline.
const QUOTE = /^(?:>|&gt;) ?/;
export function mrkdwn(text, ctx, className = "mrkdwn") {
  const root = el("div", className);
  const parts = String(text ?? "").split("```");
  parts.forEach((part, i) => {
    const fenced = i % 2 === 1 && i < parts.length - 1;
    if (fenced) {
      root.append(el("pre", "code-block", unescapeSlack(part.replace(/^\n/, "").replace(/\n$/, ""))));
      return;
    }
    let chunk = i % 2 === 1 ? "```" + part : part;
    if (i > 0) chunk = chunk.replace(/^\n/, ""); // the fence above already broke the line
    if (i < parts.length - 1) chunk = chunk.replace(/\n$/, "");
    if (!chunk) return;
    let quote = null;
    chunk.split("\n").forEach((line, n) => {
      if (QUOTE.test(line)) {
        if (!quote) {
          quote = el("blockquote");
          root.append(quote);
        } else quote.append(document.createElement("br"));
        inline(line.replace(QUOTE, ""), ctx, quote);
        return;
      }
      if (n > 0 && !quote) root.append(document.createElement("br"));
      quote = null;
      inline(line, ctx, root);
    });
  });
  return root;
}

function textObject(obj, ctx, className) {
  if (!obj) return el("span", className);
  if (obj.type === "mrkdwn") return mrkdwn(obj.text, ctx, className);
  return el("div", className, obj.text ?? "");
}

function plainText(obj) {
  return (obj && obj.text) || "";
}

function button(element, ctx, where) {
  const b = el("button", `bk-button${element.style ? ` bk-${element.style}` : ""}`, plainText(element.text));
  b.type = "button";
  b.dataset.actionId = element.action_id || "";
  if (element.url) b.title = element.url;
  b.addEventListener("click", () => ctx.onAction(element, where, b));
  return b;
}

function element(elementJson, ctx, where) {
  switch (elementJson.type) {
    case "button":
      return button(elementJson, ctx, where);
    case "image": {
      const img = el("img", "bk-image-small");
      img.src = elementJson.image_url;
      img.alt = elementJson.alt_text || "";
      return img;
    }
    case "overflow":
    case "static_select":
    case "users_select":
    case "datepicker": {
      const note = el("span", "bk-unsupported", `[${elementJson.type}]`);
      note.title = "The playground does not draw this element.";
      return note;
    }
    default:
      return el("span", "bk-unsupported", `[${elementJson.type}]`);
  }
}

function input(block, ctx) {
  const box = el("label", "bk-input");
  box.dataset.blockId = block.block_id || "";
  const label = el("span", "bk-label", plainText(block.label));
  if (block.optional) label.append(el("span", "bk-optional", " (optional)"));
  box.append(label);
  const spec = block.element || {};
  if (spec.type === "plain_text_input") {
    const field = el(spec.multiline ? "textarea" : "input", "bk-field");
    if (!spec.multiline) field.type = "text";
    field.name = spec.action_id || "";
    field.dataset.blockId = block.block_id || "";
    field.dataset.actionId = spec.action_id || "";
    if (spec.placeholder) field.placeholder = plainText(spec.placeholder);
    if (spec.max_length) field.maxLength = spec.max_length;
    if (spec.initial_value) field.value = spec.initial_value;
    if (!block.optional) field.required = true;
    box.append(field);
  } else {
    box.append(element(spec, ctx, {}));
  }
  if (block.hint) box.append(el("span", "bk-hint", plainText(block.hint)));
  box.append(el("span", "bk-error"));
  return box;
}

function block(b, ctx, where) {
  switch (b.type) {
    case "header":
      return el("div", "bk-header", plainText(b.text));
    case "section": {
      const node = el("div", "bk-section");
      const body = el("div", "bk-section-body");
      if (b.text) body.append(textObject(b.text, ctx, "bk-text"));
      if (b.fields && b.fields.length) {
        const fields = el("div", "bk-fields");
        for (const f of b.fields) fields.append(textObject(f, ctx, "bk-field-text"));
        body.append(fields);
      }
      node.append(body);
      if (b.accessory) {
        const side = el("div", "bk-accessory");
        side.append(b.accessory.type === "image" ? bigImage(b.accessory) : element(b.accessory, ctx, { ...where, block_id: b.block_id }));
        node.append(side);
      }
      return node;
    }
    case "context": {
      const node = el("div", "bk-context");
      for (const item of b.elements || []) {
        node.append(item.type === "image" ? element(item, ctx, where) : textObject(item, ctx, "bk-context-item"));
      }
      return node;
    }
    case "divider":
      return el("hr", "bk-divider");
    case "actions": {
      const node = el("div", "bk-actions");
      for (const e of b.elements || []) node.append(element(e, ctx, { ...where, block_id: b.block_id }));
      return node;
    }
    case "image": {
      const node = el("figure", "bk-image");
      if (b.title) node.append(el("figcaption", "", plainText(b.title)));
      node.append(bigImage(b));
      return node;
    }
    case "input":
      return input(b, ctx);
    case "rich_text":
      return el("div", "bk-unsupported", "[rich_text block]");
    default:
      return el("div", "bk-unsupported", `[${b.type} block]`);
  }
}

function bigImage(b) {
  const img = el("img", "bk-image-full");
  img.src = b.image_url;
  img.alt = b.alt_text || "";
  img.loading = "lazy";
  return img;
}

// A message body: its blocks, or its text when it has none (as Slack falls back).
export function renderBody(item, ctx, where) {
  const root = el("div", "body");
  if (item.blocks && item.blocks.length) {
    for (const b of item.blocks) root.append(block(b, ctx, where));
  } else {
    root.append(mrkdwn(item.text, ctx));
  }
  return root;
}

export function renderBlocks(blocks, ctx, where) {
  const root = el("div", "blocks");
  for (const b of blocks || []) root.append(block(b, ctx, where));
  return root;
}

export { el, plainText };
