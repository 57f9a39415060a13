// libFuzzer target: the one-pass JSON validator (json/scan.hpp) against nlohmann::json::parse,
// whose verdicts it promises to match (two documented differences: nesting deeper than
// max_depth, and a NUL byte after the value). The members it locates must be the ones
// nlohmann finds, with the same values.

#include <array>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "swirl/json/scan.hpp"

namespace sj = swirl::json;

namespace {

// The names the client protocol routes on, plus names with escapes and non-ASCII letters.
constexpr std::array<std::string_view, 6> kWanted{"type", "to", "data", "ready", "\xc3\xa9t\xc3\xa9", "a\"b"};

sj::Kind kind_of(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: return sj::Kind::object;
    case nlohmann::json::value_t::array: return sj::Kind::array;
    case nlohmann::json::value_t::string: return sj::Kind::string;
    case nlohmann::json::value_t::boolean: return j.get<bool>() ? sj::Kind::true_value : sj::Kind::false_value;
    case nlohmann::json::value_t::null: return sj::Kind::null;
    default: return sj::Kind::number;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = swirl::fuzz::as_text(data, size);
  std::array<sj::Value, kWanted.size()> found{};
  sj::Verdict verdict = sj::scan(text, kWanted, found);
  if (verdict == sj::Verdict::too_deep) return 0;  // documented difference: nlohmann has no limit

  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    FUZZ_REQUIRE(verdict == sj::Verdict::invalid);
    return 0;
  }
  if (verdict == sj::Verdict::invalid) {
    // Documented difference: nlohmann stops at a NUL byte after the value.
    FUZZ_REQUIRE(text.find('\0') != std::string_view::npos);
    return 0;
  }
  FUZZ_REQUIRE((verdict == sj::Verdict::object) == j.is_object());
  if (verdict != sj::Verdict::object) return 0;

  for (std::size_t i = 0; i < kWanted.size(); ++i) {
    const sj::Value& v = found[i];
    auto it = j.find(std::string(kWanted[i]));
    if (it == j.end()) {
      FUZZ_REQUIRE(v.kind == sj::Kind::absent);
      continue;
    }
    FUZZ_REQUIRE(v.kind == kind_of(*it));
    if (v.kind == sj::Kind::string) {
      const auto& s = it->get_ref<const std::string&>();
      FUZZ_REQUIRE(sj::decode(v) == s);
      FUZZ_REQUIRE(sj::decoded_equals(v, s));
      FUZZ_REQUIRE(v.has_escapes == (v.raw.find('\\') != std::string_view::npos));
    } else {
      // The raw text of any other value is that value, complete.
      nlohmann::json again = nlohmann::json::parse(v.raw, nullptr, false);
      FUZZ_REQUIRE(!again.is_discarded() && again == *it);
    }
  }
  return 0;
}
