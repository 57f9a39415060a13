#include "swirl/net/tls_context.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace swirl::net {
namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 suites: ECDHE key exchange and AEAD ciphers only. TLS 1.3 suites are OpenSSL's
// defaults (all of them AEAD with forward secrecy).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL's first queued error as text (and the queue cleared), for startup messages.
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// A clearer message than OpenSSL's for the common mistakes: no such file, no permission.
void check_readable(const char* flag, const std::string& path) {
  if (path.empty()) throw std::runtime_error(std::string(flag) + " is empty");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string(flag) + " " + path + ": cannot be read (" + std::strerror(errno) + ")");
}

}  // namespace

std::shared_ptr<ssl::context> make_server_tls_context(const std::string& cert_path, const std::string& key_path) {
  check_readable("--tls-cert", cert_path);
  check_readable("--tls-key", key_path);
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    throw std::runtime_error("TLS: cannot require TLS 1.2 or newer: " + openssl_error());
  // No compression (CRIME), no renegotiation, a fresh ECDHE key per handshake.
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_SINGLE_ECDH_USE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    throw std::runtime_error("TLS: cipher list refused: " + openssl_error());
  // An encrypted key would make OpenSSL ask for a pass phrase on the terminal: refuse it instead.
  SSL_CTX_set_default_passwd_cb(native, [](char*, int, int, void*) { return 0; });
  if (SSL_CTX_use_certificate_chain_file(native, cert_path.c_str()) != 1)
    throw std::runtime_error("--tls-cert " + cert_path + ": not a PEM certificate (chain): " + openssl_error());
  if (SSL_CTX_use_PrivateKey_file(native, key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL compares the key with the certificate as it loads it.
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH)
      throw std::runtime_error("--tls-key " + key_path + " does not belong to the certificate in --tls-cert " +
                               cert_path + ": " + openssl_error());
    throw std::runtime_error("--tls-key " + key_path + ": not an unencrypted PEM private key: " + openssl_error());
  }
  if (SSL_CTX_check_private_key(native) != 1)
    throw std::runtime_error("--tls-key " + key_path + " does not belong to the certificate in --tls-cert " +
                             cert_path + ": " + openssl_error());
  return ctx;
}

}  // namespace swirl::net
