// The grid map (data-map) and the boundary editor (data-draw), with the vendored Leaflet and
// Leaflet-Geoman. Without a configured tile server the polygons lie on a plain background, so the
// map works on a town network with no internet. User text (grid names, codes) reaches Leaflet
// only as DOM nodes built with textContent: Leaflet puts strings into popups and tooltips as HTML.
(function () {
  var CLASSES = ["#d5e8d4", "#fff3c4", "#fdbb84", "#fc8d59", "#d7301f"];
  var DEFAULT_VIEW = [[28.5, 112.7], [28.9, 113.1]];

  function baseMap(node, config) {
    var map = L.map(node, { zoomSnap: 0.25, attributionControl: !!config.tiles });
    if (config.tiles) {
      L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function classOf(value, max) {
    if (!value) return 0;
    return Math.max(1, Math.min(4, Math.ceil((value / max) * 4)));
  }

  function element(tag, text, attrs) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  function popup(p, config) {
    var box = element("div", null, { "class": "map-popup" });
    box.appendChild(element("strong", p.name));
    box.appendChild(element("div", p.code, { "class": "code" }));
    if (p.kind === "grid") box.appendChild(element("div", config.measure + ": " + p.value));
    var links = element("div", null, { "class": "actions" });
    links.appendChild(element("a", config.open_grid, { href: p.url }));
    links.appendChild(element("a", config.open_dashboard, { href: p.dashboard }));
    box.appendChild(links);
    return box;
  }

  function legend(max, config) {
    var box = document.getElementById("map-legend");
    if (!box) return;
    box.textContent = "";
    box.appendChild(element("span", config.measure + ":"));
    var steps = [[0, "0"]];
    for (var i = 1; i <= 4; i++) {
      var low = Math.floor(((i - 1) * max) / 4) + 1, high = Math.floor((i * max) / 4);
      if (high >= low) steps.push([i, low === high ? String(low) : low + "–" + high]);
    }
    steps.forEach(function (s) {
      var item = element("span", null, { "class": "legend-item" });
      var swatch = element("i", null, { "class": "swatch" });
      swatch.style.background = CLASSES[s[0]];  // CSSOM, allowed by the CSP
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s[1]));
      box.appendChild(item);
    });
  }

  function showMap(node) {
    var config = JSON.parse(node.getAttribute("data-map"));
    var map = baseMap(node, config);
    fetch(config.data, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (collection) {
        var grids = collection.features.filter(function (f) { return f.properties.kind === "grid"; });
        var max = Math.max.apply(null, [1].concat(grids.map(function (f) { return f.properties.value; })));
        var layer = L.geoJSON(collection, {
          style: function (f) {
            var p = f.properties;
            if (p.kind !== "grid") return { color: "#333", weight: 3, fill: false, dashArray: "8 4" };
            return { color: "#444", weight: 1, fillColor: CLASSES[classOf(p.value, max)], fillOpacity: 0.85 };
          },
          onEachFeature: function (f, l) {
            l.bindPopup(popup(f.properties, config));
            if (f.properties.kind === "grid") {
              // Leaflet renders a string tooltip as HTML: a grid named <img onerror=…> would run
              // in the viewer's browser. An element built with textContent shows it as text.
              l.bindTooltip(element("span", f.properties.name + " " + f.properties.value), { sticky: true });
            }
          }
        }).addTo(map);
        if (collection.features.length) {
          map.fitBounds(layer.getBounds(), { padding: [12, 12] });
        } else {
          map.fitBounds(DEFAULT_VIEW);
          node.appendChild(element("p", config.empty, { "class": "map-empty" }));
        }
        legend(max, config);
        node.setAttribute("data-loaded", String(collection.features.length));
      });
  }

  function showEditor(node) {
    var config = JSON.parse(node.getAttribute("data-draw"));
    var map = baseMap(node, config);
    var field = document.getElementById("geometry");
    var drawn = L.featureGroup().addTo(map);

    function write() {
      var polygons = [];
      drawn.eachLayer(function (layer) {
        var geometry = layer.toGeoJSON().geometry;
        if (geometry.type === "Polygon") polygons.push(geometry.coordinates);
        if (geometry.type === "MultiPolygon") polygons = polygons.concat(geometry.coordinates);
      });
      field.value = !polygons.length ? "" : JSON.stringify(polygons.length === 1
        ? { type: "Polygon", coordinates: polygons[0] }
        : { type: "MultiPolygon", coordinates: polygons });
    }

    function adopt(layer) {
      drawn.addLayer(layer);
      layer.on("pm:edit pm:dragend", write);
    }

    var start = config.submitted || config.boundary;
    var framed = false;
    if (start) {
      try {
        L.geoJSON(JSON.parse(start), { style: { color: "#c0392b", weight: 2 } })
          .eachLayer(function (layer) { adopt(layer); });
        if (drawn.getLayers().length) { map.fitBounds(drawn.getBounds(), { padding: [24, 24] }); framed = true; }
      } catch (e) { /* a malformed submission: the server's message says what is wrong */ }
    }
    fetch(config.neighbours, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (collection) {
        collection.features = collection.features.filter(function (f) { return f.properties.id !== config.grid; });
        var others = L.geoJSON(collection, {
          style: { color: "#888", weight: 1, fillColor: "#ccc", fillOpacity: 0.4 }, pmIgnore: true,
          onEachFeature: function (f, l) { l.bindTooltip(element("span", f.properties.name)); }
        }).addTo(map);
        if (!framed) map.fitBounds(collection.features.length ? others.getBounds() : DEFAULT_VIEW);
        node.setAttribute("data-loaded", "1");
      });

    map.pm.setLang(document.documentElement.lang === "en" ? "en" : "zh");
    map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false,
                         drawPolyline: false, drawCircle: false, drawText: false,
                         cutPolygon: false, rotateMode: false });
    map.on("pm:create", function (event) { adopt(event.layer); write(); });
    map.on("pm:remove", function (event) { drawn.removeLayer(event.layer); write(); });
  }

  function init(root) {
    if (!window.L) return;
    root.querySelectorAll("[data-map]").forEach(showMap);
    root.querySelectorAll("[data-draw]").forEach(showEditor);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  // The wall screen's panel (with its map) is replaced by htmx polling.
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
