#pragma once
// The TLS side of a test client, as a local tunnel (what stunnel does): it listens on
// 127.0.0.1, port 0, and carries each connection over TLS to a server's port, checking the
// server's certificate against a CA file for the name 127.0.0.1. The plain HttpClient and
// WsClient then speak HTTPS and WSS by connecting to the tunnel's port, and the server under
// test sees a real TLS client (OpenSSL, TLS 1.2+ with SNI-less IP verification).

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace swirl::test {

// Generates a self-signed certificate for 127.0.0.1 and localhost (EC P-256, 2 days) with the
// openssl command line tool, in a fresh directory under /tmp. The certificate is its own CA.
struct TestCertificate {
  std::string dir, cert, key;
  TestCertificate();
  ~TestCertificate();  // removes the directory
  // Another key, not the certificate's (for the mismatch error).
  std::string other_key() const;
};

class TlsTunnel {
 public:
  TlsTunnel(unsigned short target_port, const std::string& ca_file);
  ~TlsTunnel();
  TlsTunnel(const TlsTunnel&) = delete;
  TlsTunnel& operator=(const TlsTunnel&) = delete;

  unsigned short port() const { return port_; }
  // The protocol the latest handshake agreed on ("TLSv1.3"), and how many handshakes failed.
  std::string last_protocol() const;
  int handshake_failures() const { return failures_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
  std::atomic<int> failures_{0};
};

// Connects to 127.0.0.1:port and tries a TLS handshake allowing only versions [min, max]
// (OpenSSL's TLS1_x_VERSION numbers), without checking the certificate. Returns the
// negotiated version's name, or "" when the handshake failed.
std::string try_tls_handshake(unsigned short port, int min_version, int max_version);

}  // namespace swirl::test
