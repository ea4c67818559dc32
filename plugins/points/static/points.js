// The kiosk basket's + / − buttons and running total, "select all" on the award form, and a
// confirm button that can be pressed once. Everything works without this file too: the server
// checks every basket again and a repeated confirm finds the redemption it already made.
(function () {
  function basketTotal(form) {
    var sum = 0;
    form.querySelectorAll(".kiosk-item").forEach(function (item) {
      var input = item.querySelector("input[type=number]");
      sum += (parseInt(input.value, 10) || 0) * parseInt(item.getAttribute("data-price"), 10);
    });
    var balance = parseInt(document.getElementById("kiosk-balance").getAttribute("data-balance"), 10);
    document.getElementById("kiosk-sum").textContent = sum;
    document.getElementById("kiosk-over").hidden = sum <= balance;
    document.getElementById("kiosk-next").disabled = sum === 0 || sum > balance;
  }

  document.addEventListener("click", function (event) {
    var step = event.target.closest("[data-step]");
    if (step) {
      var input = step.parentNode.querySelector("input[type=number]");
      var max = parseInt(input.getAttribute("max"), 10);
      var value = (parseInt(input.value, 10) || 0) + parseInt(step.getAttribute("data-step"), 10);
      input.value = Math.max(0, Math.min(max, value));
      basketTotal(step.closest("form"));
    }
    if (event.target.closest("[data-fullscreen]") && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen();  // a kiosk browser started with --kiosk already is
    }
    var all = event.target.closest("[data-check-all]");
    if (all) {
      var name = all.getAttribute("data-check-all");
      all.closest("form").querySelectorAll("input[name=" + name + "]").forEach(function (box) {
        box.checked = all.checked;
      });
    }
  });

  document.addEventListener("input", function (event) {
    var form = event.target.closest("#kiosk-basket");
    if (form) basketTotal(form);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-once")) {
      if (form.getAttribute("data-sent")) {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sent", "1");
      form.querySelectorAll("button").forEach(function (b) { b.classList.add("busy"); });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("kiosk-basket");
    if (form) basketTotal(form);
  });
})();
