#include "swirl/cluster/lease_store.hpp"

#include <pqxx/pqxx>

#include "swirl/storage/database.hpp"

namespace swirl::cluster {
namespace {

// A lobby id list as a PostgreSQL text[] literal. Ids are [A-Za-z0-9_-] (lobbies_api), but
// every element is quoted anyway: unquoted, an id spelled NULL would be a null.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace

std::string lease_connection_url(const std::string& database_url, std::chrono::milliseconds ttl) {
  std::string out = database_url;
  auto add = [&](const std::string& kv) {
    if (out.find(kv.substr(0, kv.find('=') + 1)) != std::string::npos) return;
    out += (out.find('?') == std::string::npos ? "?" : "&") + kv;
  };
  // A renew that cannot reach the database must fail within the lease, not hang on a dead
  // socket: the keeper then stops the lobbies at their local deadline either way, but a
  // connection that fails fast is retried (and recovers) sooner.
  auto third = std::max<long long>(1, ttl.count() / 3);
  add("connect_timeout=" + std::to_string(std::max<long long>(2, third / 1000)));
  add("application_name=swirl-leases");
  add("keepalives=1");
  add("keepalives_idle=1");
  add("keepalives_interval=1");
  add("keepalives_count=3");
  add("tcp_user_timeout=" + std::to_string(third));
  return out;
}

struct LeaseStore::Connection {
  explicit Connection(const std::string& url) : c(url) {}
  pqxx::connection c;
};

LeaseStore::LeaseStore(std::string database_url, std::chrono::milliseconds ttl)
    : url_(lease_connection_url(database_url, ttl)), ttl_(ttl) {}

LeaseStore::~LeaseStore() = default;

template <class F>
auto LeaseStore::with_connection(F&& fn) {
  std::lock_guard lock(mu_);
  try {
    if (!conn_ || !conn_->c.is_open()) {
      conn_.reset();
      conn_ = std::make_unique<Connection>(url_);
      conn_->c.set_variable("statement_timeout", std::to_string(std::max<long long>(1, ttl_.count() / 3)));
    }
    return fn(conn_->c);
  } catch (const pqxx::broken_connection& e) {
    conn_.reset();  // reconnect on the next call
    throw storage::DatabaseUnavailable(std::string("lease connection: ") + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    conn_.reset();
    throw storage::DatabaseUnavailable(std::string("lease connection: ") + e.what());
  } catch (const pqxx::sql_error&) {
    if (conn_ && !conn_->c.is_open()) conn_.reset();
    throw;
  }
}

LeaseGrant LeaseStore::acquire(const std::string& lobby_id, const std::string& node_id) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work w(c);
    // Under READ COMMITTED a concurrent insert of the same lobby waits for the other
    // transaction, then evaluates the WHERE against its committed row: one node wins.
    auto r = w.exec_params(
        "INSERT INTO lobby_leases (lobby_id, node_id, expires_at) "
        "VALUES ($1, $2, now() + $3::double precision * interval '1 millisecond') "
        "ON CONFLICT (lobby_id) DO UPDATE SET node_id = EXCLUDED.node_id, expires_at = EXCLUDED.expires_at "
        "WHERE lobby_leases.node_id = EXCLUDED.node_id OR lobby_leases.expires_at <= now() "
        "RETURNING node_id",
        lobby_id, node_id, static_cast<long long>(ttl_.count()));
    LeaseGrant out;
    if (!r.empty()) {
      w.commit();
      out.granted = true;
      return out;
    }
    auto h = w.exec_params(
        "SELECT node_id, GREATEST(0, CEIL(EXTRACT(EPOCH FROM (expires_at - now())) * 1000))::bigint "
        "FROM lobby_leases WHERE lobby_id = $1",
        lobby_id);
    w.commit();
    if (!h.empty()) {
      out.holder = h[0][0].as<std::string>();
      out.remaining = std::chrono::milliseconds(h[0][1].as<long long>());
    }
    return out;
  });
}

std::vector<std::string> LeaseStore::renew(const std::string& node_id, const std::vector<std::string>& lobby_ids) {
  if (lobby_ids.empty()) return {};
  return with_connection([&](pqxx::connection& c) {
    pqxx::work w(c);
    auto r = w.exec_params(
        "UPDATE lobby_leases SET expires_at = now() + $3::double precision * interval '1 millisecond' "
        "WHERE node_id = $1 AND lobby_id = ANY($2::text[]) AND expires_at > now() RETURNING lobby_id",
        node_id, text_array(lobby_ids), static_cast<long long>(ttl_.count()));
    w.commit();
    std::vector<std::string> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(row[0].as<std::string>());
    return out;
  });
}

void LeaseStore::release(const std::string& lobby_id, const std::string& node_id) {
  with_connection([&](pqxx::connection& c) {
    pqxx::work w(c);
    w.exec_params("DELETE FROM lobby_leases WHERE lobby_id = $1 AND node_id = $2", lobby_id, node_id);
    w.commit();
    return true;
  });
}

std::size_t LeaseStore::release_all(const std::string& node_id) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work w(c);
    auto r = w.exec_params("DELETE FROM lobby_leases WHERE node_id = $1", node_id);
    w.commit();
    return static_cast<std::size_t>(r.affected_rows());
  });
}

LeaseGrant LeaseStore::holder_other_than(const std::string& lobby_id, const std::string& node_id) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work w(c);
    auto h = w.exec_params(
        "SELECT node_id, GREATEST(0, CEIL(EXTRACT(EPOCH FROM (expires_at - now())) * 1000))::bigint "
        "FROM lobby_leases WHERE lobby_id = $1 AND node_id <> $2 AND expires_at > now()",
        lobby_id, node_id);
    w.commit();
    LeaseGrant out;
    out.granted = h.empty();
    if (!h.empty()) {
      out.holder = h[0][0].as<std::string>();
      out.remaining = std::chrono::milliseconds(h[0][1].as<long long>());
    }
    return out;
  });
}

}  // namespace swirl::cluster
