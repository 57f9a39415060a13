#pragma once
// Native TLS in front of the plain server: each TLS connection is decrypted here and handed to
// the ordinary HTTP/WebSocket code as one end of an in-process socket pair, so that code (its
// raw recv/sendmsg WebSocket path included) runs unchanged, and the plain-TCP path pays nothing
// for TLS. Per connection a pump on the connection's strand moves bytes both ways:
//   client --TLS--> pump --plain--> session   and back.
// Ends: the client closes (or fails) -> the session sees EOF on its socket; the session closes
// -> the pump closes the TCP connection. Timeouts: the TLS handshake gets `handshake_timeout`;
// a write to the client that does not finish within `write_timeout` ends the connection (the
// session's own timeouts bound everything else).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "swirl/net/socket.hpp"

namespace swirl::net {

class TlsPump;

// The TLS connections of one listener.
class TlsConnections : public std::enable_shared_from_this<TlsConnections> {
 public:
  // Called with the decrypted side of a connection (a stream socket, not really TCP: it has no
  // endpoints; `remote_address` is the client's) on a strand of its own.
  using Serve = std::function<void(Socket plain, std::string remote_address)>;

  TlsConnections(std::shared_ptr<boost::asio::ssl::context> context, std::chrono::milliseconds handshake_timeout,
                 std::chrono::milliseconds write_timeout, Serve serve);

  // Takes an accepted TCP connection: handshake, then serve.
  void start(Socket socket, std::string remote_address);

  // True while some connection holds response bytes the session has written but the pump has
  // not yet handed to the kernel encrypted. A graceful drain waits for this after the
  // in-flight count (read the count first: a session writes, then stops counting).
  bool backlog() const;

 private:
  friend class TlsPump;
  void add(TlsPump* p);
  void remove(TlsPump* p);

  std::shared_ptr<boost::asio::ssl::context> context_;
  std::chrono::milliseconds handshake_timeout_;
  std::chrono::milliseconds write_timeout_;
  Serve serve_;
  mutable std::mutex mutex_;
  std::unordered_set<TlsPump*> pumps_;
};

}  // namespace swirl::net
