// Starts Swagger UI on /docs. A file of its own, not an inline script: the page needs no 'unsafe-inline'.
// validatorUrl: null, since Swagger UI would otherwise ask an online validator for a badge.
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
