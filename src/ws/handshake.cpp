#include "swirl/ws/handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cctype>
#include <stdexcept>

#include "swirl/core/digest.hpp"
#include "swirl/http/header_tokens.hpp"

namespace swirl::ws {
namespace bhttp = http::bhttp;

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// A Sec-WebSocket-Key is the base64 encoding of 16 bytes: 22 characters and "==".
bool valid_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (char c : key.substr(0, 22))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/')) return false;
  return true;
}

}  // namespace

std::optional<http::Response> check_handshake(const http::Request& req) {
  auto bad = [&](std::string_view message) {
    return http::error_response(req.version(), false, http::Status::bad_request, "bad_handshake", message);
  };
  if (req.method() != bhttp::verb::get) return bad("a WebSocket handshake must be a GET");
  if (req.version() < 11) return bad("a WebSocket handshake needs HTTP/1.1");
  if (!http::has_list_token(req[bhttp::field::connection], "upgrade")) return bad("missing Connection: Upgrade");
  if (!http::has_list_token(req[bhttp::field::upgrade], "websocket")) return bad("missing Upgrade: websocket");
  if (!valid_key(http::trim_ows(req[bhttp::field::sec_websocket_key])))
    return bad("missing or malformed Sec-WebSocket-Key");
  if (http::trim_ows(req[bhttp::field::sec_websocket_version]) != "13") {
    auto res = http::error_response(req.version(), false, http::Status::upgrade_required, "unsupported_version",
                                    "only WebSocket version 13 is supported");
    res.set(bhttp::field::sec_websocket_version, "13");
    return res;
  }
  return std::nullopt;
}

std::string accept_key(std::string_view key) {
  std::string input;
  input.reserve(key.size() + kGuid.size());
  input.append(key);
  input.append(kGuid);
  core::DigestBytes digest;
  if (core::digest(core::DigestKind::sha1, input, digest) != SHA_DIGEST_LENGTH) throw std::runtime_error("sha1 failed");
  unsigned char out[32];
  int n = EVP_EncodeBlock(out, digest.data(), SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
}

bool offers_subprotocol(const http::Request& req, std::string_view name) {
  return http::has_list_token(req[bhttp::field::sec_websocket_protocol], name);
}

std::string accept_response(const http::Request& req, std::string_view subprotocol) {
  std::string out;
  out.reserve(192);
  out += "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
  out += accept_key(http::trim_ows(req[bhttp::field::sec_websocket_key]));
  out += "\r\n";
  if (!subprotocol.empty()) {
    out += "Sec-WebSocket-Protocol: ";
    out += subprotocol;
    out += "\r\n";
  }
  out += "Server: swirl\r\n\r\n";
  return out;
}

}  // namespace swirl::ws
