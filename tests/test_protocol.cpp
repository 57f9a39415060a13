// Parsing client messages and lobby settings on their own (pure functions).
#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/reference_parser.hpp"
#include "support/signal_samples.hpp"
#include "swirl/json/out.hpp"
#include "swirl/json/scan.hpp"
#include "swirl/lobby/ban_message.hpp"
#include "swirl/lobby/matchmaking.hpp"
#include "swirl/lobby/protocol.hpp"
#include "swirl/storage/records.hpp"

using namespace swirl::lobby;
using nlohmann::json;
using swirl::json::JsonOut;
using swirl::storage::LobbySettings;
using swirl::storage::SettingsError;

namespace {
ProtocolError error_of(std::string_view text) {
  auto r = parse_client_message(text, "me");
  REQUIRE(std::holds_alternative<ProtocolError>(r));
  return std::get<ProtocolError>(r);
}
ClientCommand command_of(std::string_view text) {
  auto r = parse_client_message(text, "me");
  REQUIRE(std::holds_alternative<ClientCommand>(r));
  return std::get<ClientCommand>(r);
}
}  // namespace

TEST_CASE("client messages parse into commands", "[protocol]") {
  CHECK(std::get<ReadyCommand>(command_of(R"({"type":"ready","ready":true})")).ready);
  CHECK_FALSE(std::get<ReadyCommand>(command_of(R"({"type":"ready","ready":false})")).ready);
  CHECK_FALSE(std::get<LeaveMatchCommand>(command_of(R"({"type":"leave_match"})")).ready);
  CHECK(std::get<LeaveMatchCommand>(command_of(R"({"type":"leave_match","ready":true})")).ready);
  CHECK_FALSE(std::get<LeaveCommand>(command_of(R"({"type":"leave"})")).page_closing);
  CHECK_FALSE(std::get<LeaveCommand>(command_of(R"({"type":"leave","page_closing":false})")).page_closing);
  CHECK(std::get<LeaveCommand>(command_of(R"({"type":"leave","page_closing":true})")).page_closing);
  auto sig = std::get<SignalCommand>(command_of(R"({"type":"signal","to":"u2","data":{"sdp":"v=0\r\n","n":[1,2]}})"));
  CHECK(sig.to == "u2");
  auto out = json::parse(*sig.frame);
  CHECK(out == json{{"type", "signal"}, {"from", "me"}, {"data", {{"sdp", "v=0\r\n"}, {"n", {1, 2}}}}});
}

TEST_CASE("bad client messages get precise error codes", "[protocol]") {
  CHECK(error_of("nope").code == "invalid_json");
  CHECK(error_of("").code == "invalid_json");
  CHECK(error_of("\"str\"").code == "invalid_json");
  CHECK(error_of("{}").code == "unknown_type");
  CHECK(error_of(R"({"type":5})").code == "unknown_type");
  CHECK(error_of(R"({"type":"hello"})").code == "unknown_type");
  CHECK_THAT(error_of(R"({"type":"hello"})").message, Catch::Contains("hello"));
  CHECK(error_of(R"({"type":"ready"})").code == "invalid_message");
  CHECK_THAT(error_of(R"({"type":"ready","ready":1})").message, Catch::Contains("ready"));
  CHECK_THAT(error_of(R"({"type":"signal","data":{}})").message, Catch::Contains("to"));
  CHECK_THAT(error_of(R"({"type":"signal","to":"","data":{}})").message, Catch::Contains("to"));
  CHECK_THAT(error_of(R"({"type":"signal","to":"u","data":[]})").message, Catch::Contains("data"));
  CHECK(error_of(R"({"type":"leave_match","ready":"no"})").code == "invalid_message");
  CHECK_THAT(error_of(R"({"type":"leave","page_closing":1})").message, Catch::Contains("page_closing"));
  CHECK(error_of(R"({"type":"leave","page_closing":null})").code == "invalid_message");
}

TEST_CASE("a ban's message says when the user may rejoin, rounded up to a second", "[protocol][bans]") {
  const std::string text = "you were removed from this lobby; you may rejoin in ";
  CHECK(banned_message(10'001, 10'000) == text + "1 s");
  CHECK(banned_message(11'000, 10'000) == text + "1 s");
  CHECK(banned_message(11'001, 10'000) == text + "2 s");
  CHECK(banned_message(10'000 + 3'600'000, 10'000) == text + "3600 s");
}

