#pragma once
// The headers every response carries so a browser confines the web client: a strict
// Content-Security-Policy (only our own origin; WebAssembly compiled but no eval; workers and
// media from blob: URLs for background blur), no MIME sniffing, no Referer (an invite link is
// the lobby's capability), and camera and microphone for our own origin only.

#include <string_view>

#include "swirl/http/types.hpp"

namespace swirl::http {

// The policy's text, for tests and docs/security.md.
std::string_view content_security_policy();
std::string_view permissions_policy();

// Strict-Transport-Security on responses sent over our own TLS: browsers then use https for
// this host for a year. Not on plain HTTP (RFC 6797 8.1: ignored there), and not when a
// reverse proxy terminates TLS (the proxy sets it; docker/nginx/swirl.conf does).
std::string_view strict_transport_security();

// Sets Content-Security-Policy, X-Content-Type-Options, Referrer-Policy and Permissions-Policy,
// and with `tls` also Strict-Transport-Security.
void set_security_headers(Response& res, bool tls = false);

}  // namespace swirl::http
