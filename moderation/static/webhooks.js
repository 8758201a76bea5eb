/* The webhook pages: a "Copy" button next to a secret shown once. Loaded with `defer`
   from our origin (no inline script: the workspace's CSP forbids it). */
(function () {
  "use strict";

  function copied(button) {
    var label = button.textContent;
    button.textContent = button.dataset.copied || label;
    if (window.Workspace) { window.Workspace.announce(button.dataset.copied || ""); }
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copy);
      if (!field) { return; }
      field.focus();
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () { copied(button); },
          function () { if (document.execCommand("copy")) { copied(button); } });
      } else if (document.execCommand("copy")) {
        copied(button);
      }
    });
  });
})();
