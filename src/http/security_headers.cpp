#include "swirl/http/security_headers.hpp"

namespace swirl::http {

std::string_view content_security_policy() {
  // script-src: our bundles, plus 'wasm-unsafe-eval' so TF.js can compile its WebAssembly
  // backend (served from /tfjs/ on our origin); eval and inline scripts stay forbidden.
  // connect-src 'self' covers the API, the lobby WebSocket (same host, ws: or wss:) and the
  // model files under /models/. worker-src and img/media blob: are for the blur pipeline.
  return "default-src 'self'; "
         "script-src 'self' 'wasm-unsafe-eval'; "
         "style-src 'self'; "
         "img-src 'self' data: blob:; "
         "media-src 'self' blob:; "
         "font-src 'self'; "
         "connect-src 'self'; "
         "worker-src 'self' blob:; "
         "object-src 'none'; "
         "base-uri 'none'; "
         "form-action 'self'; "
         "frame-ancestors 'none'";
}

std::string_view permissions_policy() {
  return "camera=(self), microphone=(self), display-capture=(), geolocation=(), payment=(), usb=()";
}

std::string_view strict_transport_security() { return "max-age=31536000"; }

void set_security_headers(Response& res, bool tls) {
  res.set("Content-Security-Policy", content_security_policy());
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Permissions-Policy", permissions_policy());
  if (tls) res.set("Strict-Transport-Security", strict_transport_security());
}

}  // namespace swirl::http
