/* citewire chat widget: <script src="HOST/widget.js" data-api="HOST" defer></script>
 *
 * Adds a chat button and panel, inside a shadow root, that asks the citewire API at data-api
 * (and nowhere else) and shows answers whose [n] markers link to the quoted evidence.
 * No dependencies. Every untrusted string (questions, answers, titles, quotes) is set with
 * textContent, never parsed as HTML.
 * Options (data-*): api, key (a read-only key), title, color, position (right|left),
 * timeout (seconds without a reply before giving up, default 120).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__citewireWidget) return;
  window.__citewireWidget = true;

  var MAX_TURNS = 6; // earlier turns sent as history with a follow-up

  function readConfig(el) {
    var d = el.dataset;
    var api = new URL(d.api || new URL(".", el.src).href, location.href);
    if (api.protocol !== "http:" && api.protocol !== "https:") throw new Error("data-api must be http(s)");
    var base = api.origin + api.pathname.replace(/\/+$/, "");
    var color = d.color && window.CSS && CSS.supports("color", d.color) ? d.color : "#1a56db";
    var timeout = Number(d.timeout);
    return {
      base: base,
      origin: api.origin,
      key: d.key || "",
      title: d.title || "Ask the archive",
      color: color,
      left: d.position === "left",
      timeoutMs: (timeout > 0 ? timeout : 120) * 1000,
      storageKey: "citewire-chat:" + base,
    };
  }

  // ---- tiny DOM helpers (text only) ---------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === false || value == null) return;
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child != null) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function describeSource(item) {
    return [item.source, item.published].filter(Boolean).join(" · ");
  }

  function chatIcon() { // a speech bubble, drawn (no emoji font needed)
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h10V9H7zm0 4v2h7v-2H7z");
    svg.appendChild(path);
    return svg;
  }

  var CSS_TEXT = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',sans-serif}",
    ".launcher{position:fixed;bottom:20px;right:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;",
    "border:0;background:var(--cw-accent);color:#fff;display:grid;place-items:center;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3)}",
    ".left .launcher,.left .panel{right:auto;left:20px}",
    ".launcher:focus-visible,button:focus-visible,a:focus-visible,textarea:focus-visible{outline:3px solid #f5a623;outline-offset:2px}",
    ".panel{position:fixed;bottom:88px;right:20px;z-index:2147483001;width:380px;height:min(600px,calc(100vh - 110px));",
    "display:flex;flex-direction:column;background:#fff;color:#1b1b1b;border-radius:12px;font-size:15px;line-height:1.45;",
    "box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;gap:6px;padding:10px 12px;background:var(--cw-accent);color:#fff}",
    "h2{flex:1;margin:0;font-size:16px;font-weight:600}",
    "header button{background:rgba(255,255,255,.18);color:#fff;border:0;border-radius:6px;padding:5px 9px;cursor:pointer;font-size:13px}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px}",
    ".hint{color:#666;font-size:14px;margin:0}",
    "p.text{margin:0}",
    ".msg{max-width:92%;padding:8px 11px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".user{align-self:flex-end;background:var(--cw-accent);color:#fff}",
    ".bot{align-self:flex-start;background:#f1f3f6}",
    ".draft .text{color:#555}",
    ".label{display:block;font-size:12px;color:#666;margin-bottom:3px}",
    ".declined .text{font-style:italic}",
    ".bot.tentative{background:#fff8e6;border:1px dashed #b7791f}",
    ".badge{display:inline-block;font-size:11.5px;font-weight:600;color:#7b4a00;background:#fde7b0;"
      + "border-radius:4px;padding:1px 6px;margin-bottom:4px}",
    ".sources{margin:0 0 6px;padding:0;list-style:none;font-size:12.5px;color:#444}",
    ".sources li{margin:2px 0;list-style:'\\2022  ' inside}",
    ".cites{margin:8px 0 0;padding-left:20px;font-size:13px}",
    ".cites li{margin:6px 0}",
    ".cites q{display:block;color:#333;margin-top:2px}",
    ".cite{color:var(--cw-accent);font-weight:600;text-decoration:none;padding:0 1px}",
    ".cite:hover,.cite:focus{text-decoration:underline}",
    ".actions{margin-top:6px;display:flex;gap:6px}",
    ".actions button,.error button{font-size:12.5px;border:1px solid #bbb;background:#fff;border-radius:6px;padding:3px 9px;cursor:pointer}",
    ".error{align-self:stretch;background:#fff4f4;border:1px solid #f0b4b4;color:#7a1212}",
    ".status{min-height:1.2em;padding:0 12px;font-size:13px;color:#555}",
    ".dots::after{content:'';animation:dots 1.2s steps(4) infinite}",
    "@keyframes dots{0%{content:''}25%{content:'.'}50%{content:'..'}75%{content:'...'}}",
    "form{display:flex;gap:6px;padding:10px 12px;border-top:1px solid #e3e3e3}",
    "textarea{flex:1;resize:none;font-size:15px;padding:7px 9px;border:1px solid #bbb;border-radius:8px;min-height:40px;max-height:120px}",
    "form button{border:0;border-radius:8px;padding:0 14px;background:var(--cw-accent);color:#fff;font-size:14px;cursor:pointer}",
    "form button.stop{background:#7a1212}",
    "button[hidden]{display:none}",
    "button:disabled,textarea:disabled{opacity:.6;cursor:not-allowed}",
    ".card{position:fixed;z-index:2147483002;max-width:320px;background:#fff;color:#1b1b1b;border:1px solid #ccc;",
    "border-radius:8px;padding:9px 11px;font-size:13px;line-height:1.4;box-shadow:0 6px 20px rgba(0,0,0,.25)}",
    ".card[hidden]{display:none}",
    ".card strong{display:block}",
    ".card .meta{color:#666;font-size:12px;margin:2px 0 6px}",
    ".card blockquote{margin:0;padding-left:8px;border-left:3px solid var(--cw-accent)}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.panel{inset:0;width:100%;height:100%;border-radius:0}.left .panel{left:0}}",
  ].join("\n");

  // ---- the API: POST /api/ask/stream, read as server-sent events -----------------------------
  function AskError(kind, message, retryAfter) {
    this.kind = kind;
    this.message = message;
    this.retryAfter = retryAfter || 0;
  }

  function apiUrl(config, path) {
    var url = new URL(config.base + path);
    if (url.origin !== config.origin) throw new AskError("config", "The widget may only talk to " + config.origin);
    return url.href;
  }

  function errorFromResponse(response, body) {
    var detail = body && body.error && body.error.message ? body.error.message : "";
    var status = response.status;
    var retryAfter = Number(response.headers.get("Retry-After")) || 0;
    if (status === 401 || status === 403) {
      return new AskError("auth", "The archive refused this widget's key (" + status + "). " + detail);
    }
    if (status === 429 || status === 503) {
      var wait = retryAfter ? " Try again in " + retryAfter + " s." : " Try again shortly.";
      return new AskError("busy", "The service is busy (" + status + ")." + wait, retryAfter);
    }
    if (status === 422) return new AskError("invalid", "That question can't be asked: " + detail);
    return new AskError("server", "Something went wrong on the server (" + status + "). " + detail);
  }

  function parseEvent(block) {
    var name = "message";
    var data = [];
    block.split(/\r?\n/).forEach(function (line) {
      if (line.indexOf("event:") === 0) name = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
    });
    return data.length ? { name: name, data: JSON.parse(data.join("\n")) } : null;
  }

  // Streams one answer; calls handlers.passages / token / answer. Resolves with the answer.
  function askStream(config, payload, handlers, controller) {
    var timer = null;
    var timedOut = false;
    function arm() {
      clearTimeout(timer);
      timer = setTimeout(function () { timedOut = true; controller.abort(); }, config.timeoutMs);
    }
    var headers = { "Content-Type": "application/json", Accept: "text/event-stream" };
    if (config.key) headers.Authorization = "Bearer " + config.key;
    arm();
    return fetch(apiUrl(config, "/api/ask/stream"), {
      method: "POST", headers: headers, body: JSON.stringify(payload), signal: controller.signal,
      credentials: "omit", mode: "cors", referrerPolicy: "no-referrer",
    }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return null; }).then(function (body) {
          throw errorFromResponse(response, body);
        });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      var answer = null;
      function pump() {
        return reader.read().then(function (chunk) {
          arm();
          if (chunk.done) return answer;
          buffer += decoder.decode(chunk.value, { stream: true });
          var cut;
          while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
            var event = parseEvent(buffer.slice(0, cut));
            buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
            if (!event) continue;
            if (event.name === "error") {
              var info = event.data.error || {};
              throw info.code === 503
                ? new AskError("busy", "The service is busy. " + (info.message || ""), 5)
                : new AskError("server", "The answer failed: " + (info.message || "unknown error"));
            }
            if (event.name === "answer") answer = event.data;
            var handler = handlers[event.name];
            if (handler) handler(event.data);
          }
          return pump();
        });
      }
      return pump();
    }).then(function (answer) {
      clearTimeout(timer);
      if (!answer) throw new AskError("server", "The connection closed before the answer was finished.");
      return answer;
    }, function (error) {
      clearTimeout(timer);
      if (error instanceof AskError) throw error;
      if (timedOut) throw new AskError("timeout", "No reply from the server in " + config.timeoutMs / 1000 + " s.");
      if (error && error.name === "AbortError") throw new AskError("stopped", "Stopped.");
      throw new AskError("network", "Can't reach the server at " + config.origin + ". Check that it is running.");
    });
  }

  // ---- the widget ---------------------------------------------------------------------------
  function Widget(config) {
    this.config = config;
    this.turns = []; // {question, answer} with the API's final answer objects
    this.controller = null;
    this.build();
    this.restore();
  }

  Widget.prototype.build = function () {
    var self = this;
    var host = el("div", { "data-citewire": "" });
    host.style.setProperty("--cw-accent", this.config.color);
    var root = host.attachShadow({ mode: "open" });
    if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS_TEXT);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", { text: CSS_TEXT }));
    }
    var t = this.config.title;
    this.launcher = el("button", {
      class: "launcher", type: "button", "aria-label": "Open chat: " + t, "aria-expanded": "false",
      "aria-controls": "cw-panel",
    });
    this.launcher.appendChild(chatIcon());
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    this.status = el("div", { class: "status", role: "status", "aria-live": "polite" });
    this.input = el("textarea", {
      id: "cw-input", rows: 2, maxlength: 1000, placeholder: "Ask about the articles\u2026", "aria-label": "Your question",
    });
    this.send = el("button", { type: "submit", class: "send", text: "Send" });
    this.stop = el("button", { type: "button", class: "stop", text: "Stop", hidden: true });
    this.form = el("form", {}, [this.input, this.send, this.stop]);
    this.closeButton = el("button", { type: "button", class: "close", "aria-label": "Close chat", text: "\u2715" });
    this.newButton = el("button", { type: "button", class: "new", text: "New chat" });
    this.panel = el("section", {
      id: "cw-panel", class: "panel", role: "dialog", "aria-modal": "false", "aria-labelledby": "cw-title", hidden: true,
    }, [
      el("header", {}, [el("h2", { id: "cw-title", text: t }), this.newButton, this.closeButton]),
      this.log, this.status, this.form,
    ]);
    this.card = el("div", { class: "card", id: "cw-card", role: "tooltip", hidden: true });
    var frame = el("div", { class: this.config.left ? "left" : "right" }, [this.launcher, this.panel, this.card]);
    root.appendChild(frame);
    this.root = root;

    this.launcher.addEventListener("click", function () { self.toggle(); });
    this.closeButton.addEventListener("click", function () { self.close(); });
    this.newButton.addEventListener("click", function () { self.newChat(); });
    this.stop.addEventListener("click", function () { if (self.controller) self.controller.abort(); });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(); });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); self.submit(); }
    });
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.stopPropagation(); self.close(); }
    });
    document.body.appendChild(host);
  };

  Widget.prototype.toggle = function () { this.panel.hidden ? this.open() : this.close(); };

  Widget.prototype.open = function () {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", "Close chat: " + this.config.title);
    if (!this.input.disabled) this.input.focus();
    this.save();
  };

  Widget.prototype.close = function () {
    this.hideCard();
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", "Open chat: " + this.config.title);
    this.launcher.focus();
    this.save();
  };

  // ---- sessionStorage: the conversation survives a reload in the same tab ----------------
  Widget.prototype.save = function () {
    try {
      sessionStorage.setItem(this.config.storageKey, JSON.stringify({ turns: this.turns, open: !this.panel.hidden }));
    } catch (ignored) { /* storage full or disabled: the chat still works */ }
  };

  Widget.prototype.restore = function () {
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(this.config.storageKey) || "null"); } catch (ignored) { saved = null; }
    this.turns = saved && Array.isArray(saved.turns) ? saved.turns.filter(validTurn) : [];
    this.renderHint();
    var self = this;
    this.turns.forEach(function (turn) {
      self.addUser(turn.question);
      self.renderAnswer(self.addBot(), turn.answer);
    });
    if (saved && saved.open) this.open();
  };

  function validTurn(turn) {
    return turn && typeof turn.question === "string" && turn.answer && typeof turn.answer.answer === "string";
  }

  Widget.prototype.newChat = function () {
    if (this.controller) this.controller.abort();
    this.turns = [];
    this.log.textContent = "";
    this.status.textContent = "";
    this.renderHint();
    this.save();
    this.input.focus();
  };

  Widget.prototype.renderHint = function () {
    if (!this.turns.length) {
      this.log.appendChild(el("p", {
        class: "hint", text: "Ask a question about the news articles. Every answer cites the articles it comes from.",
      }));
    }
  };

  // ---- asking -------------------------------------------------------------------------------
  Widget.prototype.submit = function () {
    var question = this.input.value.trim();
    if (!question || this.controller) return;
    this.input.value = "";
    this.ask(question);
  };

  Widget.prototype.history = function () {
    var messages = [];
    this.turns.slice(-MAX_TURNS).forEach(function (turn) {
      messages.push({ role: "user", content: turn.question });
      messages.push({ role: "assistant", content: turn.answer.answer });
    });
    return messages;
  };

  Widget.prototype.setBusy = function (busy) {
    this.input.disabled = busy;
    this.send.hidden = busy;
    this.stop.hidden = !busy;
    if (busy) this.stop.focus();
    else this.input.focus();
  };

  Widget.prototype.setStatus = function (text, thinking) {
    this.status.textContent = text;
    this.status.className = thinking ? "status dots" : "status";
  };

  Widget.prototype.ask = function (question) {
    var self = this;
    var hint = this.log.querySelector(".hint");
    if (hint) hint.remove();
    var asked = this.addUser(question);
    var bubble = this.addBot();
    var controller = new AbortController();
    this.controller = controller;
    this.setBusy(true);
    this.setStatus("Searching the articles", true);
    var payload = { question: question, history: this.history() };
    var handlers = {
      passages: function (data) {
        self.renderSources(bubble, data.passages || []);
        self.setStatus("Reading " + (data.passages || []).length + " passages", true);
      },
      sentence: function (data) { // already verified: shown as it arrives, with its [n] until the links come
        if (!bubble.draft) {
          bubble.draft = el("p", { class: "text" });
          bubble.node.setAttribute("aria-busy", "true");
          bubble.body.appendChild(bubble.draft);
          self.setStatus("Answering", true);
        }
        bubble.draft.textContent += (bubble.draft.textContent ? " " : "") + data.text;
        self.scroll();
      },
    };
    askStream(this.config, payload, handlers, controller).then(function (answer) {
      self.renderAnswer(bubble, answer);
      self.turns.push({ question: question, answer: compact(answer) });
      self.setStatus(STATUS_TEXT[statusOf(answer)], false);
      self.save();
    }, function (error) {
      bubble.node.remove();
      if (error.kind === "stopped") {
        asked.remove();
        self.setStatus("Stopped. Nothing was answered.", false);
        self.input.value = question;
      } else {
        self.showError(error, question, asked);
        self.setStatus(error.message, false);
      }
    }).then(function () {
      self.controller = null;
      self.setBusy(false);
      self.scroll();
    });
  };

  var STATUS_TEXT = {
    answered: "Answer ready.",
    tentative: "No direct answer was proven; showing the closest report.",
    declined: "The articles don't say.",
  };

  function statusOf(answer) { // answers kept from before `status` existed have only `answered`
    return answer.status || (answer.answered ? "answered" : "declined");
  }

  function compact(answer) { // what sessionStorage keeps of an answer
    return {
      answer: answer.answer, answered: answer.answered, status: statusOf(answer),
      citations: (answer.citations || []).map(function (c) {
        return { n: c.n, article_id: c.article_id, title: c.title, source: c.source, published: c.published,
          quote: c.quote, start: c.start, end: c.end, url: c.url };
      }),
    };
  }

  Widget.prototype.showError = function (error, question, asked) {
    var self = this;
    var retry = el("button", { type: "button", class: "retry", text: "Retry" });
    var box = el("div", { class: "msg error", role: "alert" }, [el("span", { text: error.message + " " }), retry]);
    if (error.retryAfter) {
      retry.disabled = true;
      setTimeout(function () { retry.disabled = false; }, error.retryAfter * 1000);
    }
    retry.addEventListener("click", function () {
      box.remove();
      asked.remove(); // ask() shows the question again
      self.ask(question);
    });
    this.log.appendChild(box);
    if (!retry.disabled) retry.focus();
  };

  Widget.prototype.addUser = function (question) {
    var node = el("div", { class: "msg user" }, [el("span", { class: "sr", text: "You: " }), question]);
    this.log.appendChild(node);
    this.scroll();
    return node;
  };

  Widget.prototype.addBot = function () {
    var body = el("div", { class: "body" });
    var node = el("div", { class: "msg bot" }, [body]);
    this.log.appendChild(node);
    return { node: node, body: body, draft: null };
  };

  Widget.prototype.scroll = function () { this.log.scrollTop = this.log.scrollHeight; };

  Widget.prototype.renderSources = function (bubble, passages) {
    var seen = {};
    var list = el("ul", { class: "sources", "aria-label": "Sources found" });
    passages.forEach(function (p) {
      if (seen[p.article_id]) return;
      seen[p.article_id] = true;
      var meta = describeSource(p);
      list.appendChild(el("li", { text: p.title + (meta ? " (" + meta + ")" : "") }));
    });
    bubble.body.appendChild(el("span", { class: "label", text: "Sources found" }));
    bubble.body.appendChild(list);
    this.scroll();
  };

  // The final answer replaces the streamed sentences: the same text with [n] links, then the citation list.
  Widget.prototype.renderAnswer = function (bubble, answer) {
    var self = this;
    var byNumber = {};
    (answer.citations || []).forEach(function (c) { byNumber[c.n] = c; });
    bubble.node.classList.remove("draft");
    bubble.node.removeAttribute("aria-busy");
    var status = statusOf(answer);
    bubble.node.classList.toggle("declined", status === "declined");
    bubble.node.classList.toggle("tentative", status === "tentative");
    bubble.node.setAttribute("data-status", status);
    bubble.body.textContent = "";
    if (status === "tentative") { // not an answer: marked as such, in words and in style
      bubble.body.appendChild(el("span", { class: "badge", text: "Not a direct answer" }));
    }
    var text = el("p", { class: "text" });
    answer.answer.split(/(\[\d+\])/).forEach(function (part) {
      var match = /^\[(\d+)\]$/.exec(part);
      var citation = match && byNumber[Number(match[1])];
      text.appendChild(citation ? self.citeLink(citation) : document.createTextNode(part));
    });
    bubble.body.appendChild(text);
    var numbers = Object.keys(byNumber).map(Number).sort(function (a, b) { return a - b; });
    if (numbers.length) {
      var list = el("ol", { class: "cites", "aria-label": "Citations" });
      numbers.forEach(function (n) {
        var c = byNumber[n];
        var meta = describeSource(c);
        var item = el("li", { value: n }, [
          el("a", { href: self.articleHref(c), target: "_blank", rel: "noopener noreferrer", text: c.title }),
          meta ? " (" + meta + ")" : "",
          el("q", { text: c.quote }),
        ]);
        list.appendChild(item);
      });
      bubble.body.appendChild(list);
    }
    var copy = el("button", { type: "button", class: "copy", text: "Copy" });
    copy.addEventListener("click", function () { self.copy(answer, copy); });
    bubble.body.appendChild(el("div", { class: "actions" }, [copy]));
  };

  Widget.prototype.articleHref = function (c) {
    var start = Number(c.start);
    var end = Number(c.end);
    var anchor = Number.isInteger(start) && Number.isInteger(end) ? "#q=" + start + "-" + end : "";
    return apiUrl(this.config, "/articles/" + encodeURIComponent(c.article_id)) + anchor;
  };

  Widget.prototype.citeLink = function (c) {
    var self = this;
    var link = el("a", {
      class: "cite", href: this.articleHref(c), target: "_blank", rel: "noopener noreferrer",
      "aria-describedby": "cw-card", "aria-label": "Source " + c.n + ": " + c.title, text: "[" + c.n + "]",
    });
    function show() { self.showCard(link, c); }
    function hide() { self.hideCard(); }
    link.addEventListener("mouseenter", show);
    link.addEventListener("focus", show);
    link.addEventListener("mouseleave", hide);
    link.addEventListener("blur", hide);
    return link;
  };

  Widget.prototype.showCard = function (anchor, c) {
    var card = this.card;
    card.textContent = "";
    card.appendChild(el("strong", { text: c.title }));
    card.appendChild(el("div", { class: "meta", text: describeSource(c) || "Unknown publisher" }));
    card.appendChild(el("blockquote", { text: c.quote }));
    card.hidden = false;
    var box = anchor.getBoundingClientRect();
    var width = Math.min(320, window.innerWidth - 16);
    var left = Math.max(8, Math.min(box.left, window.innerWidth - width - 8));
    var top = box.bottom + 6;
    if (top + card.offsetHeight > window.innerHeight - 8) top = Math.max(8, box.top - card.offsetHeight - 6);
    card.style.left = left + "px";
    card.style.top = top + "px";
  };

  Widget.prototype.hideCard = function () { this.card.hidden = true; };

  Widget.prototype.copy = function (answer, button) {
    var self = this;
    var lines = [answer.answer];
    if ((answer.citations || []).length) {
      lines.push("", "Sources:");
      answer.citations.forEach(function (c) {
        var meta = describeSource(c);
        lines.push("[" + c.n + "] " + c.title + (meta ? " (" + meta + ")" : ""), "    \u201C" + c.quote + "\u201D",
          "    " + self.articleHref(c));
      });
    }
    var text = lines.join("\n");
    function done(ok) {
      button.textContent = ok ? "Copied" : "Copy failed";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
    } else {
      done(false);
    }
  };

  function start() {
    try {
      new Widget(readConfig(script));
    } catch (error) {
      console.error("citewire widget: " + (error && error.message ? error.message : error));
    }
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
