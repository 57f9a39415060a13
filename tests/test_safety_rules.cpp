// The pure safety rules (issue 17; lobby/safety.hpp), without sockets: a blocked pair is never
// grouped by the matcher, whatever the lobby's repeat setting; what `block` and `report` accept.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <variant>

#include "swirl/lobby/blocked_users.hpp"
#include "swirl/lobby/matchmaking.hpp"
#include "swirl/lobby/protocol.hpp"
#include "swirl/lobby/safety.hpp"

using namespace swirl::lobby;

namespace {

std::variant<ClientCommand, ProtocolError> parse(const std::string& text) { return parse_client_message(text, "me"); }

std::string error_code_of(const std::variant<ClientCommand, ProtocolError>& r) {
  auto* e = std::get_if<ProtocolError>(&r);
  return e ? e->code : "";
}

}  // namespace

TEST_CASE("a blocked pair is never matched, even when repeats are allowed at once", "[safety][matchmaking]") {
  MatchHistory history;
  record_block(history, 0, 1);
  CHECK(is_blocked(history, 0, 1));
  CHECK(is_blocked(history, 1, 0));
  CHECK_FALSE(is_blocked(history, 0, 2));
  std::vector<Candidate> ready{{0, 0, 0}, {1, 0, 1}};
  for (auto when : {WhenExhausted::wait, WhenExhausted::repeat}) {
    MatchRules rules{2, when, 0};
    CHECK(find_matches(ready, history, rules, 1'000'000'000'000).empty());
  }
  // Meeting again later (a replayed history row) does not lift it.
  history.record(0, 1, 5);
  CHECK(is_blocked(history, 0, 1));
  // A third member is matched with one of them; with four, the two blocked ones are split up.
  std::vector<Candidate> four{{0, 0, 0}, {1, 0, 1}, {2, 0, 2}, {3, 0, 3}};
  auto groups = find_matches(four, history, MatchRules{2, WhenExhausted::repeat, 0}, 10);
  REQUIRE(groups.size() == 2);
  for (const auto& g : groups) CHECK_FALSE(is_blocked(history, g[0], g[1]));
  // In groups of three or four neither may share a group.
  history.record(2, 3, 1);  // an ordinary meeting, long ago
  auto triples = find_matches(four, history, MatchRules{3, WhenExhausted::repeat, 0}, 10);
  for (const auto& g : triples) {
    bool both = std::find(g.begin(), g.end(), 0u) != g.end() && std::find(g.begin(), g.end(), 1u) != g.end();
    CHECK_FALSE(both);
  }
  CHECK(find_matches(four, history, MatchRules{4, WhenExhausted::repeat, 0}, 10).empty());
}

TEST_CASE("report reasons, user id shapes and report details", "[safety][protocol]") {
  for (const char* name : {"harassment", "inappropriate", "spam", "underage", "other"}) {
    auto r = parse_report_reason(name);
    REQUIRE(r);
    CHECK(to_string(*r) == name);
  }
  CHECK_FALSE(parse_report_reason("Spam"));
  CHECK_FALSE(parse_report_reason(""));
  CHECK(is_user_id_shape("AAAAAAAAAAAAAAAA"));
  CHECK(is_user_id_shape("a-b_c0123456789Z"));
  CHECK_FALSE(is_user_id_shape("AAAAAAAAAAAAAAA"));
  CHECK_FALSE(is_user_id_shape("AAAAAAAAAAAAAAAAA"));
  CHECK_FALSE(is_user_id_shape("AAAAAAAAAAAAAAA/"));
  CHECK_FALSE(is_user_id_shape("AAAAAAAAAAAAAA\xC3\xA9"));
  CHECK(valid_report_details(""));
  CHECK(valid_report_details(std::string(kMaxReportDetailsBytes, 'x')));
  CHECK_FALSE(valid_report_details(std::string(kMaxReportDetailsBytes + 1, 'x')));
  CHECK(valid_report_details("two\nlines\tand a tab, caf\xC3\xA9"));
  CHECK_FALSE(valid_report_details("bell\x07"));
  CHECK_FALSE(valid_report_details("del\x7F"));
  CHECK_FALSE(valid_report_details("\xC3"));  // cut UTF-8
}

TEST_CASE("block and report messages parse into commands, and bad ones are invalid_message", "[safety][protocol]") {
  auto b = parse(R"({"type":"block","user_id":"AAAAAAAAAAAAAAAA"})");
  REQUIRE(std::holds_alternative<ClientCommand>(b));
  CHECK(std::get<BlockCommand>(std::get<ClientCommand>(b)).user_id == "AAAAAAAAAAAAAAAA");
  auto r = parse(R"({"type":"report","user_id":"AAAAAAAAAAAAAAAA","reason":"spam","details":"caf\u00e9"})");
  REQUIRE(std::holds_alternative<ClientCommand>(r));
  const auto& report = std::get<ReportCommand>(std::get<ClientCommand>(r));
  CHECK(report.user_id == "AAAAAAAAAAAAAAAA");
  CHECK(report.reason == ReportReason::spam);
  CHECK(report.details == "caf\xC3\xA9");
  auto plain = parse(R"({"type":"report","user_id":"AAAAAAAAAAAAAAAA","reason":"other"})");
  CHECK(std::get<ReportCommand>(std::get<ClientCommand>(plain)).details.empty());

  for (const char* bad : {
           R"({"type":"block"})",
           R"({"type":"block","user_id":7})",
           R"({"type":"block","user_id":"short"})",
           R"({"type":"report","user_id":"AAAAAAAAAAAAAAAA"})",
           R"({"type":"report","user_id":"AAAAAAAAAAAAAAAA","reason":"rude"})",
           R"({"type":"report","user_id":"AAAAAAAAAAAAAAAA","reason":"spam","details":null})",
           R"({"type":"report","user_id":"AAAAAAAAAAAAAAAA","reason":"spam","details":"\u0000"})",
           R"({"type":"report","reason":"spam"})",
       }) {
    INFO(bad);
    CHECK(error_code_of(parse(bad)) == "invalid_message");
  }
  std::string long_details =
      R"({"type":"report","user_id":"AAAAAAAAAAAAAAAA","reason":"spam","details":")" + std::string(501, 'x') + "\"}";
  CHECK(error_code_of(parse(long_details)) == "invalid_message");
}

TEST_CASE("the blocked-users index: exact on a single node, always 'maybe' on a cluster node", "[safety][block]") {
  swirl::lobby::BlockedUsers single(true);
  CHECK_FALSE(single.may_have_blocks("u-ada"));
  single.load({"u-ada", "u-bob"});
  CHECK(single.may_have_blocks("u-ada"));
  CHECK(single.may_have_blocks("u-bob"));
  CHECK_FALSE(single.may_have_blocks("u-cy"));
  single.add("u-cy", "u-dee");  // both sides of a new block
  CHECK(single.may_have_blocks("u-cy"));
  CHECK(single.may_have_blocks("u-dee"));
  CHECK(single.size() == 4);

  swirl::lobby::BlockedUsers cluster(false);  // another node may store a block: read everyone's
  CHECK(cluster.may_have_blocks("u-cy"));
}
