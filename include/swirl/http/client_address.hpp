#pragma once
// Who a request comes from, for the per-address limits and /metrics' allow-list.
//
// Without trusted proxies it is the TCP peer, and any forwarding header is ignored (a client
// could write anything there). With --trusted-proxies and --client-address-header (e.g.
// X-Forwarded-For): when the peer is a trusted proxy, the header's comma-separated hops are
// read from the right, skipping trusted proxies; the first hop that is not one is the client
// (the "rightmost untrusted hop": everything left of it was written by the client and may be
// forged). A hop that is not an IP address stops the walk, and the trusted hop that wrote it
// counts as the client. If every hop is trusted, the leftmost is the client.

#include <string>

#include <boost/asio/ip/address.hpp>

#include "swirl/core/address_allowlist.hpp"
#include "swirl/http/types.hpp"

namespace swirl::http {

// An address as text, exactly as address::to_string() writes it; IPv4 is formatted here
// rather than by inet_ntop (a sprintf per accepted connection).
std::string address_text(const boost::asio::ip::address& a);

class ClientAddress {
 public:
  ClientAddress() = default;
  // header empty = use the peer always.
  ClientAddress(core::AddressAllowlist trusted, std::string header);

  // The client's address as text (IPv4-mapped IPv6 given as IPv4).
  std::string resolve(const std::string& peer, const Request& req) const;

 private:
  core::AddressAllowlist trusted_;
  std::string header_;
};

}  // namespace swirl::http
