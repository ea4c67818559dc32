// The phone's queue of visits and case reports made without signal, and the sending of it.
// Loaded by every page (before offline.js) and by the service worker (sw.js, for Background
// Sync), so that both keep and send uploads the same way. Holds no words: a row's state is a
// code the queue page puts in the page's language; a refusal keeps the server's own message.
//
// An item: {id (the idempotency key, a uuid made on the phone), kind ("visit" | "case"), url
// (the form it is posted to), fields ([name, text] pairs), files ([{name, blob, filename}]:
// photos kept as Blobs), label, formUrl (the page to mend it on), created (ms), state
// ("pending" | "conflict" | "login" | "denied" | "server"), message, errors}.
(function (global) {
  "use strict";

  var DB_NAME = "gridportal-offline";
  var QUEUE = "queue";
  var META = "meta";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = global.indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(QUEUE)) {
          db.createObjectStore(QUEUE, {keyPath: "id"});
        }
        if (!db.objectStoreNames.contains(META)) {
          db.createObjectStore(META);
        }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // One request in its own transaction; resolves with its result once the transaction is done.
  function run(storeName, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(storeName, mode);
        var request = work(transaction.objectStore(storeName));
        transaction.oncomplete = function () { db.close(); resolve(request.result); };
        transaction.onerror = transaction.onabort = function () {
          db.close();
          reject(transaction.error);
        };
      });
    });
  }

  function newKey() {
    if (global.crypto && global.crypto.randomUUID) {
      return global.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  var store = {
    newKey: newKey,
    all: function () {
      return run(QUEUE, "readonly", function (s) { return s.getAll(); }).then(function (items) {
        return items.sort(function (a, b) { return a.created - b.created; });
      });
    },
    get: function (id) { return run(QUEUE, "readonly", function (s) { return s.get(id); }); },
    put: function (item) { return run(QUEUE, "readwrite", function (s) { return s.put(item); }); },
    remove: function (id) {
      return run(QUEUE, "readwrite", function (s) { return s.delete(id); });
    },
    meta: function (key) { return run(META, "readonly", function (s) { return s.get(key); }); },
    setMeta: function (key, value) {
      return run(META, "readwrite", function (s) { return s.put(value, key); });
    },
    // Everything the phone holds of the portal's: the queue, the caches (logout, another user).
    wipe: function () {
      var caches = global.caches ? global.caches.keys().then(function (names) {
        return Promise.all(names.map(function (name) { return global.caches.delete(name); }));
      }) : Promise.resolve();
      var database = new Promise(function (resolve) {
        var request = global.indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      });
      return Promise.all([caches, database]);
    },
  };

  // Build the upload from an item, with a fresh CSRF token (a page kept for hours holds an
  // expired one) and the item's key, so that the server answers a repeat with the first outcome.
  function formOf(item, token) {
    var data = new FormData();
    item.fields.forEach(function (pair) {
      if (pair[0] !== "csrf_token" && pair[0] !== "idempotency_key") {
        data.append(pair[0], pair[1]);
      }
    });
    (item.files || []).forEach(function (file) {
      data.append(file.name, file.blob, file.filename || "photo.jpg");
    });
    data.append("csrf_token", token);
    data.append("idempotency_key", item.id);
    return data;
  }

  function toLogin(response) {
    return response.redirected && /\/login$/.test(new URL(response.url).pathname);
  }

  function json(response) {
    var type = response.headers.get("Content-Type") || "";
    return type.indexOf("application/json") >= 0 ? response.json() : Promise.resolve(null);
  }

  // Send what waits, oldest first. Resolves with {sent, left, stopped}: "offline" (no network:
  // everything stays), "login" (the session ended: everything stays until the user logs in),
  // or null. A refusal (409, 422, 403, 404) is kept as a conflict with the server's message; a
  // server error leaves the item waiting for the next attempt.
  function sendOnce(csrfUrl) {
    var outcome = {sent: 0, left: 0, stopped: null};
    return store.all().then(function (items) {
      var waiting = items.filter(function (item) {
        return item.state === "pending" || item.state === "login" || item.state === "server";
      });
      if (!waiting.length) {
        return outcome;
      }
      return fetch(csrfUrl, {credentials: "same-origin", headers: {Accept: "application/json"},
                             cache: "no-store"}).then(function (response) {
        if (toLogin(response) || response.status === 401) {
          outcome.stopped = "login";
          return null;
        }
        return json(response).then(function (body) { return body && body.token; });
      }, function () {
        outcome.stopped = "offline";
        return null;
      }).then(function (token) {
        if (!token) {
          if (!outcome.stopped) {
            outcome.stopped = "server";
          }
          return Promise.all(waiting.map(function (item) {
            if (outcome.stopped === "login" && item.state !== "login") {
              item.state = "login";
              return store.put(item);
            }
            return null;
          }));
        }
        return waiting.reduce(function (chain, item) {
          return chain.then(function () {
            if (outcome.stopped) {
              return null;
            }
            return sendItem(item, token, outcome);
          });
        }, Promise.resolve());
      });
    }).then(function () {
      return store.all();
    }).then(function (items) {
      outcome.left = items.length;
      return outcome;
    });
  }

  function sendItem(item, token, outcome) {
    return fetch(item.url, {method: "POST", body: formOf(item, token), credentials: "same-origin",
                            headers: {Accept: "application/json", "X-CSRFToken": token}})
      .then(function (response) {
        if (toLogin(response)) {
          outcome.stopped = "login";
          item.state = "login";
          return store.put(item);
        }
        return json(response).then(function (body) {
          if (response.ok && body && body.ok) {
            outcome.sent += 1;
            return store.remove(item.id);
          }
          if (response.status >= 500 || response.status === 400 && !body) {
            // the server failed, or the token was refused: try again later, the key keeps it once
            item.state = "server";
            outcome.stopped = "server";
            return store.put(item);
          }
          item.state = response.status === 403 && !body ? "denied" : "conflict";
          item.message = body && body.message || "";
          item.errors = body && body.errors || {};
          return store.put(item);
        });
      }, function () {
        outcome.stopped = "offline";
      });
  }

  // One sender at a time across the pages and the service worker (the key makes a second send
  // harmless, but the rows would flicker).
  function send(csrfUrl) {
    if (global.navigator && global.navigator.locks) {
      return global.navigator.locks.request("gridportal-offline-send", function () {
        return sendOnce(csrfUrl);
      });
    }
    return sendOnce(csrfUrl);
  }

  store.send = send;
  global.GridOffline = store;
})(self);
