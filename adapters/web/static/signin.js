// Posts the sign-in form as soon as the page has loaded: a person who
// opened their sign-in link wants to be signed in, while a link preview
// (Slack's unfurler, Safe Links) fetches the page without running it, so
// the link stays usable for the person. Without scripts the button does
// the same.
"use strict";
(function () {
  var form = document.getElementById("signin");
  if (!form) {
    return;
  }
  var note = document.getElementById("continuing");
  if (note) {
    note.hidden = false;
  }
  form.submit();
})();
