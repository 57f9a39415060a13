#pragma once
// Inputs for the differential tests of the client-message scanner (tests/test_json_scanner.cpp):
// hand-written edge cases of numbers, strings and nesting, each checked against nlohmann::json.

#include <string>
#include <string_view>
#include <vector>

namespace swirl::test {

// `s` n times over.
std::string repeat(std::string_view s, int n);
// A signal message to "u2" whose data is `data`, as given.
std::string signal_with(std::string_view data);

// Numbers at and around the edges of what strtod and the scanner accept.
std::vector<std::string> number_cases();
// Strings: escapes, surrogates, invalid UTF-8, control characters.
std::vector<std::string> string_cases();
// Everything: the number and string cases, whole messages and nesting at the cap.
std::vector<std::string> handwritten_cases();

}  // namespace swirl::test
