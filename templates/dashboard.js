// The dashboard's filters and sorting (templates/dashboard.html). Progressive: the page shows
// every row without it. A filter lives in the address, `#tests?q=login&kind=flaky&severity=high`
// or `#runs?q=main`, so a filtered view is a link to share.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form.filter");

  function rows(form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    return table ? table.tBodies[0].rows : [];
  }

  function apply(form, params) {
    var fields = ["q", "kind", "severity"];
    fields.forEach(function (name) {
      var field = form.elements[name];
      if (field) { field.value = params.get(name) || ""; }
    });
    var q = (params.get("q") || "").toLowerCase();
    var kind = params.get("kind") || "";
    var severity = params.get("severity") || "";
    var all = rows(form), shown = 0;
    for (var i = 0; i < all.length; i++) {
      var r = all[i];
      var ok = (!q || (r.getAttribute("data-name") || "").toLowerCase().indexOf(q) >= 0) &&
        (!kind || r.getAttribute("data-kind") === kind) &&
        (!severity || r.getAttribute("data-severity") === severity);
      r.hidden = !ok;
      if (ok) { shown++; }
    }
    var out = form.elements["shown"];
    if (out) { out.value = shown === all.length ? all.length + " shown" : shown + " of " + all.length + " shown"; }
  }

  function fromHash() {
    var hash = decodeURIComponent(location.hash.slice(1));
    var at = hash.indexOf("?");
    return { view: at < 0 ? hash : hash.slice(0, at), params: new URLSearchParams(at < 0 ? "" : hash.slice(at + 1)) };
  }

  function applyHash() {
    var h = fromHash();
    forms.forEach(function (form) {
      apply(form, form.getAttribute("data-view") === h.view ? h.params : new URLSearchParams());
    });
    return h;
  }

  forms.forEach(function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    var update = function () {
      var params = new URLSearchParams();
      ["q", "kind", "severity"].forEach(function (name) {
        var field = form.elements[name];
        if (field && field.value) { params.set(name, field.value); }
      });
      var view = form.getAttribute("data-view");
      var query = params.toString();
      history.replaceState(null, "", "#" + view + (query ? "?" + query : ""));
      apply(form, params);
    };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
  });
  window.addEventListener("hashchange", applyHash);
  var start = applyHash();
  if (start.params.toString()) {
    var target = document.getElementById(start.view);
    if (target) { target.scrollIntoView(); }
  }

  // Sorting: a click on a column's header sorts by it, again the other way.
  document.querySelectorAll("table.sortable th[data-type]").forEach(function (th) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var table = th.closest("table"), body = table.tBodies[0];
      var col = Array.prototype.indexOf.call(th.parentNode.children, th);
      var num = th.getAttribute("data-type") === "num";
      var descending = th.getAttribute("aria-sort") !== "descending";
      table.querySelectorAll("th[aria-sort]").forEach(function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      var key = function (row) {
        var cell = row.cells[col];
        var v = cell.getAttribute("data-v");
        if (num) { return parseFloat(v !== null ? v : cell.textContent) || 0; }
        return (v !== null ? v : cell.textContent).toLowerCase();
      };
      var list = Array.prototype.slice.call(body.rows);
      list.sort(function (a, b) {
        var x = key(a), y = key(b);
        var c = x < y ? -1 : x > y ? 1 : 0;
        return descending ? -c : c;
      });
      list.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
