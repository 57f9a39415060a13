// The checks that involve more than one flag (pairs that go together, the lease timing of
// multi-node mode), run once every flag and environment variable is read; and resolve_cluster,
// which App::start also runs for configs built in code.
#include <stdexcept>
#include <string>

#include "config_options.hpp"

namespace swirl::core {
namespace {

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()); }

// The lease timing (docs/scaling.md): a TTL of 1 s to 10 min; a margin of at most half the TTL;
// renewals at most half of (TTL - margin) apart, so a lease gets two renewals before the node
// gives its lobbies up. 0 for renew or margin = its default (a third, a fifth of the TTL).
void check_lease_timing(const Config& c) {
  if (c.lease_ttl < std::chrono::milliseconds(1'000) || c.lease_ttl > std::chrono::milliseconds(600'000))
    throw std::invalid_argument("--lease-ttl-ms: " + ms(c.lease_ttl) + " is out of range [1000, 600000]");
  const auto margin = c.lease_margin.count() == 0 ? c.lease_ttl / 5 : c.lease_margin;
  const auto renew = c.lease_renew.count() == 0 ? c.lease_ttl / 3 : c.lease_renew;
  if (margin * 2 > c.lease_ttl)
    throw std::invalid_argument("--lease-margin-ms: " + ms(margin) + " is more than half of --lease-ttl-ms (" +
                                ms(c.lease_ttl) + ")");
  if (renew * 2 > c.lease_ttl - margin)
    throw std::invalid_argument("--lease-renew-ms: " + ms(renew) + " is more than half of --lease-ttl-ms (" +
                                ms(c.lease_ttl) + ") minus --lease-margin-ms (" + ms(margin) +
                                "), so a lease would not get two renewals before the node gives its lobbies up");
}

}  // namespace

namespace config_detail {

bool valid_node_id(const std::string& id) {
  return id.size() <= 64 && id.find_first_not_of(
                                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789._-") == std::string::npos;
}

void check_flag_relations(Config& c) {
  if (c.trusted_proxies.empty() != c.client_address_header.empty())
    throw std::invalid_argument("--trusted-proxies and --client-address-header go together: give both or neither");
  ice::validate(c.ice, c.ws_idle_timeout / 4);  // the lobby heartbeat renews credentials
  if (c.tls_cert.empty() != c.tls_key.empty())
    throw std::invalid_argument(c.tls_cert.empty() ? "--tls-key needs --tls-cert (the certificate it belongs to)"
                                                   : "--tls-cert needs --tls-key (its private key)");
  check_lease_timing(c);  // also without --cluster: a wrong value is refused before it is needed
  resolve_cluster(c);
#ifndef SWIRL_TEST_HOOKS
  if (c.test_hooks)
    throw std::invalid_argument("--test-hooks: this build has no test hooks (configure with -DSWIRL_TEST_HOOKS=ON)");
#endif
}

}  // namespace config_detail

void resolve_cluster(Config& c) {
  if (c.token_cache_ttl.count() < 0) c.token_cache_ttl = c.cluster ? kClusterTokenCacheTtl : kSingleNodeTokenCacheTtl;
  if (!c.cluster) return;
  if (c.database_url.rfind("sqlite:", 0) == 0)
    throw std::invalid_argument(
        "--cluster needs PostgreSQL (--database postgres://...): with SQLite each node has a database of its own, so "
        "nodes would share no users, lobbies or match history and nothing could stop two of them running one lobby");
  check_lease_timing(c);
  if (!config_detail::valid_node_id(c.node_id))
    throw std::invalid_argument("--node-id: expected at most 64 of A-Z a-z 0-9 . _ -, got '" + c.node_id + "'");
  if (c.lease_renew.count() == 0) c.lease_renew = c.lease_ttl / 3;
  if (c.lease_margin.count() == 0) c.lease_margin = c.lease_ttl / 5;
}

}  // namespace swirl::core
