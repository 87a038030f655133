// Keeps the incident page's timeline live: it follows the page's event
// stream (Server-Sent Events) and puts each new entry's fragment, which
// the server rendered and escaped, into the list without a reload. An
// entry already on the page (the same stream ID) is replaced, so a
// correction or a hide redraws it. Without scripts the page still shows
// everything on reload. The browser reconnects on its own, sending the
// last event's ID, and the server resumes from there.
"use strict";
(function () {
  var list = document.getElementById("timeline-entries");
  if (!list || !list.dataset.live || !window.EventSource) {
    return;
  }
  var state = document.getElementById("live-state");
  var source = new EventSource(list.dataset.live);
  function parse(html) {
    var t = document.createElement("template");
    t.innerHTML = html;
    return t.content.firstElementChild;
  }
  function put(ev, append) {
    var el = parse(ev.data);
    if (!el || !el.dataset.id) {
      return;
    }
    var old = document.getElementById("e-" + el.dataset.id);
    if (old) {
      old.replaceWith(el);
    } else if (append) {
      list.appendChild(el);
    }
  }
  source.addEventListener("entry", function (ev) { put(ev, true); });
  source.addEventListener("replace", function (ev) { put(ev, false); });
  source.addEventListener("reload", function () { source.close(); window.location.reload(); });
  source.addEventListener("open", function () { if (state) { state.hidden = false; } });
  source.addEventListener("error", function () { if (state) { state.hidden = true; } });
})();
