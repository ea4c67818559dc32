// The portal's service worker, served at /sw.js by portal/offline/views.py (which fills in the
// names in capitals, so its scope is the whole portal and its version follows the files it keeps).
//
// - the shell (CSS, scripts, icons, the "no network" page) is kept per version, cache first;
// - a grid worker's pages (the task list "/", their grid's households, the visit and case forms,
//   the queue) are fetched network first and kept with the time fetched; without network the copy
//   is shown if it is younger than KEEP_DAYS, and an older one is deleted, never shown;
// - a visit or case form posted while the network fails is kept in the queue (offline-store.js)
//   instead of being lost, and the queue is sent on Background Sync where the phone has it.
// Nothing here knows who is logged in: the page wipes every cache when another user logs in or
// at logout (offline.js), so the kept pages are only ever one user's.
/* global GridOffline */
"use strict";

var VERSION = "__VERSION__";
var SHELL = __SHELL__;
var PAGES = __PAGES__;
var KEEP_MS = __KEEP_DAYS__ * 24 * 3600 * 1000;
var FALLBACK = __FALLBACK__;
var VISIT_FORM = __VISIT_FORM__;
var QUEUE_PAGE = __QUEUE__;
var CASE_FORM = __CASE_FORM__;
var CSRF_URL = __CSRF__;
var SHELL_CACHE = "gridportal-shell-" + VERSION;
var PAGE_CACHE = "gridportal-pages";
var FETCHED = "X-Offline-Fetched-At";
var VISIT_PAGE = /^\/visits\/households\/\d+\/new$/;
var SYNC_TAG = "gridportal-upload";

importScripts(SHELL.filter(function (url) { return /offline-store\.js$/.test(url); })[0]);

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("gridportal-shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(purge).then(function () { return self.clients.claim(); }));
});

function fresh(response) {
  var at = Number(response.headers.get(FETCHED));
  return at > 0 && Date.now() - at < KEEP_MS;
}

// Copies older than KEEP_DAYS are deleted, not only hidden.
function purge() {
  return caches.open(PAGE_CACHE).then(function (cache) {
    return cache.keys().then(function (requests) {
      return Promise.all(requests.map(function (request) {
        return cache.match(request).then(function (response) {
          return response && fresh(response) ? null : cache.delete(request);
        });
      }));
    });
  });
}

// The pages this user's phone keeps: all of them for grid-level staff, else the queue and the
// case form (a village's staff reports too); none for anyone else.
function pagesFor(mode) {
  if (mode === "grid") {
    return PAGES;
  }
  return mode === "shell" ? [CASE_FORM, QUEUE_PAGE] : [];
}

function keep(path, response) {
  return response.blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set(FETCHED, String(Date.now()));
    return caches.open(PAGE_CACHE).then(function (cache) {
      return cache.put(path, new Response(body, {status: response.status,
                                                 statusText: response.statusText,
                                                 headers: headers}));
    });
  });
}

function copyOf(path) {
  return caches.open(PAGE_CACHE).then(function (cache) {
    return cache.match(path).then(function (response) {
      if (response && !fresh(response)) {
        return cache.delete(path).then(function () { return null; });
      }
      return response || null;
    });
  });
}

function mode() {
  return GridOffline.meta("mode").catch(function () { return ""; });
}

function keepable(response) {
  return response.ok && !response.redirected && response.type === "basic";
}

var PRIME_EVERY_MS = 10 * 60 * 1000;

// Fetch the pages to keep (at most every ten minutes: a page load is not a reason to fetch five),
// and the shell again if a wipe took it.
function prime(forMode) {
  var shell = caches.open(SHELL_CACHE).then(function (cache) {
    return cache.keys().then(function (kept) {
      return kept.length >= SHELL.length ? null : cache.addAll(SHELL);
    });
  }).catch(function () { return null; });
  return GridOffline.meta("primed").then(function (at) {
    if (at && Date.now() - at < PRIME_EVERY_MS) {
      return shell;
    }
    return Promise.all([shell, fetchPages(forMode)]).then(function () {
      return GridOffline.setMeta("primed", Date.now());
    });
  });
}

function fetchPages(forMode) {
  return Promise.all(pagesFor(forMode).map(function (path) {
    return fetch(path, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
      return keepable(response) ? keep(path, response) : null;
    }).catch(function () { return null; });
  }));
}

function fallback() {
  return caches.match(FALLBACK).then(function (response) {
    return response || new Response("", {status: 503});
  });
}

function page(request, path) {
  return fetch(request).then(function (response) {
    return mode().then(function (current) {
      if (pagesFor(current).indexOf(path) >= 0 && keepable(response)) {
        return keep(path, response.clone()).then(function () { return response; });
      }
      return response;
    });
  }).catch(function () {
    return copyOf(path).then(function (copy) {
      if (copy) {
        return copy;
      }
      return VISIT_PAGE.test(path) ? copyOf(VISIT_FORM).then(function (form) {
        return form || fallback();
      }) : fallback();
    });
  });
}

// A visit or case form posted when the network failed (the phone thought it had signal): kept in
// the queue with its photos, and the phone is shown the queue.
function postOrKeep(request, path) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.formData().then(function (data) {
      var fields = [];
      var files = [];
      data.forEach(function (value, name) {
        if (typeof value === "string") {
          fields.push([name, value]);
        } else if (value && value.size) {
          files.push({name: name, blob: value, filename: value.name});
        }
      });
      return GridOffline.put({
        id: data.get("idempotency_key") || GridOffline.newKey(), url: path,
        kind: VISIT_PAGE.test(path) ? "visit" : "case", fields: fields, files: files,
        label: "", formUrl: path, created: Date.now(), state: "pending"});
    }).then(function () {
      if (self.registration.sync) {
        self.registration.sync.register(SYNC_TAG).catch(function () {});
      }
      return Response.redirect(QUEUE_PAGE + "?kept=1", 303);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.method === "POST" && request.mode === "navigate" &&
      (VISIT_PAGE.test(url.pathname) || url.pathname === CASE_FORM)) {
    event.respondWith(postOrKeep(request, url.pathname));
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  if (SHELL.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname).then(function (kept) {
      return kept || fetch(request);
    }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(request, url.pathname));
  }
});

function tellClients(message) {
  return self.clients.matchAll({type: "window"}).then(function (clients) {
    clients.forEach(function (client) { client.postMessage(message); });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "hello") {
    // the page says which kind of user is logged in; it wiped the caches first if another was
    event.waitUntil(GridOffline.setMeta("mode", data.mode).then(function () {
      if (!pagesFor(data.mode).length) {
        return caches.delete(PAGE_CACHE);
      }
      return purge().then(function () { return data.prime ? prime(data.mode) : null; });
    }).then(function () {
      if (event.source) {
        event.source.postMessage({type: "ready"});
      }
    }));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === SYNC_TAG) {
    event.waitUntil(GridOffline.send(CSRF_URL).then(function (outcome) {
      return tellClients({type: "sent", outcome: outcome});
    }));
  }
});
