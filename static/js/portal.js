// Small behaviours kept out of the templates so the Content-Security-Policy can forbid inline script.
document.addEventListener("click", function (event) {
  var confirmer = event.target.closest("[data-confirm]");
  if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-fill]") && event.target.value) {
    document.querySelector(event.target.getAttribute("data-fill")).value = event.target.value;
  }
  if (event.target.matches("[data-autosubmit]")) {
    event.target.form.submit();
  }
});

// ---------------------------------------------------------------- nothing fails silently
// A refused form (422) is swapped in by htmx (templates/base.html's responseHandling) with its
// messages beside the fields. Everything else that goes wrong says so here: the network failed,
// the server took too long, or answered an error that is not swapped (403, 404, 5xx, an expired
// page). The words come from the page (#request-failure-messages, translated by the server), so
// this script holds no language of its own.
(function () {
  "use strict";

  function words(kind) {
    var holder = document.getElementById("request-failure-messages");
    var found = holder && holder.content.querySelector('[data-kind="' + kind + '"]');
    return found ? found.textContent.trim() : "";
  }

  // What the server's own error page (templates/errors.html) says, when that is what came back.
  function serverSays(xhr) {
    var type = xhr && xhr.getResponseHeader && xhr.getResponseHeader("Content-Type");
    if (!type || type.indexOf("text/html") < 0 || !xhr.responseText) {
      return "";
    }
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var box = page.querySelector(".error-page");
    if (!box) {
      return "";
    }
    var said = box.querySelector("p:not(:last-child)") || box.querySelector("h1");
    return said ? said.textContent.trim() : "";
  }

  function messageFor(status, xhr) {
    if (status >= 500) {
      return words("server");
    }
    if (status === 403) {
      return words("denied");
    }
    if (status === 404) {
      return words("missing");
    }
    return serverSays(xhr) || words("other").replace("%s", String(status));
  }

  var LISTS = "tr, table, tbody, thead, ul, ol, dl, select";

  // Where the message goes: at the top of the form that was sent; else under the row of
  // controls the link or button stands in (a case's next steps, a pager), or in its cell; else
  // inside the element that asked (a polled panel); else with the page's flashes.
  function place(elt) {
    var form = elt && elt.isConnected && elt.closest("form");
    if (form) {
      return {parent: form, before: form.firstChild};
    }
    if (elt && elt.isConnected && elt !== document.body) {
      var parent = elt.parentElement;
      if (elt.matches("a, button, input, select, textarea")) {
        if (parent.matches("td, th, li, dd, dt, main, section, article, .panel")) {
          return {parent: parent, before: elt.nextSibling};
        }
        if (parent.parentElement && !parent.parentElement.matches(LISTS)) {
          return {parent: parent.parentElement, before: parent.nextSibling};
        }
      } else if (!elt.matches(LISTS)) {
        return {parent: elt, before: elt.firstChild};
      }
    }
    var flashes = document.getElementById("flashes");
    return flashes ? {parent: flashes, before: flashes.firstChild} : null;
  }

  function clear(elt) {
    var spot = place(elt);
    if (!spot) {
      return;
    }
    Array.prototype.forEach.call(spot.parent.children, function (child) {
      if (child.classList.contains("request-failure")) {
        child.remove();
      }
    });
  }

  function tell(elt, message) {
    var spot = place(elt);
    if (!spot || !message) {
      return;
    }
    clear(elt);
    var box = document.createElement("div");
    box.className = "flash flash-error request-failure";
    box.setAttribute("role", "alert");
    box.textContent = message;
    spot.parent.insertBefore(box, spot.before && spot.before.parentNode === spot.parent
      ? spot.before : null);
    var where = box.getBoundingClientRect();
    if (where.top < 0 || where.bottom > window.innerHeight) {
      box.scrollIntoView({block: "center"});
    }
  }

  function busy(elt, on) {
    var form = elt && elt.closest && elt.closest("form");
    if (!form) {
      return;
    }
    if (on) {
      form.setAttribute("aria-busy", "true");
    } else {
      form.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    // a panel that only helps (the 我也遇到 hints of a report form) is not asked while the phone
    // has no network: its failure would raise an alarm atop a form the phone keeps offline,
    // and scroll the page away from the button being tapped
    if (!navigator.onLine && elt && elt.hasAttribute && elt.hasAttribute("data-online-only")) {
      event.preventDefault();
      return;
    }
    clear(elt);
    busy(elt, true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    busy(event.detail.elt, false);
  });
  document.addEventListener("htmx:sendError", function (event) {
    tell(event.detail.elt, words("network"));
  });
  document.addEventListener("htmx:timeout", function (event) {
    tell(event.detail.elt, words("timeout"));
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    tell(event.detail.elt, messageFor(xhr ? xhr.status : 0, xhr));
  });
  document.addEventListener("htmx:targetError", function (event) {
    tell(event.detail.elt, words("page"));
  });

  // A session that ran out sends an htmx request to the login page: go there as a page (and
  // come back here afterwards) instead of swapping a login form into a corner of this one.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var login = document.body.getAttribute("data-login-url");
    if (!xhr || !xhr.responseURL || !login) {
      return;
    }
    var landed = new URL(xhr.responseURL, window.location.href);
    if (landed.pathname === login && window.location.pathname !== login) {
      event.detail.shouldSwap = false;
      landed.searchParams.set("next", window.location.pathname + window.location.search);
      window.location.assign(landed.toString());
    }
  });

  // After a refused form, bring its first error into view and put the cursor in its field:
  // on a phone the message may otherwise sit below the screen's edge.
  var MARKS = '[aria-invalid="true"], .has-error, .errors, [role="alert"]';

  function firstError(root, inFormsOnly) {
    var marks = Array.prototype.slice.call(root.querySelectorAll(MARKS));
    if (root.matches(MARKS)) {
      marks.unshift(root);  // a swapped-in element may itself be the error
    }
    for (var i = 0; i < marks.length; i++) {
      var mark = marks[i];
      if (mark.classList.contains("request-failure") || !mark.textContent.trim() &&
          !mark.matches("input, select, textarea")) {
        continue;
      }
      // on a whole page, a warning at its top (role=alert outside any form) is no form's error
      if (inFormsOnly && !mark.closest("form") &&
          !mark.matches('.errors, .has-error, [aria-invalid="true"]')) {
        continue;
      }
      if (mark.getClientRects().length) {
        return mark;
      }
    }
    return null;
  }

  function showFirstError(root, inFormsOnly) {
    var mark = firstError(root, inFormsOnly);
    if (!mark) {
      return;
    }
    var FIELDS = "input:not([type=hidden]), select, textarea";
    var container = mark.closest(".field") || mark;
    var label = container.querySelector("label[for]");
    // the field that is wrong, not a helper beside it (a reply template's picker)
    var field = mark.matches(FIELDS) ? mark
      : container.querySelector(FIELDS.split(", ").map(function (f) {
        return f + '[aria-invalid="true"]';
      }).join(", ")) || (label && document.getElementById(label.getAttribute("for"))) ||
        container.querySelector(FIELDS);
    if (!field) {
      var form = mark.closest("form");
      field = form && (form.querySelector('[aria-invalid="true"]') ||
                       form.querySelector(".has-error input, .has-error select, " +
                                          ".has-error textarea"));
    }
    if (field && field.matches(FIELDS) && !field.disabled) {
      field.focus({preventScroll: true});
    }
    var where = container.getBoundingClientRect();
    if (where.top < 0 || where.bottom > window.innerHeight) {
      container.scrollIntoView({block: "center"});
    }
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    // event.target: what was swapped in (for an outerHTML swap detail.target is gone)
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 422 && event.target && event.target.isConnected) {
      showFirstError(event.target, false);
    }
  });
  function onLoad() {
    showFirstError(document.getElementById("main") || document.body, true);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onLoad);
  } else {
    onLoad();
  }
}());
