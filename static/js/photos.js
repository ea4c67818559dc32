// Phone photos, shrunk before they leave the phone (templates/macros/photo_location.html).
//
// A 12-megapixel phone photo is 3-8 MB; on a slow rural connection that is minutes per photo.
// When a photo field (input[data-photo]) changes, each chosen image is drawn onto a canvas at
// most data-max-side pixels on its long edge (the size the server keeps, PHOTO_MAX_SIDE),
// upright as the phone meant it (createImageBitmap's imageOrientation "from-image" applies the
// EXIF rotation), exported as JPEG and put back into the field through a DataTransfer. The
// canvas drops the EXIF, so the GPS position is read from the original first (the vendored
// exifr lite) and fills the form's empty latitude/longitude fields (input[data-geo]); geo.js
// hears "portal:location" and says whether the point lies in the grid.
//
// Anything that fails (an old browser, a photo too big for the phone's memory, a format the
// canvas cannot read) leaves the original in the field: the server accepts and shrinks it too,
// and reads its GPS itself. The words come from the page (data-messages of the status line).
(function () {
  "use strict";

  var QUALITY = 0.85;
  // a phone that cannot manage within this sends the originals (the button is not held forever)
  var PATIENCE_MS = 30000;

  function withTimeout(promise) {
    return Promise.race([promise, new Promise(function (resolve, reject) {
      setTimeout(function () { reject(new Error("timeout")); }, PATIENCE_MS);
    })]);
  }

  function statusFor(input) {
    var box = input.closest(".field");
    var next = box ? box.nextElementSibling : input.nextElementSibling;
    return next && next.matches("[data-photo-status]") ? next : null;
  }

  function say(status, key, values) {
    if (!status) {
      return;
    }
    var text = "";
    try {
      text = JSON.parse(status.getAttribute("data-messages"))[key] || "";
    } catch (ignored) {
      text = "";
    }
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    status.textContent = text;
    status.hidden = !text;
    status.setAttribute("data-state", key);
  }

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function gpsOf(file) {
    if (!window.exifr || typeof window.exifr.gps !== "function" || file.type !== "image/jpeg") {
      return Promise.resolve(null);
    }
    return window.exifr.gps(file).then(function (gps) {
      var ok = gps && isFinite(gps.latitude) && isFinite(gps.longitude) &&
        Math.abs(gps.latitude) <= 90 && Math.abs(gps.longitude) <= 180 &&
        !(gps.latitude === 0 && gps.longitude === 0);
      return ok ? gps : null;
    }, function () { return null; });
  }

  function shrink(file, maxSide) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || typeof createImageBitmap !== "function") {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // a transparent PNG becomes white, not black, as a JPEG
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) {
        bitmap.close();
      }
      return new Promise(function (resolve) {
        canvas.toBlob(resolve, "image/jpeg", QUALITY);
      });
    }).then(function (blob) {
      if (!blob || blob.size >= file.size) {
        return file; // already small: keep it as it is (the server drops its EXIF)
      }
      var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
      return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
    });
  }

  function fillLocation(form, gps) {
    if (!form || !gps) {
      return;
    }
    var lat = form.querySelector('input[data-geo="latitude"]');
    var lon = form.querySelector('input[data-geo="longitude"]');
    if (!lat || !lon || lat.value.trim() || lon.value.trim()) {
      return; // what the worker typed or located wins over the photo
    }
    lat.value = gps.latitude.toFixed(6);
    lon.value = gps.longitude.toFixed(6);
    form.dispatchEvent(new CustomEvent("portal:location", {
      bubbles: true, detail: { latitude: gps.latitude, longitude: gps.longitude, source: "photo" }
    }));
  }

  function busy(form, on) {
    if (!form) {
      return;
    }
    form.toggleAttribute("data-photos-busy", on);
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      if (on) {
        button.setAttribute("data-photos-disabled", "");
        button.disabled = true;
      } else if (button.hasAttribute("data-photos-disabled")) {
        button.removeAttribute("data-photos-disabled");
        button.disabled = false;
      }
    });
  }

  function handle(input) {
    var files = Array.prototype.slice.call(input.files || []);
    var status = statusFor(input);
    if (!files.length) {
      say(status, "");
      return;
    }
    var maxSide = parseInt(status && status.getAttribute("data-max-side"), 10) || 2048;
    var before = files.reduce(function (sum, f) { return sum + f.size; }, 0);
    var form = input.form;
    busy(form, true);
    say(status, "working");
    // the GPS first, from the originals (the shrunk copies have no EXIF)
    withTimeout(Promise.all(files.map(gpsOf))).then(function (positions) {
      fillLocation(form, positions.filter(Boolean)[0]);
    }).catch(function () { /* no position: nothing to fill */ }).then(function () {
      // one at a time: six 12 MP bitmaps at once would be 300 MB of a phone's memory
      return withTimeout(files.reduce(function (chain, file) {
        return chain.then(function (done) {
          return shrink(file, maxSide).then(function (small) { return done.concat([small]); });
        });
      }, Promise.resolve([])));
    }).then(function (shrunk) {
      var changed = shrunk.some(function (file, i) { return file !== files[i]; });
      if (!changed) {
        say(status, "kept", { size: megabytes(before) });
        return;
      }
      if (typeof DataTransfer !== "function") {
        throw new Error("no DataTransfer");
      }
      var transfer = new DataTransfer();
      shrunk.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files; // sets the field; fires no second "change"
      if (input.files.length !== shrunk.length) {
        throw new Error("files not replaced");
      }
      var after = shrunk.reduce(function (sum, f) { return sum + f.size; }, 0);
      say(status, "done", { n: shrunk.length, before: megabytes(before), after: megabytes(after) });
    }).catch(function () {
      say(status, "failed"); // the originals stay in the field
    }).then(function () {
      busy(form, false);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("input[type=file][data-photo]")) {
      handle(input);
    }
  });
})();
