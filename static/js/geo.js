// "使用当前位置" (templates/macros/photo_location.html): fill a form's latitude and longitude
// from the phone's position, say plainly when that is refused or impossible, and, where the
// page gives data-contains-url (maps.contains), ask the server whether the point lies in the
// grid's boundary (the grid is the form's grid select, data-grid-field, or fixed in the URL).
// A position read from a photo's GPS by photos.js ("portal:location") is checked the same way.
// The words come from the page (the fieldset's data-messages, translated by the server).
(function () {
  "use strict";

  function words(box, key, values) {
    var text = "";
    try {
      text = JSON.parse(box.getAttribute("data-messages"))[key] || "";
    } catch (ignored) {
      text = "";
    }
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  }

  function show(box, selector, text, state) {
    var line = box.querySelector(selector);
    if (line) {
      line.textContent = text;
      line.setAttribute("data-state", state || "");
    }
  }

  function fields(box) {
    return {
      lat: box.querySelector('input[data-geo="latitude"]'),
      lon: box.querySelector('input[data-geo="longitude"]')
    };
  }

  function check(box, latitude, longitude, accuracy) {
    var url = box.getAttribute("data-contains-url");
    show(box, "[data-geo-inside]", "", "");
    if (!url) {
      return;
    }
    var query = new URLSearchParams();
    var gridField = box.getAttribute("data-grid-field");
    if (gridField) {
      var select = box.form ? box.form.elements[gridField]
        : box.closest("form") && box.closest("form").elements[gridField];
      var grid = select && select.value;
      if (!grid || grid === "0") {
        return; // no grid chosen yet: asked again when one is
      }
      query.set("grid", grid);
    }
    query.set("lat", latitude);
    query.set("lon", longitude);
    if (accuracy) {
      query.set("acc", Math.round(accuracy));
    }
    var target = url + (url.indexOf("?") < 0 ? "?" : "&") + query.toString();
    fetch(target, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        var state = answer.inside === true ? "inside" : answer.inside === false ? "outside" : "unknown";
        show(box, "[data-geo-inside]", answer.message || "", state);
      })
      .catch(function () {
        show(box, "[data-geo-inside]", words(box, "check_failed"), "unknown");
      });
  }

  function recheck(box) {
    var f = fields(box);
    if (f.lat && f.lon && f.lat.value.trim() && f.lon.value.trim()) {
      check(box, f.lat.value.trim(), f.lon.value.trim(), box.getAttribute("data-accuracy"));
    }
  }

  function locate(box) {
    var f = fields(box);
    show(box, "[data-geo-inside]", "", "");
    if (!window.isSecureContext) {
      show(box, "[data-geo-status]", words(box, "insecure"), "error");
      return;
    }
    if (!navigator.geolocation) {
      show(box, "[data-geo-status]", words(box, "unsupported"), "error");
      return;
    }
    show(box, "[data-geo-status]", words(box, "locating"), "working");
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords;
      var lat = c.latitude.toFixed(6);
      var lon = c.longitude.toFixed(6);
      if (f.lat && f.lon) {
        f.lat.value = lat;
        f.lon.value = lon;
      }
      box.setAttribute("data-accuracy", Math.round(c.accuracy || 0));
      // the form may ask what lies near the point (the 我也遇到 hints, portal/cases/me_too.py)
      box.dispatchEvent(new CustomEvent("portal:located", { bubbles: true }));
      show(box, "[data-geo-status]",
           words(box, "located", { lat: lat, lon: lon, m: Math.round(c.accuracy || 0) }), "ok");
      check(box, lat, lon, c.accuracy);
    }, function (error) {
      var key = error.code === 1 ? "denied" : error.code === 3 ? "timeout" : "unavailable";
      show(box, "[data-geo-status]", words(box, key), "error");
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-geo-locate]");
    var box = button && button.closest("[data-geo-box]");
    if (box) {
      event.preventDefault();
      locate(box);
    }
  });

  // a position read from a photo (photos.js)
  document.addEventListener("portal:location", function (event) {
    var form = event.target;
    var box = form && form.querySelector && form.querySelector("[data-geo-box]");
    if (!box || !event.detail) {
      return;
    }
    var lat = Number(event.detail.latitude).toFixed(6);
    var lon = Number(event.detail.longitude).toFixed(6);
    box.removeAttribute("data-accuracy");
    show(box, "[data-geo-status]", words(box, "from_photo", { lat: lat, lon: lon }), "ok");
    check(box, lat, lon, null);
  });

  // the grid chosen after the position: ask again for that grid
  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target && target.form;
    var box = form && form.querySelector("[data-geo-box][data-grid-field]");
    if (box && target.name === box.getAttribute("data-grid-field")) {
      recheck(box);
    }
  });
})();