TEST_CASE("lobby settings: defaults, partial updates and errors naming the field", "[protocol][settings]") {
  LobbySettings base;
  auto ok = apply_settings(base, {{"group_size", 4}, {"when_exhausted", "repeat"}, {"repeat_after_seconds", 60}});
  REQUIRE(std::holds_alternative<LobbySettings>(ok));
  auto s = std::get<LobbySettings>(ok);
  CHECK(s.group_size == 4);
  CHECK(s.when_exhausted == WhenExhausted::repeat);
  CHECK(match_rules(s).repeat_after_ms == 60000);
  CHECK(s.max_members == base.max_members);

  auto field_of = [&](const json& patch) {
    auto r = apply_settings(base, patch);
    REQUIRE(std::holds_alternative<SettingsError>(r));
    return std::get<SettingsError>(r).field;
  };
  CHECK(field_of({{"group_size", 1}}) == "group_size");
  CHECK(field_of({{"group_size", 5}}) == "group_size");
  CHECK(field_of({{"group_size", "2"}}) == "group_size");
  CHECK(field_of({{"group_size", 2.5}}) == "group_size");
  CHECK(field_of({{"max_members", 1}}) == "max_members");
  CHECK(field_of({{"when_exhausted", "sometimes"}}) == "when_exhausted");
  CHECK(field_of({{"round_seconds", -1}}) == "round_seconds");
  CHECK(field_of({{"colour", "red"}}) == "colour");
  CHECK(std::holds_alternative<SettingsError>(apply_settings(base, json::array())));
  auto round_trip = apply_settings(LobbySettings{}, s.to_json());
  REQUIRE(std::holds_alternative<LobbySettings>(round_trip));
  CHECK(std::get<LobbySettings>(round_trip).to_json() == s.to_json());
}

// ---------------------------------------------------------------------------------------------
// The scanner against the nlohmann::json DOM parser it replaced.

