// The places' map (data-places-map: markers with name, kind and link, the tile server), with
// the vendored Leaflet. Without a configured tile server the points lie on a plain background,
// as the grid map's do. Names reach Leaflet only as DOM nodes built with textContent (Leaflet
// puts strings into popups as HTML).
(function () {
  "use strict";
  var DEFAULT_VIEW = [[28.5, 112.7], [28.9, 113.1]];

  function element(tag, text, attrs) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  function draw(node) {
    var config;
    try {
      config = JSON.parse(node.getAttribute("data-places-map"));
    } catch (ignored) {
      return;
    }
    if (typeof L === "undefined") return;
    var map = L.map(node, { zoomSnap: 0.25, attributionControl: !!config.tiles });
    if (config.tiles) {
      L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    }
    var bounds = [];
    (config.markers || []).forEach(function (m) {
      var box = element("div", null, { "class": "map-popup" });
      box.appendChild(element("strong", m.name));
      box.appendChild(element("div", m.kind));
      var links = element("div", null, { "class": "actions" });
      links.appendChild(element("a", config.open, { href: m.url }));
      box.appendChild(links);
      L.circleMarker([m.lat, m.lon], { radius: 8, color: "#c0392b", weight: 2, fillOpacity: 0.6 })
        .bindPopup(box).addTo(map);
      bounds.push([m.lat, m.lon]);
    });
    if (bounds.length === 1) {
      map.setView(bounds[0], 16);
    } else if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
    } else {
      map.fitBounds(DEFAULT_VIEW);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("places-map");
    if (node) draw(node);
  });
})();
