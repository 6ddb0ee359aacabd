/* The interactive evidence gap map (schoolcollab.present.gap_map_view). The filters mean what
   schoolcollab.evidence.gap_cells.GapFilter means: a source counts in a cell when it passes the source
   filters and has a finding on that theme, for a form it studied, in the chosen direction. */
(function () {
  "use strict";
  var root = document.currentScript.closest(".sc-gapmap");
  var data = JSON.parse(root.querySelector(".sc-gm-data").textContent);
  var form = root.querySelector(".sc-gm-filters");
  var grid = root.querySelector(".sc-gm-grid");
  var details = root.querySelector(".sc-gm-details");
  var status = root.querySelector(".sc-gm-status");
  var themeLabel = Object.fromEntries(data.themes);
  var familyLabel = Object.fromEntries(data.families);
  var maxCount = 1;
  var current = {};

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function readFilter() {
    var f = {};
    ["design", "country", "phase", "direction"].forEach(function (name) {
      f[name] = form.elements[name].value || null;
    });
    ["year_from", "year_to"].forEach(function (name) {
      var v = parseInt(form.elements[name].value, 10);
      f[name] = isNaN(v) ? null : v;
    });
    return f;
  }

  function keepsSource(s, f) {
    if (f.design !== null && s.design !== f.design) return false;
    if (f.country !== null && s.countries.indexOf(f.country) < 0) return false;
    if (f.phase !== null && s.phases.indexOf(f.phase) < 0) return false;
    if (f.year_from !== null && (s.year === null || s.year < f.year_from)) return false;
    if (f.year_to !== null && (s.year === null || s.year > f.year_to)) return false;
    return true;
  }

  function cells(f) {
    var out = {};
    data.rows.forEach(function (r) {
      var theme = r[0], family = r[1], key = r[2], direction = r[3];
      if (!keepsSource(data.sources[key], f)) return;
      if (f.direction !== null && direction !== f.direction) return;
      var id = theme + "|" + family;
      (out[id] = out[id] || {})[key] = true;
    });
    return out;
  }

  function describe(keys) {
    var empirical = keys.filter(function (k) { return data.sources[k].empirical; }).length;
    var comparative = keys.filter(function (k) { return data.sources[k].comparative; }).length;
    var state = keys.length === 0 ? "none" : (empirical < data.weak_below ? "weak" : "evidence");
    return {n: keys.length, empirical: empirical, comparative: comparative, state: state};
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function words(d) {
    if (d.n === 0) return "no source";
    var text = plural(d.n, "source", "sources") + ", " + plural(d.empirical, "empirical study", "empirical studies");
    if (d.comparative > 0) text += ", " + d.comparative + " with a comparison group";
    return text;
  }

  function render() {
    var f = readFilter();
    var byCell = cells(f);
    var shown = {};
    var table = el("table", {"class": "sc-gm-table"});
    table.appendChild(el("caption", {}, "Sources by theme (rows) and form of collaboration (columns)"));
    var head = el("tr");
    head.appendChild(el("td"));
    data.families.forEach(function (fam) { head.appendChild(el("th", {scope: "col"}, fam[1])); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    data.themes.forEach(function (theme) {
      var tr = body.appendChild(el("tr"));
      tr.appendChild(el("th", {scope: "row"}, theme[1]));
      data.families.forEach(function (fam) {
        var keys = Object.keys(byCell[theme[0] + "|" + fam[0]] || {}).sort();
        keys.forEach(function (k) { shown[k] = true; });
        var d = describe(keys);
        var td = tr.appendChild(el("td"));
        var button = td.appendChild(el("button", {type: "button", "class": "sc-gm-cell sc-gm-" + d.state,
          "data-theme": theme[0], "data-family": fam[0], "data-count": String(d.n),
          "aria-pressed": String(current.theme === theme[0] && current.family === fam[0])}));
        var size = d.n === 0 ? 0 : Math.round(10 + 16 * Math.sqrt(d.n / maxCount));
        var mark = button.appendChild(el("span", {"class": "sc-gm-dot", "aria-hidden": "true"}));
        mark.style.width = mark.style.height = size + "px";
        button.appendChild(el("span", {"class": "sc-gm-n", "aria-hidden": "true"}, d.n === 0 ? "·" : String(d.n)));
        if (d.comparative > 0) button.appendChild(el("span", {"class": "sc-gm-comp", "aria-hidden": "true"}, "◆"));
        button.appendChild(el("span", {"class": "sc-gm-sr"}, theme[1] + ", " + fam[1] + ": " + words(d)));
        button.addEventListener("click", function () { choose(theme[0], fam[0]); });
      });
    });
    grid.replaceChildren(table);
    var total = Object.keys(data.sources).length;
    var n = Object.keys(shown).length;
    status.textContent = (n === total ? "Showing all " + total : "Showing " + n + " of " + total) +
      " sources with a finding on these themes.";
    if (current.theme) list(current.theme, current.family, byCell);
  }

  function list(theme, family, byCell) {
    var keys = Object.keys(byCell[theme + "|" + family] || {});
    keys.sort(function (a, b) {
      return (data.sources[a].year || 0) - (data.sources[b].year || 0) || (a < b ? -1 : 1);
    });
    var f = readFilter();
    var heading = el("h3", {}, themeLabel[theme] + " × " + familyLabel[family] + ": " + words(describe(keys)));
    var nodes = [heading];
    if (keys.length === 0) {
      nodes.push(el("p", {}, "No source in this cell matches the filters."));
    } else {
      var ul = el("ul", {"class": "sc-gm-studies"});
      keys.forEach(function (k) {
        var s = data.sources[k];
        var directions = data.rows.filter(function (r) {
          return r[0] === theme && r[1] === family && r[2] === k && (f.direction === null || r[3] === f.direction);
        }).map(function (r) { return data.labels.direction[r[3]]; });
        var li = ul.appendChild(el("li", {"data-key": k}));
        li.appendChild(el("a", {href: "references.html#cite-" + k}, s.cite));
        li.appendChild(document.createTextNode(" — " + data.labels.design[s.design] + "; findings: " +
          directions.join(", ").toLowerCase() + " ("));
        li.appendChild(el("a", {href: "explorer.html#source-" + k}, "explorer row"));
        li.appendChild(document.createTextNode(")"));
      });
      nodes.push(ul);
    }
    details.replaceChildren.apply(details, nodes);
  }

  function choose(theme, family) {
    current = {theme: theme, family: family};
    var byCell = cells(readFilter());
    grid.querySelectorAll(".sc-gm-cell").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.theme === theme && b.dataset.family === family));
    });
    list(theme, family, byCell);
  }

  var all = cells({design: null, country: null, phase: null, direction: null, year_from: null, year_to: null});
  Object.keys(all).forEach(function (id) { maxCount = Math.max(maxCount, Object.keys(all[id]).length); });
  form.addEventListener("change", render);
  form.addEventListener("input", function (e) { if (e.target.type === "number") render(); });
  form.addEventListener("reset", function () { setTimeout(render, 0); });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  render();
})();