namespace {

const std::string not_json = "the message is not valid JSON";
const std::string too_deep = "the message nests arrays and objects more than 128 levels deep";

// Printable form of an input for failure messages.
std::string shown(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += char(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out.size() > 600 ? out.substr(0, 300) + " ... " + out.substr(out.size() - 300) : out;
}

std::size_t dom_depth(const json& j) {
  std::size_t deepest = 0;
  std::vector<std::pair<const json*, std::size_t>> todo{{&j, 1}};
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    deepest = std::max(deepest, d);
    for (const auto& child : *v) todo.emplace_back(&child, d + 1);
  }
  return deepest;
}

// How the scanner's verdict on `input` differs from the reference's: "" when it does not, or
// only in the two documented ways (nesting cap, NUL after the value).
std::string difference(const std::string& input, const std::string& from) {
  auto expected = swirl::test::reference_parse(input, from);
  auto actual = parse_client_message(input, from);
  auto fail = [&](const std::string& why) { return why + "\n  input: " + shown(input); };
  const auto* exp_err = std::get_if<ProtocolError>(&expected);
  const auto* act_err = std::get_if<ProtocolError>(&actual);
  bool nlohmann_parsed = exp_err == nullptr || exp_err->message != not_json;

  if (act_err != nullptr && act_err->message == too_deep) {
    if (!nlohmann_parsed) return "";  // invalid either way, same code
    auto depth = dom_depth(json::parse(input, nullptr, false));
    return depth > 128 ? "" : fail("too_deep at depth " + std::to_string(depth));
  }
  if (nlohmann_parsed && input.find('\0') != std::string::npos) {
    // nlohmann stops at a NUL where a token may start; we call what follows trailing garbage.
    if (json::parse(input.substr(0, input.find('\0')), nullptr, false).is_discarded())
      return fail("nlohmann accepted a NUL somewhere other than after the value");
    if (act_err == nullptr || act_err->message != not_json) return fail("trailing NUL accepted");
    return "";
  }
  if (exp_err != nullptr || act_err != nullptr) {
    if (exp_err == nullptr)
      return fail("rejected (" + act_err->code + ": " + act_err->message + "), reference accepted");
    if (act_err == nullptr)
      return fail("accepted, reference rejected (" + exp_err->code + ": " + exp_err->message + ")");
    if (exp_err->code != act_err->code || exp_err->message != act_err->message)
      return fail("error " + act_err->code + ": " + act_err->message + "; reference " + exp_err->code + ": " +
                  exp_err->message);
    return "";
  }
  const auto& exp_cmd = std::get<ClientCommand>(expected);
  const auto& act_cmd = std::get<ClientCommand>(actual);
  if (exp_cmd.index() != act_cmd.index()) return fail("different command");
  if (const auto* r = std::get_if<ReadyCommand>(&act_cmd))
    return r->ready == std::get<ReadyCommand>(exp_cmd).ready ? "" : fail("different ready");
  if (const auto* l = std::get_if<LeaveMatchCommand>(&act_cmd))
    return l->ready == std::get<LeaveMatchCommand>(exp_cmd).ready ? "" : fail("different leave_match ready");
  const auto& sig = std::get<SignalCommand>(act_cmd);
  const auto& exp_sig = std::get<SignalCommand>(exp_cmd);
  if (sig.to != exp_sig.to) return fail("to \"" + shown(sig.to) + "\", reference \"" + shown(exp_sig.to) + "\"");
  const std::string& frame = *sig.frame;
  json out = json::parse(frame, nullptr, false);
  if (out.is_discarded()) return fail("frame is not JSON: " + shown(frame));
  if (out.size() != 3 || out["type"] != "signal" || out["from"] != from) return fail("frame head: " + shown(frame));
  if (out["data"] != json::parse(input)["data"]) return fail("data differs: " + shown(frame));
  // `from` is escaped exactly as before, and `data` is the input's own bytes.
  auto head = frame.find(R"(,"data":)");
  if (frame.compare(0, head, *exp_sig.frame, 0, exp_sig.frame->find(R"(,"data":)")) != 0)
    return fail("from escaped differently: " + shown(frame));
  std::string_view data = std::string_view(frame).substr(head + 8, frame.size() - head - 9);
  if (input.find(data) == std::string::npos) return fail("data is not the raw input: " + shown(frame));
  return "";
}

const std::vector<std::string> senders = {"me", "Zq3kV9xY0aBcDeF1",
                                          "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f \xC3\xA9\xF0\x9F\x98\x80"};

// Runs the differential check over a corpus; returns how it split (error code, or "accepted",
// -> count), which the test output shows too.
std::map<std::string, int> check_all(const std::vector<std::string>& corpus) {
  std::map<std::string, int> verdicts;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const auto& from = senders[i % senders.size()];
    std::string why = difference(corpus[i], from);
    if (!why.empty()) FAIL_CHECK(why);
    auto r = parse_client_message(corpus[i], from);
    verdicts[std::holds_alternative<ProtocolError>(r) ? std::get<ProtocolError>(r).code : "accepted"]++;
  }
  std::string summary = std::to_string(corpus.size()) + " inputs:";
  for (const auto& [verdict, n] : verdicts) summary += " " + verdict + " " + std::to_string(n);
  SUCCEED(summary);
  return verdicts;
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string signal_with(std::string_view data) {
  return std::string(R"({"type":"signal","to":"u2","data":)") + std::string(data) + "}";
}

// 2^1024 - 2^970: the smallest decimal strtod rounds to infinity.
const std::string overflow_digits =
    "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692"
    "887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842"
    "914819860834936475292719074168444365510704342711559699508093042880177904174497792";

std::vector<std::string> number_cases() {
  std::string below = overflow_digits;
  below.back() = '1';  // ...791: one below the threshold
  std::vector<std::string> n = {
      "0",
      "-0",
      "1",
      "-1",
      "1e5",
      "1E5",
      "1e+5",
      "1e-5",
      "-0.0",
      "0.5",
      "1.5e+10",
      "0e0",
      "0E-0",
      "-0e-0",
      "123456789",
      "1.000000000000000000000000001",
      "01",
      "00",
      "-01",
      "1.",
      ".5",
      "-.5",
      "-",
      "+1",
      "1e",
      "1e+",
      "1e-",
      "1.e5",
      "1e5.5",
      "--1",
      "0x10",
      "1_000",
      "Infinity",
      "-Infinity",
      "NaN",
      "1ee5",
      "1e5e5",
      "2.",
      "-",
      "0.",
      "1e309",
      "1e308",
      "-1e309",
      "-1e308",
      "1.7976931348623157e308",
      "1.7976931348623158e308",
      "1.7976931348623159e308",
      "-1.7976931348623159e308",
      "17.976931348623157e307",
      "0.17976931348623159e309",
      "1e-400",
      "1e-99999999999999999999",
      "1e99999999999999999999",
      "-1e99999999999999999999",
      "1e0000000000000000001",
      "1e-0000000000000000309",
      "18446744073709551615",
      "18446744073709551616",
      "-9223372036854775808",
      "-9223372036854775809",
      "99999999999999999999999999999999",
      "1" + std::string(308, '0'),
      "2" + std::string(308, '0'),
      "1" + std::string(309, '0'),
      "9" + std::string(307, '9'),
      std::string(400, '9'),
      "0." + std::string(400, '0') + "1e400",
      "0." + std::string(400, '0') + "1e710",
      "0." + std::string(400, '0') + "2e710",
      overflow_digits,
      "-" + overflow_digits,
      below,
      overflow_digits + ".0",
      below + ".99999999999999999999",
      below + ".0000001",
      overflow_digits.substr(0, 40) + "e268",
      below.substr(0, 1) + "." + below.substr(1) + "e308",
      overflow_digits.substr(0, 1) + "." + overflow_digits.substr(1) + "e308",
      "0.0" + overflow_digits + "e310",
      "0.0" + below + "e310",
      overflow_digits + "0e-1",
      below + "9e-1",
      overflow_digits.substr(0, 200) + "e108",
      overflow_digits.substr(0, 200) + "1e108",
  };
  return n;
}

// Raw string bodies (between the quotes) as a client might write them.
std::vector<std::string> string_cases() {
  return {
      "",
      "u2",
      "\\u0055\\u0032",
      "\\u0000",
      "a\\u0000b",
      "\\\"",
      "\\\\",
      "\\/",
      "\\b\\f\\n\\r\\t",
      "\\a",
      "\\x41",
      "\\u",
      "\\u12",
      "\\u123",
      "\\u12g4",
      "\\U0041",
      "\\uD83D\\uDE00",
      "\\ud83d\\ude00",
      "\\uD83D",
      "\\uD83Dx",
      "\\uD83D\\u0041",
      "\\uD83D\\uD83D",
      "\\uDE00",
      "\\uDE00\\uD83D",
      "\\uDBFF\\uDFFF",
      "\\uD800\\uDC00",
      "\\uFFFF",
      "\\uFFFE",
      "\\u00e9",
      "\\u00E9",
      "\xC3\xA9",
      "\xF0\x9F\x98\x80",
      "\xE2\x82\xAC",
      "\xEF\xBF\xBF",
      "\xF4\x8F\xBF\xBF",
      "\xC0\x80",
      "\xC1\xBF",
      "\xE0\x80\x80",
      "\xE0\x9F\xBF",
      "\xED\xA0\x80",
      "\xED\xBF\xBF",
      "\xF0\x80\x80\x80",
      "\xF0\x8F\xBF\xBF",
      "\xF4\x90\x80\x80",
      "\xF5\x80\x80\x80",
      "\xFF",
      "\xFE",
      "\x80",
      "\xBF",
      "\xC3",
      "\xE2\x82",
      "\xF0\x9F\x98",
      "\xC3\x28",
      "\xE2\x28\xA1",
      "a\tb",
      "a\nb",
      "\x01",
      "\x1f",
      "\x7f",
      std::string("a\0b", 3),
      "ready",
      "signal",
      "leave_match",
      "re\\u0061dy",
      "\\u0073ignal",
      "leave\\u005Fmatch",
      "ready\\u0000",
      " ready",
      "READY",
      "typ\\u0065",
      "t\\u006f",
      "d\\u0061ta",
      repeat("x", 70),
      repeat("\\u00e9", 40),
      repeat("\xC3\xA9", 40),
      "\\\\u0041",
      "abc\\",
  };
}

std::vector<std::string> handwritten_cases() {
  std::vector<std::string> c = {
      "",
      " ",
      "{",
      "}",
      "[",
      "]",
      "{}",
      "[]",
      "null",
      "true",
      "false",
      "0",
      "\"str\"",
      "{}{}",
      "{} {}",
      "{}x",
      "{},",
      "{}\n",
      " \t\r\n{} \t\r\n",
      "\f{}",
      "\v{}",
      "{}\f",
      "\xC2\xA0{}",
      "{\xC2\xA0}",
      "\xEF\xBB\xBF{}",
      "\xEF\xBB\xBF",
      "\xEF\xBB{}",
      "\xEF{}",
      " \xEF\xBB\xBF{}",
      "\xEF\xBB\xBF\xEF\xBB\xBF{}",
      "\xEF\xBB\xBF{\"type\":\"ready\",\"ready\":true}",
      std::string("{}\0", 3),
      std::string("{}\0garbage", 10),
      std::string("{} \0\xFF", 5),
      std::string("\0{}", 3),
      std::string("{\0}", 3),
      std::string("{\"type\":\"ready\",\"ready\":true}\0", 30),
      std::string("{\"type\":\"ready\",\"ready\":true\0}", 30),
      "{\"type\":\"ready\",\"ready\":true}",
      "{\"type\":\"ready\",\"ready\":false}",
      "{\"type\":\"ready\"}",
      "{\"type\":\"ready\",\"ready\":null}",
      "{\"type\":\"ready\",\"ready\":\"true\"}",
      "{\"type\":\"ready\",\"ready\":1}",
      "{\"type\":\"ready\",\"ready\":[true]}",
      "{\"type\":\"ready\",\"ready\":tru}",
      "{\"type\":\"ready\",\"ready\":truee}",
      "{\"type\":\"ready\",\"ready\":True}",
      "{\"type\":\"ready\",\"ready\":nul}",
      "{\"type\":\"ready\",\"ready\":fals}",
      "{\"type\":\"leave_match\"}",
      "{\"type\":\"leave_match\",\"ready\":true}",
      "{\"type\":\"leave_match\",\"ready\":0}",
      "{\"type\":\"leave_match\",\"ready\":null}",
      "{\"type\":null}",
      "{\"type\":[\"ready\"]}",
      "{\"type\":{}}",
      "{\"Type\":\"ready\",\"ready\":true}",
      "{\"type\":\"hello\"}",
      "{\"type\":\"\"}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":[]}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":null}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":\"{}\"}",
      "{\"type\":\"signal\",\"to\":\"u2\"}",
      "{\"type\":\"signal\",\"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"\",\"data\":{}}",
      "{\"type\":\"signal\",\"to\":7,\"data\":{}}",
      "{\"type\":\"signal\",\"to\":null,\"data\":{}}",
      "{\"type\":\"signal\",\"to\":[\"u2\"],\"data\":{}}",
      "{\"data\":{\"a\":1},\"to\":\"u2\",\"type\":\"signal\"}",
      "{ \"type\" : \"signal\" , \"to\" : \"u2\" , \"data\" : { \"a\" : [ 1 , 2 , { } , [ ] ] , \"b\" : null } }",
      "\r\n\t{\r\n\t\"type\"\r\n\t:\r\n\t\"signal\"\r\n\t,\r\n\t\"to\"\r\n\t:\r\n\t\"u2\"\r\n\t,\r\n\t\"data\"\r\n\t:"
      "\r\n\t{\r\n\t}\r\n\t}\r\n\t",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"a\":1,}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{,}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"a\"}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"a\":}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"a\" 1}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{a:1}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{'a':1}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"a\":[1,]}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"a\":[,1]}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"a\":[1 2]}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"a\":[1}]}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"a\":{]}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{}}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{}]",
      "{\"type\":\"signal\",\"to\":\"u2\" \"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"u2\",,\"data\":{}}",
      "{\"type\":\"signal\";\"to\":\"u2\",\"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"a\":/*c*/1}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{}}//",
      "[{\"type\":\"ready\",\"ready\":true}]",
      "[1,2,3]",
      "[1,2,3",
      "\"ready\"",
      "\"unterminated",
      // Duplicate members: the last one wins.
      "{\"type\":\"ready\",\"type\":\"leave_match\"}",
      "{\"type\":\"leave_match\",\"type\":\"ready\",\"ready\":true}",
      "{\"type\":\"ready\",\"ready\":true,\"ready\":false}",
      "{\"type\":\"ready\",\"ready\":true,\"ready\":1}",
      "{\"type\":\"ready\",\"ready\":1,\"ready\":true}",
      "{\"type\":\"signal\",\"type\":5}",
      "{\"type\":5,\"type\":\"ready\",\"ready\":true}",
      "{\"type\":\"signal\",\"to\":\"a\",\"to\":\"b\",\"data\":{\"x\":1},\"data\":{\"y\":2}}",
      "{\"type\":\"signal\",\"to\":\"a\",\"to\":\"\",\"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"\",\"to\":\"b\",\"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"a\",\"data\":{},\"data\":[]}",
      "{\"type\":\"signal\",\"to\":\"a\",\"data\":[],\"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"a\",\"data\":{\"k\":1,\"k\":2,\"k\":{\"z\":[]}}}",
      "{\"typ\\u0065\":\"ready\",\"ready\":true}",
      "{\"type\":\"ready\",\"re\\u0061dy\":true}",
      "{\"type\":\"ready\",\"ready\":false,\"re\\u0061dy\":true}",
      "{\"type\":\"signal\",\"t\\u006f\":\"u2\",\"d\\u0061ta\":{}}",
      "{\"type\":\"signal\",\"to\":\"\\u0055\\u0032\",\"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"\\u0000\",\"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"\\uD83D\\uDE00\",\"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"caf\xC3\xA9\",\"data\":{}}",
      "{\"type\":\"signal\",\"to\":\"u2\",\"data\":{\"\":\"\",\"\\u0000\":[\"\"]}}",
      "{\"\":1}",
      "{\"\":1,\"type\":\"ready\",\"ready\":true}",
      // Nested members named like the ones we route on are not them.
      "{\"data\":{\"type\":\"ready\",\"ready\":true}}",
      "{\"type\":\"ready\",\"x\":{\"ready\":true}}",
      "{\"type\":\"signal\",\"data\":{\"to\":\"u2\",\"data\":{}}}",
      "{\"x\":[{\"type\":\"ready\"}],\"type\":\"leave_match\"}",
      signal_with("{\"sdp\":\"v=0\\r\\n\",\"n\":[1,2]}"),
      signal_with("{\"a\":\"" + repeat("\\r\\n", 500) + "\"}"),
      signal_with("{\"a\":\"" + repeat("x", 5000) + "\"}"),
      signal_with("{\"a\":" + repeat("[1,{\"b\":null},", 60) + "0" + repeat("]", 60) + "}"),
      swirl::test::sample_offer_message(),
      swirl::test::sample_answer_message(),
      swirl::test::sample_candidate_message(),
  };
  for (const auto& n : number_cases()) {
    c.push_back(signal_with("{\"n\":" + n + "}"));
    c.push_back(signal_with("{\"n\":[" + n + "," + n + "]}"));
    c.push_back("{\"type\":\"ready\",\"ready\":" + n + "}");
    c.push_back(n);
    c.push_back(" " + n + " ");
    c.push_back("{\"x\":" + n + ",\"type\":\"leave_match\"}");
  }
  for (const auto& s : string_cases()) {
    c.push_back("{\"type\":\"signal\",\"to\":\"" + s + "\",\"data\":{\"k\":\"" + s + "\"}}");
    c.push_back(signal_with("{\"" + s + "\":\"" + s + "\"}"));
    c.push_back("{\"type\":\"" + s + "\",\"ready\":true}");
    c.push_back("{\"" + s + "\":\"ready\",\"ready\":true}");
    c.push_back("\"" + s + "\"");
    c.push_back("{\"type\":\"leave_match\",\"" + s + "\":0}");
  }
  // Nesting around the cap, in `data`, at the top and mixed.
  for (int d : {1, 2, 64, 125, 126, 127, 128, 129, 130, 200, 1000}) {
    c.push_back(signal_with(repeat("{\"a\":", d - 1) + "{}" + repeat("}", d - 1)));
    c.push_back(signal_with(repeat("{\"a\":[", d - 1) + "{}" + repeat("]}", d - 1)));
    c.push_back(signal_with(repeat("{\"a\":", d - 1) + "{}" + repeat("}", d - 2)));  // unbalanced
    c.push_back(repeat("[", d) + repeat("]", d));
    c.push_back(repeat("[", d) + repeat("]", d - 1));
    c.push_back(repeat("[", d) + "x" + repeat("]", d));
    c.push_back("{\"type\":\"ready\",\"ready\":true,\"x\":" + repeat("[", d) + repeat("]", d) + "}");
  }
  return c;
}

}  // namespace

