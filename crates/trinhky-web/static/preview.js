// Live page preview of the document editor: after the drafter stops typing for 0.8 s, the
// unsaved form is rendered by the server (POST /documents/{id}/preview, nothing is stored) and
// the page images are swapped in. Without JavaScript the preview shows the saved version.
(function () {
  "use strict";
  var form = document.getElementById("edit-form");
  var pages = document.getElementById("preview-pages");
  var status = document.getElementById("preview-status");
  if (!form || !pages || !window.fetch) { return; }
  var url = form.getAttribute("data-preview-url");
  var timer = null;
  var seq = 0;
  function say(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "small preview-status" + (kind ? " " + kind : "");
  }
  function render() {
    var mine = ++seq;
    var data = new URLSearchParams();
    ["csrf_token", "title", "addressees", "body", "recipients"].forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (el) { data.append(name, el.value); }
    });
    say("Đang cập nhật bản xem trước…", "stale");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: data.toString()
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (r) {
      if (mine !== seq) { return; }
      if (!r.ok) {
        var msg = r.body && r.body.error ? r.body.error.message : "Không dựng được bản xem trước.";
        say(msg, "error");
        return;
      }
      var frag = document.createDocumentFragment();
      r.body.pages.forEach(function (src, i) {
        var img = document.createElement("img");
        img.src = src;
        img.alt = "Trang " + (i + 1) + " của văn bản (bản chưa lưu)";
        frag.appendChild(img);
      });
      pages.replaceChildren(frag);
      pages.setAttribute("data-unsaved", "true");
      say("Bản xem trước theo nội dung đang sửa (chưa lưu). Bấm “Lưu phiên bản mới” để lưu.", "stale");
    }).catch(function () {
      if (mine === seq) { say("Mất kết nối: chưa cập nhật được bản xem trước.", "error"); }
    });
  }
  form.addEventListener("input", function (ev) {
    var name = ev.target && ev.target.name;
    if (["title", "addressees", "body", "recipients"].indexOf(name) < 0) { return; }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(render, 800);
  });
})();
