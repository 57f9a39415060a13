#include "pair_cycle.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace bench {

namespace {

// One side of a cycle: what it has seen so far.
struct Side {
  ClientPtr ws;
  std::string peer;
  bool joined = false, matched = false, ended = false, closed = false;
  int signals = 0;
};

// Everything the two sides' handlers touch; it outlives the coroutine while a handler is queued.
struct PairState {
  explicit PairState(asio::io_context& io) : changed(io) {}
  std::array<Side, 2> sides;
  Signal changed;
};

void on_message(PairState& st, int s, std::string_view msg, const std::string& marker) {
  Side& me = st.sides[s];
  if (std::getenv("SWIRL_BENCH_TRACE"))
    std::fprintf(stderr, "[%d] %.*s\n", s, static_cast<int>(std::min<std::size_t>(msg.size(), 300)), msg.data());
  if (has_type(msg, "\"type\":\"signal\"")) {
    ++me.signals;
  } else if (has_type(msg, marker)) {
    me.joined = true;
  } else if (has_type(msg, "\"type\":\"match_ended\"")) {
    me.ended = true;
  } else if (has_type(msg, "\"type\":\"match\"")) {
    me.peer = json::parse(msg).at("peers").at(0).at("id").get<std::string>();
    me.matched = true;
  }
  st.changed.notify();
}

}  // namespace

asio::awaitable<std::string> run_pair_cycle(asio::io_context& io, std::uint16_t port, const json& pair,
                                            const PairCycle& how) {
  const auto deadline = Clock::now() + how.deadline;
  const bool matching = how.match && how.target == "swirl";
  const std::string marker = joined_marker(how.target);
  auto st = std::make_shared<PairState>(io);
  Side& a = st->sides[0];
  Side& b = st->sides[1];
  std::string failed;
  for (int s = 0; s < 2 && failed.empty(); ++s) {
    auto ws = std::make_shared<WsClient>(io);
    if (co_await ws->open(port, pair.at(s == 0 ? "a" : "b").get<ConnSpec>())) {
      failed = "connect";
      break;
    }
    st->sides[s].ws = ws;
    ws->start_reading([st, s, marker](WsClient&, std::string_view msg) { on_message(*st, s, msg, marker); },
                      [st, s](WsClient&) {
                        st->sides[s].closed = true;
                        st->changed.notify();
                      });
  }
  auto until = [&](auto pred) { return st->changed.until(pred, deadline); };
  if (failed.empty() && !co_await until([&] { return a.joined && b.joined; })) failed = "join";
  if (matching && failed.empty()) {
    for (auto* m : {&a, &b}) m->ws->send(R"({"type":"ready","ready":true})");
    if (!co_await until([&] { return a.matched && b.matched; })) failed = "match";
  }
  if (matching && failed.empty() && how.signals > 0) {
    for (int i = 0; i < how.signals; ++i)
      for (auto* m : {&a, &b})
        m->ws->send(R"({"type":"signal","to":")" + m->peer + R"(","data":{"seq":)" + std::to_string(i) + "}}");
    if (!co_await until([&] { return a.signals >= how.signals && b.signals >= how.signals; })) failed = "signal";
  }
  if (matching && failed.empty()) {
    a.ws->send(R"({"type":"leave_match","ready":false})");
    if (!co_await until([&] { return a.ended && b.ended; })) failed = "match_ended";
    b.ws->send(R"({"type":"ready","ready":false})");  // the peer went back to the pool: leave it
  }
  for (auto* m : {&a, &b})
    if (m->ws) m->ws->close();
  bool closed = co_await until([&] { return (!a.ws || a.closed) && (!b.ws || b.closed); });
  if (!closed && failed.empty()) failed = "close";
  co_return failed;
}

}  // namespace bench