TEST_CASE("the scanner agrees with nlohmann::json on hand-written edge cases", "[protocol][scanner]") {
  check_all(handwritten_cases());
}

TEST_CASE("the scanner agrees with nlohmann::json on mutated browser signals", "[protocol][scanner]") {
  // Seeded, so every run sees the same inputs. Half the edits land on a structural byte (the
  // long SDP strings would otherwise take nearly all of them).
  std::mt19937 rng(20240611);
  auto below = [&](std::size_t n) { return n == 0 ? std::size_t(0) : std::size_t(rng() % n); };
  const std::vector<std::string> snippets = {"\"",
                                             "\\",
                                             "\\u",
                                             "\\ud800",
                                             "\\udc00",
                                             "\\uD83D\\uDE00",
                                             "\\u00",
                                             ",",
                                             ":",
                                             "{",
                                             "}",
                                             "[",
                                             "]",
                                             "0",
                                             "-",
                                             ".",
                                             "e",
                                             "E+",
                                             "1e999",
                                             "01",
                                             " ",
                                             "\t",
                                             "\r\n",
                                             std::string(1, '\0'),
                                             "\x01",
                                             "\x1f",
                                             "\x7f",
                                             "\xC3",
                                             "\xC3\xA9",
                                             "\xED\xA0\x80",
                                             "\xF0\x9F\x98\x80",
                                             "\xF4\x90\x80\x80",
                                             "\xFF",
                                             "true",
                                             "null",
                                             "fals",
                                             "\"type\":\"ready\",",
                                             "\"data\":[],",
                                             "\"to\":\"\",",
                                             "{\"a\":[",
                                             "\xEF\xBB\xBF"};
  // sizeof - 1: the literal holds a NUL, so its length has to come from its size.
  static constexpr char kInteresting[] = "\"\\{}[],:0123456789-+.eEtfnu \t\r\n/\x00\x01\x1f\x7f";
  const std::string interesting_bytes =
      std::string(kInteresting, sizeof kInteresting - 1) + "\x80\xBF\xC0\xC1\xC2\xDF\xE0\xED\xEF\xF0\xF4\xF5\xFF";
  struct Base {
    std::string text;
    int mutants;
  };
  std::vector<Base> bases = {
      {swirl::test::sample_offer_message(), 250},
      {swirl::test::sample_answer_message(), 250},
      {swirl::test::sample_candidate_message(), 1500},
      {swirl::test::client_signal("u2", {{"candidate", nullptr}}), 600},
      {swirl::test::client_signal(
           "u2", {{"seq", -12.5e-3}, {"ok", true}, {"list", {1, "two", nullptr, {{"k", "\xC3\xA9"}}}}}),
       800},
      {R"({"type":"ready","ready":true})", 600},
      {R"({"type":"leave_match","ready":false})", 600},
  };
  std::vector<std::string> corpus;
  for (const auto& base : bases) {
    std::vector<std::size_t> structural;
    for (std::size_t i = 0; i < base.text.size(); ++i)
      if (std::string_view("{}[],:\"\\").find(base.text[i]) != std::string_view::npos) structural.push_back(i);
    for (int m = 0; m < base.mutants; ++m) {
      std::string s = base.text;
      for (int edits = 1 + int(below(3)); edits > 0; --edits) {
        std::size_t at =
            (rng() & 1) && !structural.empty() ? structural[below(structural.size())] : below(s.size() + 1);
        at = std::min(at, s.size());
        switch (below(6)) {
          case 0:  // replace a byte
            if (at < s.size()) s[at] = (rng() & 1) ? interesting_bytes[below(interesting_bytes.size())] : char(rng());
            break;
          case 1:  // truncate
            s.resize(at);
            break;
          case 2:  // insert a snippet
          case 3: s.insert(at, snippets[below(snippets.size())]); break;
          case 4:  // delete a few bytes
            s.erase(at, 1 + below(8));
            break;
          case 5: {  // copy a slice elsewhere
            std::size_t from = below(s.size() + 1);
            s.insert(at, s.substr(from, 1 + below(40)));
            break;
          }
        }
      }
      corpus.push_back(std::move(s));
    }
  }
  // The seeds themselves are valid messages: the scanner accepts each one.
  for (const auto& base : bases) {
    INFO(shown(base.text));
    CHECK(std::holds_alternative<swirl::lobby::ClientCommand>(parse_client_message(base.text, "me")));
  }
  // A corpus that the scanner accepted or rejected whole would test one side only: mutants must
  // land on both (with this seed: 373 accepted, 4227 rejected as invalid_json, invalid_message or unknown_type).
  auto verdicts = check_all(corpus);
  int accepted = verdicts["accepted"];
  int rejected = static_cast<int>(corpus.size()) - accepted;
  INFO(accepted << " accepted, " << rejected << " rejected of " << corpus.size());
  CHECK(accepted >= static_cast<int>(corpus.size()) / 20);
  CHECK(rejected >= static_cast<int>(corpus.size()) / 20);
  CHECK(verdicts.size() >= 3);  // accepted and at least two different error codes
}

