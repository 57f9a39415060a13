#pragma once
// Writes JSON straight into a string, without building a DOM first: for the frames a lobby
// builds on every join, match and status change (welcome, match, lobby_status). nlohmann::json
// allocates a node per value and a std::map per object for those; this appends.
//
// String values go through the one escaper, json/escape.hpp: byte for byte what nlohmann's
// dump(-1, ' ', false, error_handler_t::replace) writes, and bytes that are not valid UTF-8
// become U+FFFD instead of breaking the frame. Keys are string literals that the compiler checks
// need no escaping (JsonKey), so they are copied as they are. Keys come out in the order they
// are written.
//
//   JsonOut j;
//   j.begin_object().key("type").value("match").key("peers").begin_array();
//   ...
//   j.end_array().end_object();
//   std::string frame = j.take();

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "swirl/json/escape.hpp"

namespace swirl::json {

// An object key: a string literal of printable ASCII without '"' or '\\', checked when the
// program is compiled (a key that would need escaping does not compile).
class JsonKey {
 public:
  template <std::size_t N>
  consteval JsonKey(const char (&s)[N]) : s_(s, N - 1) {  // NOLINT(google-explicit-constructor)
    for (std::size_t i = 0; i + 1 < N; ++i)
      if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\') throw "a JsonOut key must need no escaping";
  }
  std::string_view view() const { return s_; }

 private:
  std::string_view s_;
};

class JsonOut {
 public:
  explicit JsonOut(std::size_t reserve = 256) { out_.reserve(reserve); }

  JsonOut& begin_object() { return open('{'); }
  JsonOut& end_object() { return close('}'); }
  JsonOut& begin_array() { return open('['); }
  JsonOut& end_array() { return close(']'); }

  JsonOut& key(JsonKey name) {
    separate();
    out_ += '"';
    out_ += name.view();
    out_ += "\":";
    need_comma_ = false;
    return *this;
  }
  JsonOut& value(std::string_view s) {
    separate();
    append_quoted(out_, s);
    return done();
  }
  JsonOut& value(const char* s) { return value(std::string_view(s)); }
  JsonOut& value(bool b) {
    separate();
    out_ += b ? "true" : "false";
    return done();
  }
  JsonOut& value(std::int64_t n);
  JsonOut& value(std::uint64_t n);
  JsonOut& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonOut& value(unsigned n) { return value(static_cast<std::uint64_t>(n)); }
  JsonOut& null() {
    separate();
    out_ += "null";
    return done();
  }
  // A value that is already JSON (e.g. cached settings), written as is.
  JsonOut& raw(std::string_view json) {
    separate();
    out_ += json;
    return done();
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  template <typename Int>
  JsonOut& integer(Int n);
  JsonOut& open(char c) {
    separate();
    out_ += c;
    need_comma_ = false;
    return *this;
  }
  JsonOut& close(char c) {
    out_ += c;
    return done();
  }
  void separate() {
    if (need_comma_) out_ += ',';
  }
  JsonOut& done() {
    need_comma_ = true;
    return *this;
  }

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace swirl::json
