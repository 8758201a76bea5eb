/* The workspace's behaviour: CSRF-carrying requests and announcements for screen readers.
   Plain JavaScript, no framework and no build step; loaded with `defer` from our origin. */
(function () {
  "use strict";

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');

  /* Every state-changing request sends the CSRF token in a header. */
  function post(url, data) {
    var body = new URLSearchParams();
    Object.keys(data || {}).forEach(function (key) {
      var value = data[key];
      (Array.isArray(value) ? value : [value]).forEach(function (v) { body.append(key, v); });
    });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfMeta ? csrfMeta.content : "",
        "X-Requested-With": "fetch",
        "Accept": "application/json"
      },
      body: body
    });
  }

  function get(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    });
  }

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 30);
  }

  window.Workspace = { post: post, get: get, announce: announce };

  /* ------------------------------------------------------------------ the queue */

  /* Tells whoever waits (people do not; tests do) that the page's behaviour is attached. */
  function ready() { document.documentElement.setAttribute("data-workspace-ready", ""); }

  var queue = document.getElementById("queue");
  if (!queue) { ready(); return; }
  var list = document.getElementById("items");
  var removes = queue.dataset.removes === "true";
  var POLL_MS = 15000;

  function items() { return Array.prototype.slice.call(list.querySelectorAll("li.item")); }
  function current() { return list.querySelector("li.item.current") || items()[0] || null; }

  function focusItem(item) {
    items().forEach(function (other) { other.classList.remove("current"); });
    if (!item) { return; }
    item.classList.add("current");
    var card = item.querySelector("article");
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = items();
    var index = all.indexOf(current());
    var next = all[Math.max(0, Math.min(all.length - 1, index + step))];
    if (next) { focusItem(next); }
  }

  function updateCounts(counts) {
    if (!counts) { return; }
    Object.keys(counts.tabs).forEach(function (tab) {
      var badge = document.querySelector('[data-count="' + tab + '"]');
      if (badge) { badge.textContent = (counts.labels || counts.tabs)[tab]; }
    });
    var oldest = document.getElementById("oldest-waiting");
    if (oldest) { oldest.textContent = counts.oldest_text; }
  }

  function showEmpty() {
    var note = document.getElementById("empty-note");
    if (note) { note.hidden = items().length > 0; }
  }

  /* After a decision, the item leaves a queue it no longer belongs to and the focus moves
     on to the next one, so a queue is cleared without the mouse. */
  function settle(ids, message) {
    var all = items();
    var active = current();
    var next = null;
    if (removes) {
      var gone = all.filter(function (item) { return ids.indexOf(item.dataset.id) >= 0; });
      if (active && gone.indexOf(active) >= 0) {
        var after = all.slice(all.indexOf(active) + 1).filter(function (i) { return gone.indexOf(i) < 0; });
        var before = all.slice(0, all.indexOf(active)).filter(function (i) { return gone.indexOf(i) < 0; });
        next = after[0] || before[before.length - 1] || null;
      } else {
        next = active;
      }
      gone.forEach(function (item) { item.remove(); });
    } else if (queue.dataset.itemsUrl) {
      // Nothing leaves this list: show the new statuses in place.
      reloadList(ids, message);
      return;
    } else {
      // The comment's own page: its history changed too.
      window.location.reload();
      return;
    }
    updateSelection();
    showEmpty();
    if (next) { focusItem(next); } else { document.getElementById("main").focus(); }
    announce(message);
  }

  function fail(response) {
    return response.json().then(function (data) {
      announce(data.message || response.statusText);
      if (response.status === 401) { window.location.reload(); }
    }, function () { announce(response.statusText); });
  }

  function send(url, data) {
    return post(url, data).then(function (response) {
      if (!response.ok) { return fail(response).then(function () { return null; }); }
      return response.json().then(function (body) { updateCounts(body.counts); return body; });
    });
  }

  function formData(form, submitter) {
    var data = {};
    new FormData(form).forEach(function (value, key) {
      if (data[key] === undefined) { data[key] = value; }
      else { data[key] = [].concat(data[key], value); }
    });
    if (submitter && submitter.name) { data[submitter.name] = submitter.value; }
    return data;
  }

  function decide(item, action) {
    if (!item) { return; }
    var form = item.querySelector("form[data-decision]");
    var data = formData(form);
    data.action = action;
    send(form.getAttribute("action"), data).then(function (body) {
      if (body) { settle(body.changed, body.message); }
    });
  }

  function openReject(item) {
    if (!item) { return; }
    item.classList.add("rejecting");
    var select = item.querySelector("select.reason");
    select.focus();
  }

  function closeReject(item) {
    if (!item) { return; }
    item.classList.remove("rejecting");
    focusItem(item);
  }

  function reloadList(focusIds, message) {
    get(queue.dataset.itemsUrl).then(function (response) { return response.json(); }).then(function (body) {
      list.innerHTML = body.html;
      queue.dataset.nextCursor = body.next_cursor || "";
      showEmpty();
      var target = items().filter(function (item) { return focusIds.indexOf(item.dataset.id) >= 0; })[0];
      focusItem(target || items()[0] || null);
      announce(message);
    });
  }

  function undo() {
    send(queue.dataset.undoUrl, {}).then(function (body) {
      if (!body) { return; }
      if (removes) { reloadList(body.changed, body.message); } else { announce(body.message); }
    });
  }

  function toggleSelect(item) {
    if (!item) { return; }
    var box = item.querySelector("input.select");
    box.checked = !box.checked;
    updateSelection();
  }

  function selectedIds() {
    return items().filter(function (item) { return item.querySelector("input.select").checked; })
      .map(function (item) { return item.dataset.id; });
  }

  function updateSelection() {
    var label = document.getElementById("selected-count");
    items().forEach(function (item) {
      item.classList.toggle("is-selected", item.querySelector("input.select").checked);
    });
    if (label) {
      var count = selectedIds().length;
      label.textContent = count ? label.dataset.selected.replace("{n}", count) : label.dataset.none;
    }
  }

  var help = document.getElementById("help");
  function openHelp() {
    if (help && !help.open) { help.showModal(); }
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var item = target.closest ? target.closest("li.item") : null;
    if (event.key === "Escape" && item && item.classList.contains("rejecting")) {
      event.preventDefault();
      closeReject(item);
      return;
    }
    if (event.key === "Enter" && target.matches && target.matches("select.reason")) {
      event.preventDefault();
      item.classList.remove("rejecting");
      decide(item, "reject");
      return;
    }
    if (typing(target) || (help && help.open)) { return; }
    var handled = true;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "a": decide(current(), "approve"); break;
      case "s": decide(current(), "spam"); break;
      case "r": openReject(current()); break;
      case "z": undo(); break;
      case "x": toggleSelect(current()); break;
      case "/":
        var details = document.querySelector("details.filters");
        if (details) { details.open = true; }
        var search = document.querySelector('#search-form [name="q"]');
        if (search) { search.focus(); }
        break;
      case "?": openHelp(); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-help-open]")) { openHelp(); }
    var item = event.target.closest("li.item");
    if (item && !item.classList.contains("current")) {
      items().forEach(function (other) { other.classList.remove("current"); });
      item.classList.add("current");
    }
  });
  list.addEventListener("change", function (event) {
    if (event.target.matches("input.select")) { updateSelection(); }
  });

  /* Forms inside the queue are sent by script when it runs (they work without it too). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var item = form.closest("li.item");
    if (form.matches("form[data-decision], .campaign form, .author-form, .note-form")) {
      event.preventDefault();
      send(form.getAttribute("action"), formData(form, submitter)).then(function (body) {
        if (!body) { return; }
        if (form.matches(".note-form, .author-form") && !body.changed.length) {
          announce(body.message);
        } else if (form.matches(".campaign form")) {
          reloadList([], body.message);
        } else {
          settle(body.changed, body.message);
        }
      });
    } else if (form.matches(".reveal-form")) {
      event.preventDefault();
      send(form.getAttribute("action"), {}).then(function (body) {
        if (!body) { return; }
        var slot = item.querySelector("[data-email-for]");
        slot.textContent = body.email;
        slot.classList.add("revealed");
        form.remove();
        announce(body.email);
      });
    } else if (form.id === "bulk-form") {
      event.preventDefault();
      var ids = selectedIds();
      if (!ids.length) { announce(document.getElementById("selected-count").textContent); return; }
      var data = formData(form, submitter);
      data.ids = ids;
      send(form.getAttribute("action"), data).then(function (body) { if (body) { settle(body.changed, body.message); } });
    } else if (form.id === "undo-form") {
      event.preventDefault();
      undo();
    }
  });

  /* The full explanation is fetched when first opened. */
  list.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("details.explain") || !details.open || details.dataset.loaded) { return; }
    details.dataset.loaded = "1";
    get(details.dataset.explainUrl).then(function (response) { return response.text(); }).then(function (html) {
      details.querySelector(".explain-body").innerHTML = html;
    });
  }, true);

  /* New comments arrive without reloading: counts every few seconds, and in an
     oldest-first queue whose end is on screen, the new items themselves. */
  function poll() {
    get(queue.dataset.countsUrl).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) {
        updateCounts(counts);
        if (queue.dataset.order !== "oldest" || queue.dataset.nextCursor) { return null; }
        var last = items()[items().length - 1];
        var url = queue.dataset.itemsUrl + (queue.dataset.itemsUrl.indexOf("?") >= 0 ? "&" : "?") +
          "cursor=" + encodeURIComponent(last ? last.dataset.cursor : "");
        if (!last) { url = queue.dataset.itemsUrl; }
        return get(url).then(function (response) { return response.json(); }).then(function (body) {
          if (!body.count) { return; }
          var known = {};
          items().forEach(function (item) { known[item.dataset.id] = true; });
          var holder = document.createElement("ol");
          holder.innerHTML = body.html;
          Array.prototype.slice.call(holder.children).forEach(function (item) {
            if (!known[item.dataset.id]) { list.appendChild(item); }
          });
          queue.dataset.nextCursor = body.next_cursor || "";
          showEmpty();
        });
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }
  if (queue.dataset.countsUrl) { window.setInterval(poll, POLL_MS); }

  var label = document.getElementById("selected-count");
  if (label) { label.dataset.none = label.textContent; }
  showEmpty();
  if (items().length) { focusItem(items()[0]); }
  ready();
})();