TEST_CASE("signal frames: raw data, from escaped, to decoded", "[protocol][scanner]") {
  // The data object is relayed byte for byte, whitespace, key order and duplicates included.
  std::string data = "{ \"b\" : [1, 2.50, -0e0] ,\"a\":\"\\u00e9\\/\",\t\"a\":\"x\" }";
  auto sig = std::get<SignalCommand>(command_of(R"({"type":"signal","to":"u\u0032","data":)" + data + "}"));
  CHECK(sig.to == "u2");
  CHECK(*sig.frame == R"({"type":"signal","from":"me","data":)" + data + "}");
  CHECK(sig.frame->capacity() - sig.frame->size() < 16);  // reserved up front (allocators round up), never grown

  auto from_odd = parse_client_message(R"({"type":"signal","to":"x","data":{}})", "a\"b\\c\n\x01");
  CHECK(*std::get<SignalCommand>(std::get<ClientCommand>(from_odd)).frame ==
        R"({"type":"signal","from":"a\"b\\c\n\u0001","data":{}})");

  auto to_emoji = std::get<SignalCommand>(command_of(R"({"type":"signal","to":"\uD83D\uDE00\u0000","data":{}})"));
  CHECK(to_emoji.to == std::string("\xF0\x9F\x98\x80\0", 5));
}

