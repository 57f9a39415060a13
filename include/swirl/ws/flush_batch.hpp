#pragma once
// Frames queued on this thread while a FlushBatch lives are sent when it ends, one sendmsg per
// connection: a burst of messages to one peer (the replies to a read, a join's welcome with the
// lobby's snapshot and the handshake response) becomes one write, and one wake-up of the client.
//
// Batches nest: only the outermost one collects and flushes. Use one only inside a strand's
// handler, around sends to sessions on that strand: the batch flushes them when it ends, still
// on that strand. A session's read opens one around the handling of what it read; the lobby
// opens one around a join (lobby/mailbox.hpp, DeliveryBatch).

#include <memory>
#include <vector>

namespace swirl::ws {

class WsSession;

class FlushBatch {
 public:
  FlushBatch();
  ~FlushBatch();  // flushes every session that queued frames, then the batch is gone
  FlushBatch(const FlushBatch&) = delete;
  FlushBatch& operator=(const FlushBatch&) = delete;

  // The outermost batch open on this thread, or null.
  static FlushBatch*& current();
  void add(std::shared_ptr<WsSession> s);

 private:
  bool active_;
  std::vector<std::shared_ptr<WsSession>> sessions_;
};

}  // namespace swirl::ws
