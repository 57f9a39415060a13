#include "swirl/storage/records.hpp"

namespace swirl::storage {

std::string_view to_string(LobbyStatus s) {
  switch (s) {
    case LobbyStatus::open: return "open";
    case LobbyStatus::locked: return "locked";
    case LobbyStatus::closed: return "closed";
  }
  return "open";
}

std::optional<LobbyStatus> lobby_status_from(std::string_view s) {
  if (s == "open") return LobbyStatus::open;
  if (s == "locked") return LobbyStatus::locked;
  if (s == "closed") return LobbyStatus::closed;
  return std::nullopt;
}

nlohmann::json LobbySettings::to_json() const {
  return {{"group_size", group_size},
          {"max_members", max_members},
          {"when_exhausted", when_exhausted == WhenExhausted::wait ? "wait" : "repeat"},
          {"repeat_after_seconds", repeat_after_seconds},
          {"round_seconds", round_seconds},
          {"idle_shutdown_seconds", idle_shutdown_seconds}};
}

std::variant<LobbySettings, SettingsError> apply_settings(const LobbySettings& base, const nlohmann::json& patch) {
  if (!patch.is_object()) return SettingsError{"settings", "settings must be a JSON object"};
  LobbySettings s = base;
  auto int_field = [&](const std::string& name, int& out, int min, int max) -> std::optional<SettingsError> {
    const auto& v = patch.at(name);
    if (!v.is_number_integer()) return SettingsError{name, name + " must be a whole number"};
    auto n = v.get<long long>();
    if (n < min || n > max)
      return SettingsError{name, name + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                                     " (got " + std::to_string(n) + ")"};
    out = static_cast<int>(n);
    return std::nullopt;
  };
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& k = it.key();
    std::optional<SettingsError> err;
    if (k == "group_size")
      err = int_field(k, s.group_size, 2, 4);
    else if (k == "max_members")
      err = int_field(k, s.max_members, 2, 10000);
    else if (k == "repeat_after_seconds")
      err = int_field(k, s.repeat_after_seconds, 0, 86400);
    else if (k == "idle_shutdown_seconds")
      err = int_field(k, s.idle_shutdown_seconds, 1, 86400);
    else if (k == "round_seconds") {
      err = int_field(k, s.round_seconds, 0, 7200);
    } else if (k == "when_exhausted") {
      if (!it->is_string() || (*it != "wait" && *it != "repeat"))
        err = SettingsError{k, "when_exhausted must be \"wait\" or \"repeat\""};
      else
        s.when_exhausted = *it == "wait" ? WhenExhausted::wait : WhenExhausted::repeat;
    } else {
      err = SettingsError{k, "unknown setting '" + k + "'"};
    }
    if (err) return *err;
  }
  return s;
}

}  // namespace swirl::storage
