// LobbyServer's safety tools (issue 17): a member blocks or reports someone they were matched
// with. A block is stored first (the database enforces the per-user cap), then applied: the
// pair's match ends and the matcher keeps them apart (lobby/safety.hpp), here and, through the
// supervisor, in every other live lobby. Each member's blocks are loaded when they are first
// ready, so a block made anywhere, at any time, keeps the pair apart in this lobby too.

#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>

#include "swirl/core/random.hpp"
#include "swirl/lobby/blocked_users.hpp"
#include "swirl/lobby/frames.hpp"
#include "swirl/lobby/lobby_server.hpp"

namespace swirl::lobby {
namespace asio = boost::asio;

namespace {
// A member whose blocks could not be loaded (the database is down) is tried again after this;
// they are not matched meanwhile: a block must hold even through an outage.
constexpr auto kBlocksRetry = std::chrono::seconds(2);

const char* const kNotMatched = "you can only block or report someone you were matched with in this lobby";
const char* const kUnavailable = "the database could not be reached; nothing was stored, try again";
}  // namespace

bool LobbyServer::may_target(const Member& m, const std::string& user_id) const {
  if (user_id == m.user_id) return false;
  if (m.match && m.match->find(user_id)) return true;
  auto other = members_.find_id(user_id);
  return other && history_.met(m.mid, *other);
}

void LobbyServer::block(Member& m, const BlockCommand& cmd) {
  if (!may_target(m, cmd.user_id)) {
    send(m, error_frame("not_matched", kNotMatched));
    return;
  }
  // In the index before it is stored: no member is matched as if it did not exist.
  if (env_.blocked_users) env_.blocked_users->add(m.user_id, cmd.user_id);
  auto& db = env_.db;
  env_.pool.run(
      [&db, blocker = m.user_id, blocked = cmd.user_id, now = now_ms(), cap = env_.config.max_blocks_per_user] {
        return db.block_user(blocker, blocked, now, cap);
      },
      asio::bind_executor(strand_, [self = shared_from_this(), blocker = m.user_id, blocked = cmd.user_id](
                                       std::exception_ptr e, storage::BlockStored stored) {
        self->guarded([&] {
          Member* m = self->members_.find(blocker);
          if (e) {
            if (m) self->send(*m, error_frame("storage_unavailable", kUnavailable));
            return;
          }
          switch (stored) {
            case storage::BlockStored::too_many:
              if (m)
                self->send(*m, error_frame("too_many_blocks",
                                           "you have blocked " + std::to_string(self->env_.config.max_blocks_per_user) +
                                               " people already (the limit)"));
              return;
            case storage::BlockStored::no_user:
              if (m) self->send(*m, error_frame("not_matched", kNotMatched));
              return;
            case storage::BlockStored::stored: self->env_.on_blocked(blocker, blocked, self.get()); break;
            case storage::BlockStored::existing: break;
          }
          self->keep_apart(blocker, blocked);  // match_ended (blocked) first, then the reply
          if (m) self->send(*m, blocked_frame(blocked));
        });
      }));
}

void LobbyServer::report(Member& m, ReportCommand& cmd) {
  if (!may_target(m, cmd.user_id)) {
    send(m, error_frame("not_matched", kNotMatched));
    return;
  }
  storage::ReportRecord r;
  r.id = core::new_id();
  r.lobby_id = id_;
  r.reporter_id = m.user_id;
  r.reported_id = cmd.user_id;
  r.reason = std::string(to_string(cmd.reason));
  r.details = std::move(cmd.details);
  if (m.match && m.match->find(cmd.user_id)) r.match_id = m.match->id;
  r.created_at_ms = now_ms();
  auto& db = env_.db;
  env_.pool.run(
      [&db, r, cap = env_.config.max_reports_per_hour] { return db.add_report(r, cap); },
      asio::bind_executor(strand_, [self = shared_from_this(), reporter = m.user_id, id = r.id](std::exception_ptr e,
                                                                                                bool stored) {
        self->guarded([&] {
          Member* m = self->members_.find(reporter);
          if (!m) return;
          if (e)
            self->send(*m, error_frame("storage_unavailable", kUnavailable));
          else if (!stored)
            self->send(*m, error_frame("too_many_reports", "you can make at most " +
                                                               std::to_string(self->env_.config.max_reports_per_hour) +
                                                               " reports an hour in this lobby; the owner has yours"));
          else
            self->send(*m, reported_frame(id));
        });
      }));
}

void LobbyServer::apply_block(const std::string& blocker, const std::string& blocked) { keep_apart(blocker, blocked); }

void LobbyServer::keep_apart(const std::string& blocker, const std::string& blocked) {
  auto a = members_.find_id(blocker);
  auto b = members_.find_id(blocked);
  if (!a || !b) return;  // not both here: the one who joins later loads it (load_blocks)
  Member* ma = members_.find(*a);
  Member* mb = members_.find(*b);
  // The blocker leaves the match (their own readiness kept); the others hear what they would
  // if the blocker had left, so the blocked one is never told.
  if (ma && mb && ma->match && ma->match == mb->match)
    leave_match(*ma, MatchEndReason::blocked, false, MatchEndReason::peer_left);
  record_block(history_, *a, *b);
  schedule_matching();
}

bool LobbyServer::load_blocks(Member& m) {
  if (m.blocks != BlocksLoad::not_loaded) return false;
  if (env_.blocked_users && !env_.blocked_users->may_have_blocks(m.user_id)) {
    m.blocks = BlocksLoad::loaded;  // nobody blocked them and they blocked nobody
    return true;
  }
  m.blocks = BlocksLoad::loading;
  auto& db = env_.db;
  env_.pool.run([&db, user = m.user_id] { return db.load_blocks(user); },
                asio::bind_executor(strand_, [self = shared_from_this(), user = m.user_id, seq = m.join_seq](
                                                 std::exception_ptr e, std::vector<std::string> others) {
                  self->guarded([&] { self->blocks_loaded(user, seq, e, others); });
                }));
  return false;
}

void LobbyServer::blocks_loaded(const std::string& user_id, std::uint64_t join_seq, std::exception_ptr error,
                                const std::vector<std::string>& others) {
  auto mine = members_.find_id(user_id);
  if (!error && mine) {
    // Only pairs both here matter now; someone who comes later loads the same rows.
    for (const auto& other : others)
      if (auto theirs = members_.find_id(other)) record_block(history_, *mine, *theirs);
  }
  Member* m = members_.find(user_id);
  if (!m || m->join_seq != join_seq) return;  // left (or left and came back) meanwhile
  if (!error) {
    m->blocks = BlocksLoad::loaded;
    schedule_matching();
    return;
  }
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::warn("lobby={} could not load the blocks of a member ({}); trying again", id_, e.what());
  } catch (...) {
    spdlog::warn("lobby={} could not load the blocks of a member; trying again", id_);
  }
  m->blocks = BlocksLoad::not_loaded;
  auto timer = std::make_shared<asio::steady_timer>(strand_, kBlocksRetry);
  timer->async_wait([self = shared_from_this(), timer](boost::system::error_code ec) {
    if (ec) return;
    self->guarded([&] { self->schedule_matching(); });
  });
}

}  // namespace swirl::lobby
