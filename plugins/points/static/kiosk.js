// The kiosk goes back to its start page when nobody has touched it for a while, so the next
// person never finds the last one's name, balance or basket on the screen. For the last seconds
// a big countdown says so; any touch, click or key (a card scanner types) cancels it. The start
// page sends the server a new visit, which forgets the last person (plugins/points/kiosk.py);
// the start page itself only goes back when something was typed into it.
(function () {
  var box, seconds, countdown, timer, ticker, left;

  function hasTraces() {
    if (!box.hasAttribute("data-home")) return true;
    var q = document.getElementById("kiosk-q");
    var results = document.getElementById("kiosk-results");
    return Boolean((q && q.value.trim()) || (results && results.textContent.trim()));
  }

  function stopTicking() {
    clearInterval(ticker);
    ticker = null;
  }

  function arm() {
    clearTimeout(timer);
    stopTicking();
    box.hidden = true;
    timer = setTimeout(warn, Math.max(0, seconds - countdown) * 1000);
  }

  function show() {
    box.querySelector("[data-idle-left]").textContent = left;
    box.hidden = false;
  }

  function warn() {
    if (!hasTraces()) {
      arm();  // nothing of anyone on the screen: stay
      return;
    }
    left = countdown;
    show();
    ticker = setInterval(function () {
      left -= 1;
      if (left > 0) {
        show();
      } else {
        stopTicking();
        window.location.replace(box.getAttribute("data-href"));
      }
    }, 1000);
  }

  function touched(event) {
    if (!box) return;
    if (!box.hidden) {
      // The countdown is on top of the page: the touch that cancels it must not also press
      // what lies under it, so the overlay stays until this touch's click has landed on it.
      stopTicking();
      clearTimeout(timer);
      if (event.type === "keydown") arm();
      else timer = setTimeout(arm, 700);
      return;
    }
    arm();
  }

  document.addEventListener("DOMContentLoaded", function () {
    box = document.getElementById("kiosk-idle");
    if (!box) return;
    seconds = parseInt(box.getAttribute("data-seconds"), 10) || 60;
    countdown = Math.min(parseInt(box.getAttribute("data-countdown"), 10) || 10, seconds);
    ["pointerdown", "touchstart", "keydown", "input", "wheel", "scroll"].forEach(function (type) {
      document.addEventListener(type, touched, {capture: true, passive: true});
    });
    box.addEventListener("click", arm);
    arm();
  });

  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-back]");
    if (back && window.history.length > 1 && document.referrer.indexOf(window.location.origin + "/") === 0) {
      event.preventDefault();
      window.history.back();  // to the page the operator left, the basket still there
    }
  });

  // A page the browser kept in its back-forward cache is asked again (never shown as it was).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload();
  });
})();
