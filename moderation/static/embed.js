/*
 * The comment section widget (served at /embed.js). Every [data-moderation-article] element
 * gets its article's comments in an open Shadow DOM, so the page's CSS and ours never meet;
 * every [data-moderation-count] element gets a comment count (all in one request).
 * - No framework, no build step, nothing fetched but from this script's own origin.
 * - No user-visible string here: all come from /api/v1/embed/messages in the reader's language.
 * - Text goes in as text. The only HTML is a comment body, sanitized by the server (nh3),
 *   parsed in an inert <template> and filtered again here.
 */
(() => {
  "use strict";

  // The snippet is pasted once per article, but a page may hold it twice (a "related" block,
  // a tag manager...): the first copy renders everything, the others step aside.
  if (window.ModerationEmbed) return;

  const VERSION = "1.0.0";
  // currentScript is only set while this script first runs, even when loaded async.
  const script =
    document.currentScript ||
    Array.from(document.scripts).find((s) => /\/embed\.js(?:[?#]|$)/.test(s.src));
  if (!script || !script.src) return;
  const API = new URL(script.src, location.href).origin + "/api/v1";

  const HTML_NS = "http://www.w3.org/1999/xhtml";
  const REL = "nofollow ugc noopener noreferrer";
  const REASONS = ["spam", "abusive", "off_topic", "other"];
  const STATUS_WAITING = ["pending", "held"]; // held = waiting for a person: still "pending" to the author
  const AUTHOR_KEY = "moderation:author";
  const MAX_TRACKED = 20;

  /* ---------------------------------------------------------------- small helpers */

  /** Build an element; string children become text nodes (never parsed as HTML). */
  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    node.append(...children.filter((c) => c != null));
    return node;
  }

  // localStorage may be missing or throw (privacy modes, sandboxed frames): remembering is a
  // convenience, so every failure just means "nothing remembered".
  const store = {
    get(key) {
      try {
        return JSON.parse(localStorage.getItem(key));
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (value == null) localStorage.removeItem(key);
        else localStorage.setItem(key, JSON.stringify(value));
      } catch {
        /* see above */
      }
    },
  };

  /** Python %-style placeholders as in the catalogs: %(num)d, %(name)s, %%. */
  function format(template, params = {}) {
    return String(template).replace(/%(?:\((\w+)\))?([sd%])/g, (all, name, kind) => {
      if (kind === "%") return "%";
      if (!name || !(name in params)) return all;
      return String(kind === "d" ? Math.trunc(Number(params[name])) : params[name]);
    });
  }

  /** data-lang, else <html lang>, else the browser's; only fr and en exist, fr by default. */
  function pickLang(node) {
    const raw =
      (node && node.getAttribute("data-lang")) ||
      document.documentElement.lang ||
      navigator.language ||
      "";
    return raw.slice(0, 2).toLowerCase() === "en" ? "en" : "fr";
  }

  /** fetch without cookies (the API needs none), JSON body parsed when there is one. */
  async function call(path, options = {}) {
    const response = await fetch(API + path, { credentials: "omit", ...options });
    let body = null;
    if (/json/.test(response.headers.get("Content-Type") || "")) {
      body = await response.json().catch(() => null);
    }
    return { status: response.status, body };
  }

  const enc = encodeURIComponent;

  /* ---------------------------------------------------------------- messages */

  const messagesByLang = new Map();

  /** The catalog for a language, fetched once per page (a failed fetch may be retried). */
  function loadMessages(lang) {
    if (!messagesByLang.has(lang)) {
      const promise = call(`/embed/messages?lang=${lang}`).then((r) => {
        if (r.status !== 200 || !r.body || !r.body.messages) throw new Error(`messages ${r.status}`);
        return r.body;
      });
      promise.catch(() => messagesByLang.delete(lang));
      messagesByLang.set(lang, promise);
    }
    return messagesByLang.get(lang);
  }

  /** A message by key; a missing key shows nothing rather than an untranslated word. */
  function t(catalog, key, params) {
    const text = catalog.messages[key];
    return text == null ? "" : format(text, params);
  }

  function countText(catalog, n) {
    if (!n) return t(catalog, "be_first");
    return t(catalog, n === 1 ? "count_one" : "count_other", { num: n });
  }

  /* ---------------------------------------------------------------- dates */

  const dateFormats = new Map();
  const UNITS = [
    ["year", 31536000],
    ["month", 2592000],
    ["week", 604800],
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
    ["second", 1],
  ];

  /**
   * Intl formatters are slow to build and fast to use: one pair per language. The first one
   * of a page loads the locale data (15-70 ms measured on a cold page), so widgets build
   * theirs while their requests are on the wire.
   */
  function formatsFor(lang) {
    if (!dateFormats.has(lang)) {
      dateFormats.set(lang, {
        rel: new Intl.RelativeTimeFormat(lang, { numeric: "auto" }),
        abs: new Intl.DateTimeFormat(lang, { dateStyle: "long", timeStyle: "short" }),
      });
    }
    return dateFormats.get(lang);
  }

  /** A <time> with a relative date ("il y a 3 heures") and the exact one as its title. */
  function timeElement(lang, iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return null;
    const { rel, abs } = formatsFor(lang);
    // A client clock slightly behind the server must not say "in 3 seconds".
    const seconds = Math.min(0, (date.getTime() - Date.now()) / 1000);
    const [unit, size] = UNITS.find(([, s]) => -seconds >= s) || UNITS[UNITS.length - 1];
    return h("time", { datetime: iso, title: abs.format(date) }, rel.format(Math.round(seconds / size), unit));
  }

  /* ---------------------------------------------------------------- sanitising */

  const ALLOWED_TAGS = new Set("P BR A STRONG EM B I BLOCKQUOTE CODE PRE UL OL LI".split(" "));
  const SAFE_LINK = /^(?:https?:|mailto:)/i;

  /**
   * Defence in depth behind the server's nh3 pass: the body is parsed in a <template> (inert:
   * no script runs, no image loads), then anything outside the server's own allow-list is
   * dropped before the fragment reaches the live document.
   */
  function safeFragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    scrub(template.content);
    return template.content;
  }

  function scrub(parent) {
    for (const node of Array.from(parent.childNodes)) {
      if (node.nodeType === Node.TEXT_NODE) continue;
      if (
        node.nodeType !== Node.ELEMENT_NODE ||
        node.namespaceURI !== HTML_NS ||
        !ALLOWED_TAGS.has(node.tagName)
      ) {
        node.remove();
        continue;
      }
      for (const attr of Array.from(node.attributes)) {
        if (!(node.tagName === "A" && (attr.name === "href" || attr.name === "rel"))) {
          node.removeAttribute(attr.name);
        }
      }
      if (node.tagName === "A") {
        // The URL parser ignores controls and spaces ("java\tscript:"): so does this check.
        const href = (node.getAttribute("href") || "").replace(/[\u0000-\u0020]/g, "");
        if (!SAFE_LINK.test(href)) node.removeAttribute("href");
        node.setAttribute("rel", REL);
      }
      scrub(node);
    }
  }

  /** Plain text typed by the reader, shown as paragraphs (only before the server's copy). */
  function textFragment(text) {
    const fragment = document.createDocumentFragment();
    for (const para of String(text).split(/\n{2,}/)) {
      if (para.trim()) fragment.append(h("p", null, para));
    }
    return fragment;
  }

  /* ---------------------------------------------------------------- theme and styles */

  const COLOR = /^(?:#[0-9a-f]{3,8}|rgba?\([\d\s.,%]{5,40}\)|[a-z]{3,20})$/i;
  const FONT = /^[\p{L}\p{N}\s,'"._-]{1,200}$/u;

  /** Black or white, whichever reads better on the accent (WCAG relative luminance). */
  function onAccent(color) {
    let rgb = null;
    const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color);
    if (hex) {
      const digits = hex[1].length <= 4 ? hex[1].replace(/./g, "$&$&") : hex[1];
      rgb = [0, 2, 4].map((i) => parseInt(digits.slice(i, i + 2), 16));
    } else if (/^rgb/i.test(color)) {
      rgb = (color.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
    }
    if (!rgb || rgb.length < 3) return "#fff";
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05 ? "#fff" : "#000";
  }

  /** data-accent / data-font, if they are plain values, become the theme's custom properties. */
  function applyTheme(box, host) {
    const accent = (host.getAttribute("data-accent") || "").trim();
    const font = (host.getAttribute("data-font") || "").trim();
    const supports = (prop, value) => !window.CSS || CSS.supports(prop, value);
    // Custom properties set through the CSSOM, not a style attribute: a strict CSP allows it.
    if (COLOR.test(accent) && supports("color", accent)) {
      box.style.setProperty("--moderation-accent", accent);
      box.style.setProperty("--moderation-on-accent", onAccent(accent));
    }
    if (FONT.test(font) && supports("font-family", font)) {
      box.style.setProperty("--moderation-font", font);
    }
  }

  // The page's styles stop at the shadow boundary, but inherited values (color, font...) still
  // flow in through the host: .root starts again from `all: initial` and sets its own. Sizes are
  // in em, never rem: rem follows the page's <html> font size.
  const CSS_TEXT = `
:host{all:initial;display:block}
.root{all:initial;display:block;position:relative;
 --accent:var(--moderation-accent,#b3002d);--on-accent:var(--moderation-on-accent,#fff);
 --text:var(--moderation-text,#1f1f1f);--muted:var(--moderation-muted,#595959);--line:#d4d4d4;--bad:#b00020;
 color:var(--text);font-family:var(--moderation-font,system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif);
 font-size:medium;line-height:1.55;overflow-wrap:break-word}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
h2,h3{margin:0;line-height:1.25;font-weight:700}
h2{font-size:1.4em}
h3{font-size:1.15em;margin-bottom:.5em}
p{margin:0}
ol{list-style:none;margin:0;padding:0}
a{color:var(--accent)}
.bar{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.75em;
 border-top:4px solid var(--accent);padding-top:.6em;margin-bottom:.5em}
.sort{display:flex;align-items:center;gap:.5em;font-size:.9em;color:var(--muted)}
.comment{padding:1em 0 0}
.thread>.comment{border-top:1px solid var(--line)}
.comment>article{outline-offset:4px}
.replies{margin:.25em 0 0 .6em;padding-left:1.1em;border-left:2px solid var(--line)}
.meta{display:flex;flex-wrap:wrap;align-items:baseline;gap:.2em .8em;margin-bottom:.3em}
.author{font-weight:700;color:var(--text)}
a.author{color:var(--accent)}
time{color:var(--muted);font-size:.875em}
.body p,.body ul,.body ol,.body pre,.body blockquote{margin:0 0 .6em}
.body ul,.body ol{padding-left:1.5em}
.body ul{list-style:disc}.body ol{list-style:decimal}
.body blockquote{padding-left:.9em;border-left:3px solid var(--line);color:var(--muted)}
.body pre,.body code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
.body pre{white-space:pre-wrap;background:#f4f4f4;padding:.6em}
.actions{display:flex;gap:1.2em;margin-top:.1em}
.link{all:unset;cursor:pointer;color:var(--accent);font-size:.875em;font-weight:600;
 text-decoration:underline;text-underline-offset:.2em;padding:.2em 0}
.link:hover{text-decoration-thickness:2px}
.btn{font:inherit;font-weight:700;cursor:pointer;border:2px solid var(--accent);border-radius:3px;
 padding:.5em 1.1em;background:var(--accent);color:var(--on-accent)}
.btn.alt{background:transparent;color:var(--accent)}
.btn[aria-disabled=true]{opacity:.7;cursor:progress}
.more{margin-top:1em}
.removed-parent{color:var(--muted);font-size:.875em;font-style:italic;margin-bottom:.2em}
.badge{display:inline-block;font-size:.75em;font-weight:700;letter-spacing:.03em;padding:.1em .5em;
 border:1px solid #b58900;border-radius:2px;background:#fff6d5;color:#4d3800}
.own>article{background:#fffbea;padding:.4em .6em;margin:0 -.6em}
.report{margin:.6em 0;padding:.8em 1em;border:1px solid var(--line);background:#fafafa}
fieldset{border:0;margin:0;padding:0;min-width:0}
legend{font-weight:700;padding:0;margin-bottom:.3em}
.choice{display:flex;align-items:center;gap:.5em;padding:.15em 0}
.row{display:flex;flex-wrap:wrap;align-items:center;gap:.8em;margin-top:.8em}
.form{margin-top:1.5em;padding:1.2em;border:1px solid var(--line);background:#fafafa}
.reply-slot .form{margin:.8em 0 .4em}
.note{color:var(--muted);font-size:.875em;margin-bottom:.8em}
.field{margin-bottom:.9em}
.field label{display:block;font-weight:600;margin-bottom:.2em}
input,textarea,select{font:inherit;color:#1f1f1f;background:#fff;border:1px solid #767676;border-radius:3px;
 padding:.45em .6em;width:100%;max-width:100%}
select{width:auto;padding:.25em .4em}
textarea{min-height:8em;resize:vertical}
input[type=checkbox],input[type=radio]{width:1.1em;height:1.1em;margin:0;accent-color:var(--accent);flex:none}
[aria-invalid=true]{border:2px solid var(--bad)}
.error{color:var(--bad);font-size:.9em;font-weight:600;margin-top:.25em}
.summary:not(:empty){color:var(--bad);font-weight:600;border-left:4px solid var(--bad);background:#fff;
 padding:.6em .9em;margin-bottom:1em}
.summary ul{margin:.3em 0 0;padding-left:1.2em;font-weight:400}
.notice:not(:empty){border-left:4px solid #1d6b3a;background:#fff;padding:.6em .9em;margin-bottom:1em}
.list-status:not(:empty){color:var(--muted);padding:.6em 0}
.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
`;

  let sharedSheet = null;

  /** One constructed stylesheet shared by every widget (no <style>: a page CSP may forbid it). */
  function adoptStyles(root) {
    if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
      if (!sharedSheet) {
        sharedSheet = new CSSStyleSheet();
        sharedSheet.replaceSync(CSS_TEXT);
      }
      root.adoptedStyleSheets = [sharedSheet];
    } else {
      root.append(h("style", null, CSS_TEXT));
    }
  }

  /* ---------------------------------------------------------------- the comment section */

  let widgetCount = 0;
  let handoffUsed = false;
  const HANDOFF_PARAM = "moderation_handoff";
  /**
   * The WordPress-style form endpoint sends the reader back with
   * ?moderation_handoff=<id>.<proof>: a single-use proof, valid a few minutes, that lets
   * this page show the reader their own comment once. Anyone can craft or forward such a
   * link, so nothing read from the URL is ever stored, and the parameter is taken out of
   * the address bar at once (a copied link carries no spent proof around).
   */
  const handoffFromUrl = (() => {
    const params = new URLSearchParams(location.search);
    const raw = params.get(HANDOFF_PARAM);
    if (raw == null) return null;
    params.delete(HANDOFF_PARAM);
    try {
      const query = params.toString();
      history.replaceState(history.state, "", location.pathname + (query ? `?${query}` : "") + location.hash);
    } catch {
      /* a sandboxed frame may refuse: the proof is single-use anyway */
    }
    const match = /^([\w-]{8,64})\.(\d{1,12}\.[\w-]{20,100})$/.exec(raw);
    return match ? { id: match[1], proof: match[2] } : null;
  })();

  class Widget {
    constructor(host) {
      this.host = host;
      this.key = host.getAttribute("data-moderation-article");
      this.lang = pickLang(host);
      this.prefix = `m${++widgetCount}-`;
      this.sort = "oldest";
      this.cursor = null;
      this.ticket = 0;
      this.replyTo = null; // {target, button} while the form sits under a comment
      this.nodes = new Map(); // comment id -> {li, depth, slot}
      this.own = new Map(); // own pending comments shown in this page: id -> comment
      this.pendingKey = `moderation:pending:${this.key}`;
      this.formToken = null; // single-use, for this article: fetched when the form is shown
    }

    id(name) {
      return this.prefix + name;
    }

    async start() {
      // Both requests leave first and together (the thread does not wait for the words); the
      // shadow root and the date formatters are built while they travel.
      const requests = Promise.all([
        loadMessages(this.lang).catch(() => null),
        this.fetchPage(null).catch(() => undefined),
        this.refreshFormToken(),
      ]);
      const root = this.host.shadowRoot || this.host.attachShadow({ mode: "open" });
      root.replaceChildren();
      adoptStyles(root);
      this.box = h("section", { class: "root", lang: this.lang, "aria-busy": "true" });
      applyTheme(this.box, this.host);
      root.append(this.box);
      formatsFor(this.lang);
      const [catalog, page] = await requests;
      if (!catalog) {
        // Without the catalog there is no word to show in any language: stay empty.
        this.box.removeAttribute("aria-busy");
        console.warn("moderation: could not load the messages from", API);
        return;
      }
      this.m = catalog;
      this.maxDepth = Number.isInteger(catalog.max_depth) ? catalog.max_depth : 3;
      this.build();
      this.showPage(page, false);
      this.box.removeAttribute("aria-busy");
      this.box.setAttribute("data-ready", "");
      this.restoreOwn();
    }

    /** A fresh form token for this article: the time the form is shown, spent by a post. */
    async refreshFormToken() {
      const r = await call(`/articles/${enc(this.key)}/form-token`).catch(() => null);
      this.formToken = (r && r.status === 200 && r.body && r.body.render_token) || null;
    }

    /** One page of the thread: the page body, null for an unknown article, or a throw. */
    async fetchPage(cursor) {
      const query = `sort=${this.sort}` + (cursor ? `&cursor=${enc(cursor)}` : "");
      const r = await call(`/articles/${enc(this.key)}/comments?${query}`);
      if (r.status === 404) return null; // no comment yet: the first post creates the article
      if (r.status !== 200 || !r.body) throw new Error(`thread ${r.status}`);
      return r.body;
    }

    build() {
      const m = this.m;
      this.box.setAttribute("aria-label", t(m, "section_label"));
      this.heading = h("h2", { id: this.id("count") });
      this.sortSelect = h(
        "select",
        { id: this.id("sort"), onchange: () => this.resort() },
        h("option", { value: "oldest" }, t(m, "sort_oldest")),
        h("option", { value: "newest" }, t(m, "sort_newest")),
      );
      const sortLabel = h("label", { for: this.id("sort") }, t(m, "sort_label"));
      this.sortBox = h("div", { class: "sort" }, sortLabel, this.sortSelect);
      const bar = h("div", { class: "bar" }, this.heading, this.sortBox);
      this.listStatus = h("p", { class: "list-status", role: "status" });
      this.list = h("ol", { class: "thread" });
      this.moreButton = h(
        "button",
        { type: "button", class: "btn alt more", hidden: true, onclick: () => this.loadMore() },
        t(m, "load_more"),
      );
      this.form = this.buildForm();
      this.formHome = h("div", null, this.form);
      this.box.append(bar, this.listStatus, this.list, this.moreButton, this.formHome);
    }

    /** Put a fetched page in the list (append for "load more", replace otherwise). */
    showPage(page, append) {
      const m = this.m;
      if (page === undefined) {
        this.listStatus.textContent = t(m, "load_error");
        if (!append) this.heading.textContent = t(m, "section_label");
        return null;
      }
      this.listStatus.textContent = "";
      const comments = (page && page.comments) || [];
      const total = page ? page.total : 0;
      this.heading.textContent = countText(m, total);
      this.sortBox.hidden = total < 2; // nothing to sort yet
      if (page && page.article && page.article.is_open === false) {
        // Closed articles keep their thread but take no new comment: say so instead.
        this.formHome.replaceChildren(h("p", { class: "closed" }, t(m, "closed")));
      }
      this.cursor = (page && page.next_cursor) || null;
      this.moreButton.hidden = !this.cursor;
      if (!append) {
        this.list.replaceChildren();
        this.nodes.clear();
      }
      // Build off-document, insert once: one layout for the whole page of comments.
      const fragment = document.createDocumentFragment();
      for (const comment of comments) this.renderComment(comment, 0, fragment, null);
      const first = fragment.firstElementChild;
      this.list.append(fragment);
      return first;
    }

    /**
     * One comment and its replies. Replies nest until max_depth; deeper ones are listed at
     * the last level, after their parent. `target` is the comment a reply to this one goes
     * to: itself, or at the last level its parent (the server refuses deeper nesting).
     */
    renderComment(c, depth, into, ancestor) {
      const m = this.m;
      const target = depth < this.maxDepth ? c.id : ancestor;
      const li = h("li", { class: "comment", "data-id": c.id });
      const website = typeof c.website === "string" ? c.website.trim() : "";
      const author = /^https?:\/\//i.test(website)
        ? h("a", { class: "author", href: website, rel: REL }, c.author_name || "")
        : h("span", { class: "author" }, c.author_name || "");
      const meta = h("header", { class: "meta" }, author, timeElement(this.lang, c.created_at));
      // A reply whose parent is not public: said as such, the parent never named.
      const removed = c.parent_removed ? h("p", { class: "removed-parent" }, t(m, "reply_to_removed")) : null;
      const body = h("div", { class: "body" });
      body.append(c.html == null ? textFragment(c.text || "") : safeFragment(c.html));
      const article = h("article", { tabindex: "-1" }, removed, meta, body);
      li.append(article);
      into.append(li);
      const node = { li, depth, slot: null };
      this.nodes.set(c.id, node);

      if (c.pending) {
        li.classList.add("own");
        meta.append(h("span", { class: "badge" }, t(m, "pending_badge")));
      } else {
        const actions = h("div", { class: "actions" });
        const reportSlot = h("div");
        if (target) {
          const reply = h("button", { type: "button", class: "link", "aria-expanded": "false" }, t(m, "reply"));
          reply.addEventListener("click", () => this.toggleReply(c, target, reply));
          actions.append(reply);
        }
        const report = h("button", { type: "button", class: "link", "aria-expanded": "false" }, t(m, "report"));
        report.addEventListener("click", () => this.toggleReport(c, report, reportSlot));
        actions.append(report);
        node.slot = h("div", { class: "reply-slot" });
        article.append(actions, reportSlot, node.slot);
      }

      const replies = c.replies || [];
      if (!replies.length) return li;
      if (depth < this.maxDepth) {
        const ol = h("ol", { class: "replies" });
        li.append(ol);
        for (const reply of replies) this.renderComment(reply, depth + 1, ol, target);
      } else {
        for (const reply of replies) this.renderComment(reply, depth, into, ancestor);
      }
      return li;
    }

    async resort() {
      this.sort = this.sortSelect.value;
      // A newer sort or page request makes any answer still on its way obsolete.
      const ticket = ++this.ticket;
      this.closeReply(false);
      this.listStatus.textContent = t(this.m, "loading");
      const page = await this.fetchPage(null).catch(() => undefined);
      if (ticket !== this.ticket) return;
      this.showPage(page, false);
      this.showOwn();
    }

    async loadMore() {
      const button = this.moreButton;
      if (button.getAttribute("aria-disabled") === "true") return;
      const ticket = this.ticket;
      button.setAttribute("aria-disabled", "true");
      button.textContent = t(this.m, "loading");
      const page = await this.fetchPage(this.cursor).catch(() => undefined);
      button.removeAttribute("aria-disabled");
      button.textContent = t(this.m, "load_more");
      if (ticket !== this.ticket) return;
      const first = this.showPage(page, true);
      this.showOwn(); // own replies to comments of this page
      // The button moves down as comments arrive: take keyboard users to what they asked for.
      if (first) first.querySelector("article").focus();
    }

    /* ------------------------------------------------------------ the form */

    buildForm() {
      const m = this.m;
      this.fields = {};
      const field = (name, label, control, required) => {
        control.id = this.id(name);
        control.name = name;
        if (required) {
          control.required = true;
          control.setAttribute("aria-required", "true");
        }
        const error = h("p", { class: "error", id: this.id(`${name}-error`), hidden: true });
        this.fields[name] = { input: control, error };
        const star = required ? h("span", { "aria-hidden": "true" }, " *") : null;
        return h("div", { class: "field" }, h("label", { for: control.id }, label, star), control, error);
      };
      this.formTitle = h("h3", { id: this.id("form-title") }, t(m, "leave_comment"));
      this.notice = h("p", { class: "notice", role: "status" });
      this.summary = h("div", { class: "summary", role: "alert" });
      this.remember = h("input", { type: "checkbox", id: this.id("remember") });
      this.honeypot = h("input", { name: this.m.honeypot_field || "company", id: this.id("hp"), tabindex: "-1", autocomplete: "off" });
      this.submitButton = h("button", { type: "submit", class: "btn" }, t(m, "submit"));
      this.cancelButton = h(
        "button",
        { type: "button", class: "btn alt", hidden: true, onclick: () => this.closeReply(true) },
        t(m, "cancel_reply"),
      );
      const form = h(
        "form",
        { class: "form", novalidate: true, "aria-labelledby": this.id("form-title"), onsubmit: (e) => this.submit(e) },
        this.formTitle,
        this.notice,
        this.summary,
        h("p", { class: "note" }, t(m, "required_note")),
        field("author_name", t(m, "name"), h("input", { type: "text", autocomplete: "name" }), true),
        field("email", t(m, "email"), h("input", { type: "email", autocomplete: "email" }), true),
        field("website", t(m, "website"), h("input", { type: "url", autocomplete: "url" }), false),
        field("body", t(m, "comment"), h("textarea", { rows: "6" }), true),
        // Bots fill every field; people never see this one (off-screen, out of the tab order).
        h("div", { class: "hp", "aria-hidden": "true" }, h("label", { for: this.honeypot.id }, t(m, "honeypot_label")), this.honeypot),
        h("div", { class: "choice" }, this.remember, h("label", { for: this.remember.id }, t(m, "remember_me"))),
        h("div", { class: "row" }, this.submitButton, this.cancelButton),
      );
      form.id = this.id("form");
      const saved = store.get(AUTHOR_KEY);
      if (saved && typeof saved === "object") {
        this.fields.author_name.input.value = saved.name || "";
        this.fields.email.input.value = saved.email || "";
        this.fields.website.input.value = saved.website || "";
        this.remember.checked = true;
      }
      return form;
    }

    /** Open the form under a comment (or put it back home when that comment's is open). */
    toggleReply(comment, target, button) {
      const wasOpen = this.replyTo && this.replyTo.button === button;
      this.closeReply(false);
      if (wasOpen) {
        button.focus();
        return;
      }
      this.nodes.get(comment.id).slot.append(this.form);
      this.replyTo = { target, button };
      button.setAttribute("aria-expanded", "true");
      this.formTitle.textContent = t(this.m, "reply_to", { name: comment.author_name || "" });
      this.cancelButton.hidden = false;
      this.fields.body.input.focus();
    }

    closeReply(restoreFocus) {
      if (!this.replyTo) return;
      const { button } = this.replyTo;
      this.replyTo = null;
      button.setAttribute("aria-expanded", "false");
      this.formHome.append(this.form); // the same element moves: nothing typed is lost
      this.formTitle.textContent = t(this.m, "leave_comment");
      this.cancelButton.hidden = true;
      if (restoreFocus && button.isConnected) button.focus();
    }

    clearErrors() {
      this.summary.replaceChildren();
      for (const { input, error } of Object.values(this.fields)) {
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
        error.hidden = true;
        error.textContent = "";
      }
    }

    /** Field errors from a 422 problem, next to their fields; the rest in the summary. */
    showErrors(problem) {
      const details = {};
      for (const e of Array.isArray(problem.errors) ? problem.errors : []) {
        if (e && e.field && !(e.field in details)) details[e.field] = String(e.detail || "");
      }
      if (!Object.keys(details).length && problem.fields) Object.assign(details, problem.fields);
      let first = null;
      const others = [];
      for (const [name, detail] of Object.entries(details)) {
        const f = this.fields[name];
        if (!f) {
          others.push(detail);
          continue;
        }
        f.error.textContent = detail;
        f.error.hidden = false;
        f.input.setAttribute("aria-invalid", "true");
        f.input.setAttribute("aria-describedby", f.error.id);
      }
      for (const f of Object.values(this.fields)) {
        if (!first && f.input.hasAttribute("aria-invalid")) first = f.input;
      }
      const summary = [t(this.m, "fix_errors")];
      if (others.length) summary.push(h("ul", null, ...others.map((text) => h("li", null, text))));
      this.summary.append(...summary);
      if (first) first.focus();
    }

    values() {
      const v = {};
      for (const [name, f] of Object.entries(this.fields)) v[name] = f.input.value;
      return v;
    }

    async submit(event) {
      event.preventDefault();
      const m = this.m;
      const button = this.submitButton;
      // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
      if (button.getAttribute("aria-disabled") === "true") return;
      button.setAttribute("aria-disabled", "true");
      button.textContent = t(m, "submitting");
      this.clearErrors();
      this.notice.textContent = "";
      const typed = this.values();
      const data = {
        ...typed,
        article_url: this.host.getAttribute("data-url") || location.href,
        article_title: this.host.getAttribute("data-title") || document.title,
        // The site's HMAC over key, address and title: without it no new article is made.
        article_signature: this.host.getAttribute("data-signature") || "",
        render_token: this.formToken || "",
        [this.honeypot.name]: this.honeypot.value,
      };
      if (this.replyTo) data.parent_id = this.replyTo.target;
      let response = null;
      try {
        response = await call(`/articles/${enc(this.key)}/comments`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept-Language": this.lang },
          body: JSON.stringify(data),
        });
      } catch {
        response = null; // offline, CORS refusal, DNS...: all the reader can do is retry
      } finally {
        button.removeAttribute("aria-disabled");
        button.textContent = t(m, "submit");
      }
      const status = response && response.status;
      const body = (response && response.body) || {};
      if (status === 202 && body.id) {
        this.formToken = null;
        this.refreshFormToken(); // the one sent is spent: the next comment needs its own
        await this.posted(String(body.id), String(body.author_token || ""), typed, data.parent_id || null);
      } else if (status === 422 && (body.errors || body.fields)) {
        this.showErrors(body);
      } else {
        // 403 closed, 404, 429 too fast: the server's title says it best.
        const known = [403, 404, 429].includes(status) && body.title;
        this.summary.append(known ? String(body.title) : t(m, "network_error"));
      }
    }

    async posted(id, token, typed, parentId) {
      if (this.remember.checked) {
        store.set(AUTHOR_KEY, { name: typed.author_name, email: typed.email, website: typed.website });
      } else {
        store.set(AUTHOR_KEY, null);
        for (const name of ["author_name", "email", "website"]) this.fields[name].input.value = "";
      }
      this.fields.body.input.value = "";
      const replyButton = this.replyTo && this.replyTo.button;
      this.closeReply(false);
      this.notice.textContent = t(this.m, "pending_notice");
      this.track(id, token);
      // The server's sanitized copy, so the reader sees exactly what others will see.
      const info = await this.status(id, { token }).catch(() => null);
      const comment = info && info.html != null ? info : {
        id,
        parent_id: parentId,
        author_name: typed.author_name,
        website: typed.website,
        text: typed.body,
        html: null,
        created_at: new Date().toISOString(),
      };
      const li = this.addOwn({ ...comment, parent_id: parentId });
      if (replyButton && li) li.querySelector("article").focus();
    }

    /* ------------------------------------------------------------ own pending comments */

    /**
     * This browser's own comments on this article, each with the author token intake gave
     * it: [{id, token}]. Only what this browser posted itself is ever stored here (entries
     * of the older, id-only format prove nothing any more and are dropped).
     */
    tracked() {
      const items = store.get(this.pendingKey);
      if (!Array.isArray(items)) return [];
      return items.filter((x) => x && typeof x.id === "string" && typeof x.token === "string" && x.token);
    }

    track(id, token) {
      const items = this.tracked().filter((x) => x.id !== id);
      if (token) items.push({ id, token });
      store.set(this.pendingKey, items.slice(-MAX_TRACKED));
    }

    untrack(id) {
      const items = this.tracked().filter((x) => x.id !== id);
      store.set(this.pendingKey, items.length ? items : null);
    }

    /**
     * GET /comments/{id} with a proof of authorship (the author token, or a hand-off):
     * the body, null when gone or not ours, a throw when unreachable.
     */
    async status(id, { token, handoff } = {}) {
      const headers = {};
      if (token) headers["Moderation-Author-Token"] = token;
      if (handoff) headers["Moderation-Handoff"] = handoff;
      const r = await call(`/comments/${enc(id)}`, { headers });
      if (r.status === 404) return null;
      if (r.status !== 200 || !r.body) throw new Error(`status ${r.status}`);
      return r.body;
    }

    /** After the thread is shown: this browser's comments still waiting for moderation. */
    async restoreOwn() {
      const items = this.tracked();
      const infos = await Promise.all(items.map((x) => this.status(x.id, { token: x.token }).catch(() => undefined)));
      const news = new Set(); // what to tell the reader about comments followed until now
      infos.forEach((info, i) => {
        const { id } = items[i];
        if (info === undefined) return; // unreachable now: ask again next time
        if (info && info.article && info.article !== this.key) return; // another article's
        if (info && STATUS_WAITING.includes(info.status)) {
          if (!this.nodes.has(id)) this.addOwn(info);
          return;
        }
        // Approved (now in the thread), refused, or gone: said once, then no longer followed.
        if (info) {
          if (info.status === "approved") news.add(t(this.m, "approved_notice"));
          if (info.status === "rejected" || info.status === "spam") news.add(t(this.m, "rejected_notice"));
        }
        this.untrack(id);
      });
      if (news.size) this.notice.textContent = [...news].join(" ");
      await this.showHandoff();
    }

    /** The comment a hand-off in the URL names, shown once to this page and never stored. */
    async showHandoff() {
      const handoff = handoffFromUrl;
      if (!handoff || handoffUsed) return;
      handoffUsed = true; // one widget redeems it: the proof is single-use
      if (this.nodes.has(handoff.id)) return;
      const info = await this.status(handoff.id, { handoff: handoff.proof }).catch(() => null);
      if (!info || info.article !== this.key || !STATUS_WAITING.includes(info.status)) return;
      this.addOwn(info);
      this.notice.textContent = t(this.m, "pending_notice");
    }

    /** Show one of the reader's own pending comments where it will appear once approved. */
    addOwn(info) {
      const comment = { ...info, pending: true, replies: [] };
      this.own.set(comment.id, comment);
      return this.placeOwn(comment);
    }

    showOwn() {
      for (const comment of this.own.values()) {
        if (!this.nodes.has(comment.id)) this.placeOwn(comment);
      }
    }

    placeOwn(comment) {
      const parent = comment.parent_id && this.nodes.get(comment.parent_id);
      if (parent) {
        if (parent.depth < this.maxDepth) {
          let ol = parent.li.querySelector(":scope > .replies");
          if (!ol) parent.li.append((ol = h("ol", { class: "replies" })));
          return this.renderComment(comment, parent.depth + 1, ol, null);
        }
        return this.renderComment(comment, parent.depth, parent.li.parentElement, null);
      }
      if (comment.parent_id) return null; // its parent is on a page not loaded: it waits there
      const fragment = document.createDocumentFragment();
      const li = this.renderComment(comment, 0, fragment, null);
      if (this.sort === "newest") this.list.prepend(fragment);
      else this.list.append(fragment);
      return li;
    }

    /* ------------------------------------------------------------ reports */

    toggleReport(comment, button, slot) {
      const m = this.m;
      const close = () => {
        slot.replaceChildren();
        button.setAttribute("aria-expanded", "false");
        button.focus();
      };
      // A second click closes an open form; after a "thank you" it offers the form again.
      if (slot.querySelector("fieldset")) return close();
      const group = this.id(`reason-${comment.id}`);
      const radios = REASONS.map((reason, i) =>
        h("input", { type: "radio", name: group, value: reason, id: `${group}-${i}` }),
      );
      const message = h("p", { role: "status" });
      const send = h("button", { type: "submit", class: "btn" }, t(m, "report_send"));
      const form = h(
        "form",
        { class: "report", novalidate: true },
        h(
          "fieldset",
          null,
          h("legend", null, t(m, "report_title")),
          ...radios.map((radio, i) =>
            h("div", { class: "choice" }, radio, h("label", { for: radio.id }, t(m, `report_${REASONS[i]}`))),
          ),
        ),
        h("div", { class: "row" }, send, h("button", { type: "button", class: "btn alt", onclick: close }, t(m, "report_cancel"))),
        message,
      );
      form.addEventListener("keydown", (event) => {
        if (event.key === "Escape") close();
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const chosen = radios.find((r) => r.checked);
        if (!chosen) {
          radios[0].focus();
          return;
        }
        if (send.getAttribute("aria-disabled") === "true") return;
        send.setAttribute("aria-disabled", "true");
        const r = await call(`/comments/${enc(comment.id)}/reports`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept-Language": this.lang },
          body: JSON.stringify({ reason: chosen.value }),
        }).catch(() => null);
        send.removeAttribute("aria-disabled");
        if (r && r.status >= 200 && r.status < 300) {
          // Keep only the thanks (a live region already in place, so it is announced).
          form.querySelector("fieldset").remove();
          form.querySelector(".row").remove();
          message.textContent = t(m, "report_thanks");
          button.setAttribute("aria-expanded", "false");
          button.focus();
        } else {
          message.textContent = (r && r.status === 429 && r.body && r.body.title) || t(m, "network_error");
        }
      });
      slot.replaceChildren(form);
      button.setAttribute("aria-expanded", "true");
      radios[0].focus();
    }
  }

  /* ---------------------------------------------------------------- count snippets */

  /** Fill every given [data-moderation-count] element, with one request for all keys. */
  async function renderCounts(elements) {
    const keys = [...new Set(elements.map((e) => e.getAttribute("data-moderation-count")).filter(Boolean))];
    if (!keys.length) return;
    const langs = [...new Set(elements.map(pickLang))];
    // The API answers up to 100 articles at once: more than any page lists.
    const query = keys.slice(0, 100).map((k) => `article=${enc(k)}`).join("&");
    const [counts, catalogs] = await Promise.all([
      call(`/counts?${query}`).then((r) => (r.body && r.body.counts) || {}),
      Promise.all(langs.map(loadMessages)),
    ]);
    for (const element of elements) {
      const key = element.getAttribute("data-moderation-count");
      const n = counts[key];
      if (!Number.isInteger(n)) continue;
      element.textContent = countText(catalogs[langs.indexOf(pickLang(element))], n);
    }
  }

  /* ---------------------------------------------------------------- start */

  const seen = new WeakSet();

  function renderWidget(host) {
    seen.add(host);
    return new Widget(host).start().catch((error) => console.warn("moderation:", error));
  }

  function scanWidgets() {
    const hosts = Array.from(document.querySelectorAll("[data-moderation-article]"));
    return Promise.all(hosts.filter((e) => !seen.has(e)).map(renderWidget));
  }

  function scanCounts() {
    const elements = Array.from(document.querySelectorAll("[data-moderation-count]")).filter((e) => !seen.has(e));
    elements.forEach((e) => seen.add(e));
    return renderCounts(elements).catch((error) => console.warn("moderation:", error));
  }

  window.ModerationEmbed = Object.freeze({
    version: VERSION,
    /** Render (again) one host or count element; without an argument, any new ones. */
    render(element) {
      if (!element) return Promise.all([scanWidgets(), scanCounts()]);
      if (element.hasAttribute("data-moderation-article")) return renderWidget(element);
      seen.add(element);
      return renderCounts([element]);
    },
  });

  // Widgets already parsed start now; counts wait for the whole page, to ask only once.
  scanWidgets();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => window.ModerationEmbed.render(), { once: true });
  } else {
    scanCounts();
  }
})();
