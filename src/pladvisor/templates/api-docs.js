"use strict";
/* The API reference: Swagger UI showing this service's own OpenAPI document. The validator is off, since it
   would send the document to a public service; "Try it out" calls this service only. */
window.ui = SwaggerUIBundle({
  url: "/schema/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  displayRequestDuration: true,
});