TEST_CASE("the scanner's own limits and quirks", "[protocol][scanner]") {
  auto nested = [](int depth) { return signal_with(repeat("[", depth - 1) + repeat("]", depth - 1)); };
  // The message object is level 1, `data` level 2: 126 more arrays reach the cap exactly.
  CHECK(std::holds_alternative<ClientCommand>(
      parse_client_message(signal_with("{\"a\":" + repeat("[", 126) + repeat("]", 126) + "}"), "me")));
  CHECK(error_of(signal_with("{\"a\":" + repeat("[", 127) + repeat("]", 127) + "}")).message == too_deep);
  CHECK(error_of(nested(20000)).code == "invalid_json");
  // A NUL after the value is trailing garbage (nlohmann would stop reading there).
  CHECK(error_of(std::string(R"({"type":"ready","ready":true})") + '\0').message == not_json);
  // Invalid UTF-8 is refused in strings and outside them.
  CHECK(error_of("{\"type\":\"ready\xFF\"}").message == not_json);
  CHECK(error_of("{\"type\":\"ready\"}\xC3\xA9").message == not_json);

  std::array<std::string_view, 1> wanted{"k"};
  std::array<swirl::json::Value, 1> found{};
  CHECK(swirl::json::scan(R"({"k":{"k":1},"j":2})", wanted, found) == swirl::json::Verdict::object);
  CHECK(found[0].kind == swirl::json::Kind::object);
  CHECK(found[0].raw == R"({"k":1})");
  CHECK(swirl::json::scan(R"([{"k":1}])", wanted, found = {}) == swirl::json::Verdict::not_object);
  CHECK(found[0].kind == swirl::json::Kind::absent);
}

