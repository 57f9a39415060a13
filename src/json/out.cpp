#include "swirl/json/out.hpp"

#include <charconv>

namespace swirl::json {

JsonOut& JsonOut::value(std::int64_t n) { return integer(n); }
JsonOut& JsonOut::value(std::uint64_t n) { return integer(n); }

template <typename Int>
JsonOut& JsonOut::integer(Int n) {
  separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
  return done();
}

}  // namespace swirl::json
