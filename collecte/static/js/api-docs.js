// Starts Swagger UI on the app's own OpenAPI document (kept out of the page: CSP allows no inline script).
(function () {
  var el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: el.dataset.specUrl, dom_id: "#swagger-ui" });
})();
