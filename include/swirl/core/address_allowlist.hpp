#pragma once
// A list of IP addresses and networks (CIDR), e.g. "127.0.0.1, ::1, 10.0.0.0/8": who may read
// /metrics. An IPv4-mapped IPv6 peer (::ffff:10.1.2.3) matches the IPv4 entries.

#include <string>
#include <variant>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

namespace swirl::core {

class AddressAllowlist {
 public:
  // Throws std::invalid_argument naming the entry that is neither an address nor a network.
  static AddressAllowlist parse(const std::vector<std::string>& entries);

  bool allows(const boost::asio::ip::address& peer) const;
  // False for text that is not an address.
  bool allows(const std::string& peer) const;
  bool empty() const { return networks_.empty(); }

 private:
  std::vector<std::variant<boost::asio::ip::network_v4, boost::asio::ip::network_v6>> networks_;
};

}  // namespace swirl::core
