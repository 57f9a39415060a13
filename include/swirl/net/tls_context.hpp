#pragma once
// The server's TLS settings: certificate chain and private key from PEM files, TLS 1.2 and
// newer only, forward-secret AEAD cipher suites (Mozilla's "intermediate" profile).

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace swirl::net {

// Loads `cert_path` (the certificate, optionally followed by its chain) and `key_path` (its
// private key, unencrypted). Throws std::runtime_error naming the file and the problem when a
// file is missing or unreadable, is not PEM of the right kind, or the key does not belong to
// the certificate.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const std::string& cert_path,
                                                                   const std::string& key_path);

}  // namespace swirl::net
