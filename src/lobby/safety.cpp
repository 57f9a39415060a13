#include "swirl/lobby/safety.hpp"

#include <array>
#include <string>
#include <utility>

#include "swirl/core/utf8.hpp"

namespace swirl::lobby {

namespace {
constexpr std::array<std::pair<ReportReason, std::string_view>, 5> kReasons{{
    {ReportReason::harassment, "harassment"},
    {ReportReason::inappropriate, "inappropriate"},
    {ReportReason::spam, "spam"},
    {ReportReason::underage, "underage"},
    {ReportReason::other, "other"},
}};
constexpr std::size_t kUserIdChars = 16;
}  // namespace

std::string_view to_string(ReportReason reason) {
  for (const auto& [r, name] : kReasons)
    if (r == reason) return name;
  return "other";
}

std::optional<ReportReason> parse_report_reason(std::string_view name) {
  for (const auto& [r, known] : kReasons)
    if (known == name) return r;
  return std::nullopt;
}

bool is_user_id_shape(std::string_view id) {
  if (id.size() != kUserIdChars) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool valid_report_details(std::string_view details) {
  if (details.size() > kMaxReportDetailsBytes) return false;
  std::u32string cps;
  if (!core::decode_utf8(details, cps)) return false;
  for (char32_t c : cps)
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) return false;
  return true;
}

}  // namespace swirl::lobby
