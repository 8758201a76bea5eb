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
})();
