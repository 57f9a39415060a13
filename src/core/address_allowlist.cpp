#include "swirl/core/address_allowlist.hpp"

#include <stdexcept>

namespace swirl::core {
namespace ip = boost::asio::ip;

AddressAllowlist AddressAllowlist::parse(const std::vector<std::string>& entries) {
  AddressAllowlist list;
  for (const auto& e : entries) {
    boost::system::error_code ec;
    if (e.find('/') == std::string::npos) {
      auto a = ip::make_address(e, ec);
      if (!ec && a.is_v4())
        list.networks_.emplace_back(ip::network_v4(a.to_v4(), 32));
      else if (!ec)
        list.networks_.emplace_back(ip::network_v6(a.to_v6(), 128));
    } else if (e.find(':') == std::string::npos) {
      auto n = ip::make_network_v4(e, ec);
      if (!ec) list.networks_.emplace_back(n.canonical());
    } else {
      auto n = ip::make_network_v6(e, ec);
      if (!ec) list.networks_.emplace_back(n.canonical());
    }
    if (ec) throw std::invalid_argument("'" + e + "' is not an IP address or a network such as 10.0.0.0/8");
  }
  return list;
}

bool AddressAllowlist::allows(const ip::address& peer) const {
  ip::address a = peer;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = ip::make_address_v4(ip::v4_mapped, a.to_v6());
  for (const auto& n : networks_) {
    if (const auto* v4 = std::get_if<ip::network_v4>(&n)) {
      if (a.is_v4() && ip::network_v4(a.to_v4(), 32).is_subnet_of(*v4)) return true;
      if (a.is_v4() && v4->address() == a.to_v4() && v4->prefix_length() == 32) return true;
    } else {
      const auto& v6 = std::get<ip::network_v6>(n);
      if (a.is_v6() && ip::network_v6(a.to_v6(), 128).is_subnet_of(v6)) return true;
      if (a.is_v6() && v6.address() == a.to_v6() && v6.prefix_length() == 128) return true;
    }
  }
  return false;
}

bool AddressAllowlist::allows(const std::string& peer) const {
  boost::system::error_code ec;
  auto a = ip::make_address(peer, ec);
  return !ec && allows(a);
}

}  // namespace swirl::core
