#pragma once
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "swirl/storage/database.hpp"

namespace swirl::storage {
std::unique_ptr<Database> open_sqlite(const std::string& path, const DatabaseOptions& options);
std::unique_ptr<Database> open_postgres(const std::string& url, const DatabaseOptions& options);

// A match_pairs row, for account deletion (Database::delete_user).
struct PairRow {
  std::string lobby_id, user_a, user_b;
  std::int64_t last_met_at_ms = 0;
};

// The rows with `from` replaced by `to`, each again with user_a < user_b (byte order, as
// write_history stores pairs).
inline std::vector<PairRow> renamed_pairs(std::vector<PairRow> rows, const std::string& from, const std::string& to) {
  for (auto& r : rows) {
    if (r.user_a == from) r.user_a = to;
    if (r.user_b == from) r.user_b = to;
    if (r.user_b < r.user_a) std::swap(r.user_a, r.user_b);
  }
  return rows;
}
}  // namespace swirl::storage
