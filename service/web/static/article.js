// Highlights the quote named in the fragment (#q=START-END, offsets in Unicode code points
// of the stored text, as in the API's citations) and scrolls it into view.
(function () {
  "use strict";
  var box = document.getElementById("article-text");
  var status = document.getElementById("quote-status");
  function say(message) { status.textContent = message; status.hidden = false; }
  function toUtf16(text, codePoint) {
    var units = 0;
    for (var seen = 0; seen < codePoint && units < text.length; seen++) {
      var code = text.charCodeAt(units);
      units += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    }
    return units;
  }
  function clear() {
    var old = box.querySelector("mark.cited");
    if (old) { old.replaceWith(document.createTextNode(old.textContent)); box.normalize(); }
  }
  function highlight() {
    clear();
    var match = /^#q=(\d+)-(\d+)$/.exec(location.hash);
    if (!match) return;
    var node = box.firstChild, text = box.textContent;
    var start = toUtf16(text, Number(match[1])), end = toUtf16(text, Number(match[2]));
    if (!node || node.nodeType !== Node.TEXT_NODE || end <= start || end > text.length) {
      say("The quoted passage is not in this version of the article.");
      return;
    }
    var range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    var mark = document.createElement("mark");
    mark.className = "cited";
    mark.tabIndex = -1;
    range.surroundContents(mark);
    say("The cited passage is highlighted below.");
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
  }
  window.addEventListener("hashchange", highlight);
  highlight();
})();
