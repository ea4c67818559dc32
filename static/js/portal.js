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
