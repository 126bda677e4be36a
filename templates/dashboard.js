// The dashboard's filters and sorting (templates/dashboard.html). Progressive: the page shows
// every row without it. A filter and an order live in the address,
// `#tests?q=login&kind=flaky&severity=high&sort=-rate` or `#runs?q=main&sort=started`, so a
// filtered, sorted view is a link to share.
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
      var view = form.getAttribute("data-view"), h = fromHash();
      if (h.view === view && h.params.get("sort")) { params.set("sort", h.params.get("sort")); }
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

  // Sorting: a click on a column's header sorts by it, again the other way; the order goes in
  // the address with the filter (`#tests?kind=flaky&sort=-rate`: by rate, highest first).
  function sortBy(th, descending) {
    var table = th.closest("table"), body = table.tBodies[0];
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var num = th.getAttribute("data-type") === "num";
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
  }

  function sortFromAddress(h) {
    var sort = h.params.get("sort");
    var section = document.getElementById(h.view);
    if (!sort || !section) { return; }
    var descending = sort.charAt(0) === "-";
    var key = descending ? sort.slice(1) : sort;
    section.querySelectorAll("table.sortable th[data-key]").forEach(function (th) {
      if (th.getAttribute("data-key") === key) { sortBy(th, descending); }
    });
  }

  document.querySelectorAll("table.sortable th[data-key]").forEach(function (th) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var descending = th.getAttribute("aria-sort") !== "descending";
      sortBy(th, descending);
      var view = th.closest("section").id, h = fromHash();
      var params = h.view === view ? h.params : new URLSearchParams();
      params.set("sort", (descending ? "-" : "") + th.getAttribute("data-key"));
      history.replaceState(null, "", "#" + view + "?" + params.toString());
    });
  });
  window.addEventListener("hashchange", function () { sortFromAddress(fromHash()); });
  sortFromAddress(start);
})();