TEST_CASE("JsonOut writes what nlohmann::json reads back, escaping like its dump", "[protocol][json_out]") {
  const std::vector<std::string> strings = {"",
                                            "plain",
                                            "quote \" and backslash \\",
                                            "tab\tnewline\nreturn\rbell\a",
                                            std::string("nul\0inside", 10),
                                            "\x01\x1f\x7f",
                                            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
                                            "/slash/ and <tags>",
                                            std::string(300, 'x')};
  for (const auto& str : strings) {
    JsonOut j;
    j.begin_object().key(str).value(str).end_object();
    auto parsed = nlohmann::json::parse(j.str());
    INFO(j.str());
    CHECK(parsed == nlohmann::json{{str, str}});
    // Byte for byte what nlohmann's dump writes for the same document.
    CHECK(j.str() == nlohmann::json{{str, str}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  // Invalid UTF-8 becomes U+FFFD per bad byte; the frame stays valid JSON.
  for (std::string bad : {std::string("\xFF"), std::string("a\xC3"), std::string("\xED\xA0\x80"),
                          std::string("\xC0\xAF"), std::string("\xF4\x90\x80\x80"), std::string("ok\xE2\x82")}) {
    JsonOut j;
    j.value(bad);
    INFO(j.str());
    auto parsed = nlohmann::json::parse(j.str());
    REQUIRE(parsed.is_string());
    CHECK(parsed.get<std::string>().find("\xEF\xBF\xBD") != std::string::npos);
  }
  // Structure: commas between members and elements, nesting, every value kind.
  JsonOut j;
  j.begin_object()
      .key("a")
      .begin_array()
      .value(1)
      .value(-2)
      .value(std::uint64_t{18446744073709551615ULL})
      .value(std::int64_t{-9223372036854775807 - 1})
      .end_array()
      .key("b")
      .begin_object()
      .end_object()
      .key("c")
      .begin_array()
      .end_array()
      .key("d")
      .null()
      .key("e")
      .value(true)
      .key("f")
      .value(false)
      .key("g")
      .raw(R"({"x":[1,2]})")
      .key("h")
      .begin_array()
      .begin_object()
      .key("k")
      .value("v")
      .end_object()
      .begin_object()
      .end_object()
      .end_array()
      .end_object();
  auto expected =
      nlohmann::json::parse(R"({"a":[1,-2,18446744073709551615,-9223372036854775808],"b":{},"c":[],"d":null,"e":true,
                                           "f":false,"g":{"x":[1,2]},"h":[{"k":"v"},{}]})");
  CHECK(nlohmann::json::parse(j.str()) == expected);
}

TEST_CASE("media_state and media_flowing parse, and their malformed forms get invalid_message", "[protocol][media]") {
  auto ms = std::get<MediaStateCommand>(command_of(R"({"type":"media_state","camera":false,"microphone":true})"));
  CHECK_FALSE(ms.camera);
  CHECK(ms.microphone);
  ms = std::get<MediaStateCommand>(command_of(R"({"microphone":false,"camera":true,"type":"media_state"})"));
  CHECK(ms.camera);
  CHECK_FALSE(ms.microphone);
  // A repeated field keeps its last value, like every other message.
  CHECK(std::get<MediaStateCommand>(
            command_of(R"({"type":"media_state","camera":false,"camera":true,"microphone":true})"))
            .camera);
  CHECK(std::get<MediaFlowingCommand>(command_of(R"({"type":"media_flowing","match_id":"m4Hq8Ls0"})")).match_id ==
        "m4Hq8Ls0");
  CHECK(std::get<MediaFlowingCommand>(command_of(R"({"type":"media_flowing","match_id":"m\u0041"})")).match_id == "mA");
  CHECK(std::get<MediaFlowingCommand>(
            command_of(R"({"type":"media_flowing","match_id":")" + std::string(64, 'x') + "\"}"))
            .match_id.size() == 64);

  for (const char* bad :
       {R"({"type":"media_state"})", R"({"type":"media_state","camera":true})",
        R"({"type":"media_state","microphone":true})", R"({"type":"media_state","camera":1,"microphone":true})",
        R"({"type":"media_state","camera":"true","microphone":false})",
        R"({"type":"media_state","camera":true,"microphone":null})"}) {
    INFO(bad);
    auto e = error_of(bad);
    CHECK(e.code == "invalid_message");
    CHECK_THAT(e.message, Catch::Contains("camera") && Catch::Contains("microphone"));
  }
  for (const char* bad : {R"({"type":"media_flowing"})", R"({"type":"media_flowing","match_id":""})",
                          R"({"type":"media_flowing","match_id":5})", R"({"type":"media_flowing","match_id":null})",
                          R"({"type":"media_flowing","match_id":["m1"]})"}) {
    INFO(bad);
    auto e = error_of(bad);
    CHECK(e.code == "invalid_message");
    CHECK_THAT(e.message, Catch::Contains("match_id"));
  }
  auto too_long = error_of(R"({"type":"media_flowing","match_id":")" + std::string(65, 'x') + "\"}");
  CHECK(too_long.code == "invalid_message");
  CHECK_THAT(too_long.message, Catch::Contains("64 bytes"));
  CHECK(error_of(R"({"type":"media_state","camera":true,"microphone":true)").code == "invalid_json");
}

