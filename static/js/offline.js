// The phone without signal, the page's side (portal/offline; the service worker is sw.js, the
// queue offline-store.js). For logged-in staff it registers the service worker, wipes the phone's
// copies when another user logs in or at logout, keeps a visit or case form submitted without
// network in the queue, shows "待上传 N", sends the queue when the network returns (the online
// event, every page load, Background Sync) and draws the queue page. Words come from the page
// (#offline-messages and the queue page's data-labels).
/* global GridOffline */
(function () {
  "use strict";

  var OWNER_KEY = "gridportal-offline-owner";
  var VISIT_PAGE = /^\/visits\/households\/(\d+)\/new$/;
  var body = document.body;
  var settings = body ? body.dataset : {};
  var store = window.GridOffline;

  function words(kind, values) {
    var holder = document.getElementById("offline-messages");
    var found = holder && holder.content.querySelector('[data-kind="' + kind + '"]');
    var text = found ? found.textContent.trim() : "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.replace("{" + key + "}", values[key]);
    });
    return text;
  }

  function flash(text, kind) {
    var box = document.getElementById("flashes");
    if (!box || !text) {
      return;
    }
    // the page's own send and the service worker's background sync may both report the same
    // outcome (a session expired): say it once
    var shown = Array.prototype.some.call(box.children, function (child) {
      return child.textContent === text;
    });
    if (shown) {
      return;
    }
    var note = document.createElement("div");
    note.className = "flash flash-" + (kind || "info");
    note.setAttribute("role", "status");
    note.textContent = text;
    box.appendChild(note);
  }

  function wipe() {
    try {
      localStorage.removeItem(OWNER_KEY);
    } catch (e) { /* private mode */ }
    return store ? store.wipe() : Promise.resolve();
  }

  // ------------------------------------------------------------------ the badge
  function showCount() {
    var badge = document.querySelector("[data-offline-badge]");
    if (!badge || !store) {
      return Promise.resolve(0);
    }
    return store.all().then(function (items) {
      badge.hidden = !items.length;
      badge.textContent = badge.getAttribute("data-text").replace("{n}", String(items.length));
      return items.length;
    }).catch(function () { return 0; });
  }

  // ------------------------------------------------------------------ sending
  var sending = null;

  function send() {
    if (!store || !navigator.onLine || sending) {
      return sending || Promise.resolve(null);
    }
    sending = store.send(settings.offlineCsrfUrl).then(function (outcome) {
      sending = null;
      after(outcome);
      return outcome;
    }, function () {
      sending = null;
      return null;
    });
    return sending;
  }

  function after(outcome) {
    if (outcome && outcome.sent) {
      flash(words("sent", {n: outcome.sent}), "success");
    }
    if (outcome && outcome.stopped === "login") {
      flash(words("login"), "error");
    }
    showCount();
    drawQueue();
  }

  function askForSync() {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.sync && registration.sync.register("gridportal-upload");
    }).catch(function () { /* no Background Sync: the online event and page loads send */ });
  }

  // ------------------------------------------------------------------ keeping a form
  function visitUrl(form) {
    var select = form.querySelector("[data-offline-household]");
    if (!select) {
      return null;
    }
    return form.getAttribute("data-visit-url").replace(/\/0\/new$/, "/" + select.value + "/new");
  }

  function chosenHousehold(form) {
    var select = form.querySelector("[data-offline-household]");
    if (!select) {
      return true;
    }
    var option = select.selectedOptions[0];
    var grid = form.querySelector("[name=household_grid]");
    if (grid && option) {
      grid.value = option.getAttribute("data-grid") || "";
    }
    if (!select.value) {
      select.setCustomValidity(" ");
      select.reportValidity();
      select.setCustomValidity("");
      return false;
    }
    return true;
  }

  function labelOf(form) {
    var select = form.querySelector("[data-offline-household]");
    if (select && select.selectedOptions[0]) {
      return select.selectedOptions[0].textContent.trim();
    }
    return form.getAttribute("data-offline-label") || "";
  }

  function keepForm(form, editing) {
    var data = new FormData(form);
    var fields = [];
    var files = [];
    data.forEach(function (value, name) {
      if (typeof value === "string") {
        fields.push([name, value]);
      } else if (value && value.size) {
        files.push({name: name, blob: value, filename: value.name});
      }
    });
    var url = visitUrl(form) || form.getAttribute("action") || location.pathname;
    var old = editing ? store.get(editing) : Promise.resolve(null);
    return old.then(function (previous) {
      var item = {
        // a mended upload gets a new key: the refused one made nothing on the server
        id: store.newKey(), url: new URL(url, location.href).pathname,
        kind: form.getAttribute("data-offline-form"), fields: fields,
        files: files.length || !previous ? files : previous.files,
        label: labelOf(form), formUrl: previous ? previous.formUrl : location.pathname,
        created: previous ? previous.created : Date.now(), state: "pending"};
      return store.put(item).then(function () {
        return previous ? store.remove(previous.id) : null;
      });
    });
  }

  function mend(form) {
    var match = /^#offline-edit=(.+)$/.exec(location.hash);
    if (!match) {
      return;
    }
    store.get(decodeURIComponent(match[1])).then(function (item) {
      if (!item) {
        return;
      }
      form.dataset.offlineEditing = item.id;
      var visit = VISIT_PAGE.exec(item.url);
      var select = form.querySelector("[data-offline-household]");
      if (visit && select) {
        select.value = visit[1];
      }
      item.fields.forEach(function (pair) {
        var field = form.elements[pair[0]];
        if (!field || pair[0] === "csrf_token" || pair[0] === "idempotency_key" ||
            field.type === "file") {
          return;
        }
        if (field.type === "checkbox") {
          field.checked = true;
        } else {
          field.value = pair[1];
        }
      });
      var note = document.createElement("p");
      note.className = "flash flash-info";
      note.textContent = words("editing") + (item.message ? " " + item.message : "");
      form.insertBefore(note, form.firstChild);
    });
  }

  function watchForm(form) {
    var key = document.createElement("input");
    key.type = "hidden";
    key.name = "idempotency_key";
    // online too: a double tap or a resent form finds the first record instead of a second
    key.value = store.newKey();
    form.appendChild(key);
    // the phone's one visit form, shown for a household's visit page: that household is chosen
    var select = form.querySelector("[data-offline-household]");
    var visit = VISIT_PAGE.exec(location.pathname);
    if (select && visit) {
      select.value = visit[1];
    }
    mend(form);
    form.addEventListener("submit", function (event) {
      if (!chosenHousehold(form)) {
        event.preventDefault();
        return;
      }
      var editing = form.dataset.offlineEditing;
      if (!editing && navigator.onLine) {
        var target = visitUrl(form);
        if (target) {
          form.action = target;
        }
        return; // posted as usual; the service worker keeps it if the network fails after all
      }
      event.preventDefault();
      keepForm(form, editing).then(function () {
        askForSync();
        location.href = settings.offlineQueueUrl + "?kept=1";
      });
    });
  }

  // ------------------------------------------------------------------ the queue page
  function drawQueue() {
    var panel = document.querySelector("[data-offline-queue]");
    if (!panel || !store) {
      return;
    }
    var labels = JSON.parse(panel.getAttribute("data-labels"));
    var list = panel.querySelector("[data-offline-list]");
    store.all().then(function (items) {
      panel.querySelector("[data-offline-empty]").hidden = items.length > 0;
      list.textContent = "";
      items.forEach(function (item) { list.appendChild(row(item, labels)); });
    });
  }

  function fieldOf(item, name) {
    var found = item.fields.filter(function (pair) { return pair[0] === name; })[0];
    return found ? found[1] : "";
  }

  function row(item, labels) {
    var li = document.createElement("li");
    li.className = "offline-item state-" + item.state;
    li.setAttribute("data-offline-item", item.id);
    var head = document.createElement("div");
    var kind = document.createElement("strong");
    kind.textContent = labels[item.kind] || item.kind;
    var state = document.createElement("span");
    state.className = "badge";
    state.textContent = labels[item.state === "conflict" || item.state === "denied" ? "conflict"
                               : item.state === "login" ? "login" : "pending"];
    head.appendChild(kind);
    head.appendChild(document.createTextNode(" "));
    head.appendChild(state);
    li.appendChild(head);
    var summary = document.createElement("p");
    var text = item.kind === "visit" ? fieldOf(item, "found") : fieldOf(item, "title");
    summary.textContent = [item.label, text].filter(Boolean).join(" · ");
    li.appendChild(summary);
    var when = document.createElement("small");
    when.className = "meta";
    when.textContent = labels.saved_at + " " + new Date(item.created).toLocaleString();
    li.appendChild(when);
    if (item.state === "conflict" || item.state === "denied") {
      var message = document.createElement("p");
      message.className = "flash flash-error";
      message.textContent = item.message || words(item.state === "denied" ? "denied" : "server");
      li.appendChild(message);
      var buttons = document.createElement("p");
      buttons.className = "actions";
      buttons.appendChild(button(labels.edit, function () {
        location.href = item.formUrl + "#offline-edit=" + encodeURIComponent(item.id);
      }));
      buttons.appendChild(button(labels.retry, function () {
        item.state = "pending";
        store.put(item).then(send).then(drawQueue);
      }));
      buttons.appendChild(button(labels.discard, function () {
        if (window.confirm(words("discard"))) {
          store.remove(item.id).then(showCount).then(drawQueue);
        }
      }, "danger"));
      li.appendChild(buttons);
    }
    return li;
  }

  function button(text, action, kind) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (kind) {
      b.className = kind;
    }
    b.addEventListener("click", action);
    return b;
  }

  // ------------------------------------------------------------------ a kept copy, shown
  function sayIfCopy() {
    if (navigator.onLine || !window.caches) {
      return;
    }
    caches.match(location.pathname).then(function (copy) {
      var at = copy && Number(copy.headers.get("X-Offline-Fetched-At"));
      if (at) {
        flash(words("copy", {time: new Date(at).toLocaleString()}), "info");
      }
    });
  }

  // ------------------------------------------------------------------ logout
  function watchLogout(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.offlineWiped) {
        return;
      }
      event.preventDefault();
      showCount().then(function (count) {
        if (count && !window.confirm(words("logout", {n: count}))) {
          return;
        }
        // the response's Clear-Site-Data does it too; this covers a browser without it
        wipe().then(function () {
          form.dataset.offlineWiped = "1";
          form.submit();
        });
      });
    });
  }

  // ------------------------------------------------------------------ start
  function start() {
    var mode = settings.offlineMode;
    var owner = settings.offlineOwner;
    if (!store || !owner) {
      return; // not logged in: the queue waits for its user to log in again
    }
    if (!mode) {
      // a resident (or a role without the app) on a phone staff used: nothing of theirs stays
      wipe();
      if ("serviceWorker" in navigator) {
        navigator.serviceWorker.getRegistrations().then(function (registrations) {
          registrations.forEach(function (r) { r.unregister(); });
        });
      }
      return;
    }
    var previous = null;
    try {
      previous = localStorage.getItem(OWNER_KEY);
    } catch (e) { /* private mode */ }
    var ready = previous && previous !== owner ? wipe() : Promise.resolve();
    ready.then(function () {
      try {
        localStorage.setItem(OWNER_KEY, owner);
      } catch (e) { /* private mode */ }
      document.querySelectorAll("form[data-offline-form]").forEach(watchForm);
      document.querySelectorAll("form[data-offline-logout]").forEach(watchLogout);
      showCount();
      drawQueue();
      sayIfCopy();
      if (/[?&]kept=1/.test(location.search)) {
        flash(words("saved"), "info");
      }
      var sendButton = document.querySelector("[data-offline-send]");
      if (sendButton) {
        sendButton.addEventListener("click", send);
      }
      window.addEventListener("online", send);
      send();
      register(mode);
    });
  }

  function register(mode) {
    if (!("serviceWorker" in navigator)) {
      return;
    }
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "ready") {
        document.documentElement.setAttribute("data-offline-ready", "1");
      } else if (data.type === "sent") {
        after(data.outcome);
      }
    });
    navigator.serviceWorker.register(settings.offlineWorker, {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      registration.active.postMessage({type: "hello", mode: mode, prime: navigator.onLine});
    }).catch(function () { /* an old browser, or http on another host: pages work online */ });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
