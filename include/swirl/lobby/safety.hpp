#pragma once
// Pure safety rules (issue 17; STYLE.md habit 3): what a block does to the matcher's history,
// the reasons a report may give, and the shape of what a member sends. The actor's part is
// lobby_safety.cpp; docs/protocol.md ("Blocking and reporting") is the contract.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "swirl/lobby/matchmaking.hpp"

namespace swirl::lobby {

// A blocked pair is kept in the match history as having met "at the end of time": the matcher
// never pairs them (with `when_exhausted: "wait"` they have met; with "repeat", now minus this
// is never past repeat_after), and a later meeting cannot move it back (record keeps the
// latest time).
constexpr std::int64_t kBlockedAt = std::numeric_limits<std::int64_t>::max();

// Keeps a and b apart in `history` for as long as it lives.
inline void record_block(MatchHistory& history, MemberId a, MemberId b) { history.record(a, b, kBlockedAt); }
// Whether `history` keeps a and b apart.
inline bool is_blocked(const MatchHistory& history, MemberId a, MemberId b) {
  return history.last_met(a, b) == kBlockedAt;
}

// Why a member reports another (the wire names).
enum class ReportReason { harassment, inappropriate, spam, underage, other };
std::string_view to_string(ReportReason reason);
std::optional<ReportReason> parse_report_reason(std::string_view name);

// The longest `details` a report may carry, in bytes of UTF-8.
constexpr std::size_t kMaxReportDetailsBytes = 500;
// Reports the owner state lists at most (the newest).
constexpr std::size_t kOwnerReportsListed = 100;

// A user id as the server makes them (core::new_id(): 16 characters of A-Z, a-z, 0-9, - and _).
bool is_user_id_shape(std::string_view id);
// Report details: valid UTF-8, at most kMaxReportDetailsBytes, no control characters but line
// breaks and tabs.
bool valid_report_details(std::string_view details);

}  // namespace swirl::lobby
