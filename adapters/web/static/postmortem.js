// The postmortem editor's live preview: as the person types, the text is
// posted (with the page's CSRF token) to the server, which renders it with
// the same sanitising Markdown renderer as the page, and the answer
// replaces the preview. Without this script the page still works: the
// preview is the saved version's.
(function () {
  "use strict";
  var text = document.getElementById("pm-text");
  var out = document.getElementById("pm-preview");
  if (!text || !out || !window.fetch) { return; }
  var form = text.form, url = out.getAttribute("data-url"), timer = null, seq = 0;
  function refresh() {
    var n = ++seq;
    var body = new URLSearchParams();
    body.set("csrf", form.elements.csrf.value);
    body.set("text", text.value);
    fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) { if (n === seq) { out.innerHTML = html; out.setAttribute("data-seq", String(n)); } })
      .catch(function () { /* the preview stays as it was */ });
  }
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
}());
