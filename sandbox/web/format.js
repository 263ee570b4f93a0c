// Message text with its Telegram entities, as DOM nodes. Only entity types become elements;
// every character of the text is inserted as text, so nothing the bot sends is ever parsed
// as HTML by the browser. Entity offsets count UTF-16 code units, like JavaScript strings.
"use strict";

(function () {
  const SIMPLE = {
    bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code",
    blockquote: "blockquote", expandable_blockquote: "blockquote",
  };
  const SAFE_LINK = /^(https?:|tg:|mailto:|tel:)/i;

  function element(entity, text, handlers) {
    const type = entity.type;
    if (SIMPLE[type]) {
      const node = document.createElement(SIMPLE[type]);
      if (type === "expandable_blockquote") node.className = "expandable";
      return node;
    }
    if (type === "pre") {
      const node = document.createElement("pre");
      if (entity.language) node.dataset.language = entity.language;
      return node;
    }
    if (type === "spoiler") {
      const node = document.createElement("span");
      node.className = "spoiler";
      node.addEventListener("click", () => node.classList.add("revealed"));
      return node;
    }
    if (type === "text_link" || type === "url" || type === "email" || type === "phone_number") {
      let href = type === "text_link" ? entity.url : text;
      if (type === "email") href = "mailto:" + text;
      if (type === "phone_number") href = "tel:" + text;
      if (type === "url" && !/^[a-z]+:/i.test(href)) href = "https://" + href;
      if (!SAFE_LINK.test(href || "")) return document.createElement("span");
      const node = document.createElement("a");
      node.href = href;
      node.target = "_blank";
      node.rel = "noopener noreferrer";
      node.addEventListener("click", (event) => handlers.link(event, href));
      return node;
    }
    if (type === "bot_command") {
      const node = document.createElement("a");
      node.href = "#";
      node.className = "command-link";
      node.addEventListener("click", (event) => {
        event.preventDefault();
        handlers.command(text.split("@")[0]);
      });
      return node;
    }
    if (type === "text_mention" && entity.user) {
      const node = document.createElement("a");
      node.href = "#";
      node.addEventListener("click", (event) => {
        event.preventDefault();
        handlers.person(entity.user.id);
      });
      return node;
    }
    const node = document.createElement("span");
    node.className = "entity-" + type.replace(/[^a-z_]/g, "");
    return node;
  }

  // Entities nest properly (Telegram builds them from well-formed HTML); a partly
  // overlapping one is cut at its parent's end.
  function render(text, entities, start, end, handlers) {
    const fragment = document.createDocumentFragment();
    let position = start;
    let rest = entities.filter((e) => e.offset >= start && e.offset < end);
    while (rest.length) {
      const entity = rest[0];
      const stop = Math.min(end, entity.offset + entity.length);
      if (entity.offset > position) {
        fragment.append(text.slice(position, entity.offset));
      }
      const inner = rest.slice(1).filter((e) => e.offset < stop);
      const node = element(entity, text.slice(entity.offset, stop), handlers);
      node.append(render(text, inner, entity.offset, stop, handlers));
      fragment.append(node);
      position = Math.max(position, stop);
      rest = rest.slice(1).filter((e) => e.offset >= stop);
    }
    if (position < end) fragment.append(text.slice(position, end));
    return fragment;
  }

  window.renderFormatted = function (text, entities, handlers) {
    const sorted = (entities || []).slice().sort(
      (a, b) => a.offset - b.offset || b.length - a.length);
    return render(text || "", sorted, 0, (text || "").length, handlers);
  };
})();
