// The patrol page (plugins/grid_work/patrols/templates/grid_work/patrols/patrol.html):
// - a point's or a found problem's form carries the moment the phone took it (data-taken-at,
//   ms since 1970), so a form kept offline and sent later keeps its own time;
// - "发现问题" asks the phone where it is as the page opens and again when the form is used,
//   so the case is filed where the worker stands (geo.js fills the hidden fields);
// - the points passed are drawn on a map (vendored Leaflet) from the page's data-track; the
//   page has no inline script (CSP), and labels reach Leaflet as DOM nodes, never as HTML.
(function () {
  "use strict";

  // before offline.js's own listener (capture phase): the time is in the form it keeps
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-patrol-form")) {
      return;
    }
    var taken = form.querySelector("[data-taken-at]");
    if (taken && !taken.value) {
      taken.value = String(Date.now());
    }
  }, true);

  function locateQuietly(box) {
    var button = box && box.querySelector("[data-geo-locate]");
    var lat = box && box.querySelector('input[data-geo="latitude"]');
    if (button && lat && !lat.value && navigator.geolocation && window.isSecureContext) {
      button.click();
    }
  }

  function track() {
    var node = document.getElementById("patrol-map");
    if (!node || !window.L) {
      return;
    }
    var config = JSON.parse(node.getAttribute("data-track"));
    var points = config.points || [];
    if (!points.length) {
      return;
    }
    var map = L.map(node, {zoomSnap: 0.25, attributionControl: !!config.tiles});
    if (config.tiles) {
      L.tileLayer(config.tiles, {attribution: config.attribution, maxZoom: 19}).addTo(map);
    }
    var line = points.map(function (p) { return [p.lat, p.lon]; });
    if (line.length > 1) {
      L.polyline(line, {color: "#1f618d", weight: 3}).addTo(map);
    }
    points.forEach(function (p) {
      var label = document.createElement("span");
      label.textContent = p.label;
      L.circleMarker([p.lat, p.lon], {radius: 7, color: "#c0392b", fillOpacity: 0.8})
        .bindTooltip(label).addTo(map);
    });
    if (line.length === 1) {
      map.setView(line[0], 17);
    } else {
      map.fitBounds(L.latLngBounds(line), {padding: [24, 24], maxZoom: 18});
    }
  }

  function start() {
    var problem = document.querySelector("#problem [data-geo-box]");
    if (problem) {
      problem.closest("form").addEventListener("focusin", function () {
        locateQuietly(problem);
      }, {once: true});
    }
    track();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
