// Live check of Nơi nhận in the document editor: after the drafter stops typing for 0.6 s, the
// unsaved Nơi nhận (and Kính gửi, for "Như trên") is resolved by the server as issuing will
// resolve it (POST /documents/{id}/recipients/check, nothing is stored) and the list under the
// field says, line by line, where it goes. Without JavaScript the list shows the saved version,
// and submitting is refused while a line names nobody.
(function () {
  "use strict";
  var form = document.getElementById("edit-form");
  var field = document.getElementById("recipients");
  var box = document.getElementById("recipients-check");
  if (!form || !field || !box || !window.fetch) { return; }
  var list = box.querySelector("ul");
  var url = field.getAttribute("data-check-url");
  var labels = { agency: "Cơ quan", email: "Thư điện tử", internal: "Nội bộ", archive: "Lưu", unresolved: "Chưa xác định" };
  var timer = null;
  var seq = 0;
  function show(lines) {
    var frag = document.createDocumentFragment();
    lines.forEach(function (x) {
      var li = document.createElement("li");
      li.setAttribute("data-status", x.status);
      var badge = document.createElement("span");
      badge.className = "badge line-" + x.status;
      badge.textContent = labels[x.status] || x.status;
      li.appendChild(badge);
      li.appendChild(document.createTextNode(" " + x.text + " — " + x.detail));
      frag.appendChild(li);
    });
    list.replaceChildren(frag);
  }
  function check() {
    var mine = ++seq;
    var data = new URLSearchParams();
    ["csrf_token", "addressees", "recipients"].forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (el) { data.append(name, el.value); }
    });
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: data.toString()
    }).then(function (res) { return res.json(); }).then(function (body) {
      if (mine !== seq || !body.lines) { return; }
      show(body.lines);
      box.setAttribute("data-unresolved", String(body.unresolved));
    }).catch(function () {});
  }
  form.addEventListener("input", function (ev) {
    var name = ev.target && ev.target.name;
    if (name !== "recipients" && name !== "addressees") { return; }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 600);
  });
})();
