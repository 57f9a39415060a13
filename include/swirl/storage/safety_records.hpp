#pragma once
// What the database stores for members' safety (issue 17), as plain data: blocks between two
// users and reports about a member made in a lobby (migrations/0006_safety.sql).

#include <cstdint>
#include <optional>
#include <string>

namespace swirl::storage {

// Reports per reporter per lobby are counted over this window (--max-reports-per-hour).
constexpr std::int64_t kReportWindowMs = 3'600'000;

// The outcome of storing a block (Database::block_user).
enum class BlockStored {
  stored,    // a new block
  existing,  // the blocker had blocked them already (idempotent; not counted again)
  too_many,  // the blocker holds the maximum number of blocks already
  no_user    // the blocked user does not exist (any more)
};

// A report as the reporter made it.
struct ReportRecord {
  std::string id;
  std::string lobby_id;
  std::string reporter_id;
  std::string reported_id;
  std::string reason;   // harassment, inappropriate, spam, underage, other
  std::string details;  // "" when none was given
  std::optional<std::string> match_id;
  std::int64_t created_at_ms = 0;
};

// A report as the owner sees it: with both users' current display names.
struct ReportView {
  ReportRecord report;
  std::string reporter_name;
  std::string reported_name;
};

}  // namespace swirl::storage