TEST_CASE("call_event parses into a command whose event is one of the four", "[protocol][call_event]") {
  for (auto [name, event] :
       {std::pair{"stall", CallEvent::stall}, std::pair{"ice_restart", CallEvent::ice_restart},
        std::pair{"pc_recreated", CallEvent::pc_recreated}, std::pair{"recovered", CallEvent::recovered}}) {
    auto cmd = std::get<CallEventCommand>(
        command_of(std::string(R"({"type":"call_event","match_id":"m1","event":")") + name + "\"}"));
    CHECK(cmd.match_id == "m1");
    CHECK(cmd.event == event);
    CHECK(to_string(event) == name);
  }
  // Escapes decode like everywhere else.
  CHECK(std::get<CallEventCommand>(command_of(R"({"type":"call_event","match_id":"m\u0031","event":"st\u0061ll"})"))
            .match_id == "m1");
  CHECK(error_of(R"({"type":"call_event","match_id":"m1","event":"melted"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":"m1","event":"Stall"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":"m1","event":1})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":"m1"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":"","event":"stall"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","event":"stall"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":["m1"],"event":"stall"})").code == "invalid_message");
  CHECK(error_of(R"({"type":"call_event","match_id":")" + std::string(65, 'x') + R"(","event":"stall"})").code ==
        "invalid_message");
  CHECK_FALSE(parse_call_event("").has_value());
}
