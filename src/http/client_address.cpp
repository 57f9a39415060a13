#include "swirl/http/client_address.hpp"

#include <charconv>
#include <optional>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace swirl::http {
namespace ip = boost::asio::ip;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "1.2.3.4", "::1" or "[::1]" as an address; nullopt for anything else.
std::optional<ip::address> hop_address(std::string_view hop) {
  if (hop.size() > 2 && hop.front() == '[' && hop.back() == ']') hop = hop.substr(1, hop.size() - 2);
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(hop), ec);
  if (ec) return std::nullopt;
  return a;
}

std::string text(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return address_text(ip::make_address_v4(ip::v4_mapped, a.to_v6()));
  return address_text(a);
}

}  // namespace

std::string address_text(const ip::address& a) {
  if (!a.is_v4()) return a.to_string();
  auto bytes = a.to_v4().to_bytes();
  char buf[16];  // "255.255.255.255"
  char* p = buf;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) *p++ = '.';
    p = std::to_chars(p, buf + sizeof buf, static_cast<unsigned>(bytes[i])).ptr;
  }
  return std::string(buf, p);
}

ClientAddress::ClientAddress(core::AddressAllowlist trusted, std::string header)
    : trusted_(std::move(trusted)), header_(std::move(header)) {}

std::string ClientAddress::resolve(const std::string& peer, const Request& req) const {
  // No proxy to believe: the peer is the client, already written as text() would write it
  // (address::to_string) unless it is an IPv4-mapped IPv6 address. This skips a parse and a
  // format on every request.
  if ((header_.empty() || trusted_.empty()) && !peer.starts_with("::ffff:")) return peer;
  auto peer_address = hop_address(peer);
  if (!peer_address) return peer;
  if (header_.empty() || trusted_.empty() || !trusted_.allows(*peer_address)) return text(*peer_address);
  // Every instance of the header, in order, as one list (RFC 9110 5.3).
  std::vector<std::string_view> hops;
  for (const auto& field : req) {
    if (!boost::beast::iequals(field.name_string(), header_)) continue;
    std::string_view value = field.value();
    for (;;) {
      auto comma = value.find(',');
      hops.push_back(trim(value.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  ip::address client = *peer_address;
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    auto a = hop_address(*hop);
    if (!a) break;  // garbage: the trusted hop to its right is as far as we can see
    client = *a;
    if (!trusted_.allows(*a)) break;
  }
  return text(client);
}

}  // namespace swirl::http
