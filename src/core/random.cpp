#include "swirl/core/random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace swirl::core {
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (n - i == 1) {
    unsigned v = data[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    unsigned v = (data[i] << 16) | (data[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

// Random bytes are taken from OpenSSL's CSPRNG a buffer at a time: each RAND_bytes call costs
// a DRBG generate (cipher re-init) and a getpid() for fork detection, 2-5 us here, which a
// 12-byte match id paid in full on the lobby's strand. Bytes handed out are wiped from the
// buffer. A fork (the server never forks, but a library or test might) bumps the generation so
// neither process hands out the other's bytes.
constexpr std::size_t kRandomBufferBytes = 512;
std::atomic<unsigned> g_fork_generation{0};

void random_bytes(unsigned char* out, std::size_t n) {
  static const bool atfork_registered = [] {
    pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1, std::memory_order_relaxed); });
    return true;
  }();
  (void)atfork_registered;
  struct Buffer {
    unsigned char bytes[kRandomBufferBytes];
    std::size_t used = kRandomBufferBytes;  // nothing buffered yet
    unsigned generation = 0;
    ~Buffer() { OPENSSL_cleanse(bytes, sizeof bytes); }
  };
  thread_local Buffer buf;
  if (n > kRandomBufferBytes / 4) {  // large requests go straight through
    if (RAND_bytes(out, static_cast<int>(n)) != 1)
      throw std::runtime_error("the system random number generator failed");
    return;
  }
  unsigned generation = g_fork_generation.load(std::memory_order_relaxed);
  if (buf.generation != generation) {
    OPENSSL_cleanse(buf.bytes, sizeof buf.bytes);
    buf.used = kRandomBufferBytes;
    buf.generation = generation;
  }
  if (kRandomBufferBytes - buf.used < n) {
    if (RAND_bytes(buf.bytes, static_cast<int>(sizeof buf.bytes)) != 1)
      throw std::runtime_error("the system random number generator failed");
    buf.used = 0;
  }
  std::memcpy(out, buf.bytes + buf.used, n);
  OPENSSL_cleanse(buf.bytes + buf.used, n);
  buf.used += n;
}
}  // namespace

std::string random_base64url(std::size_t bytes) {
  unsigned char small[kRandomBufferBytes / 4];
  std::unique_ptr<unsigned char[]> large;
  unsigned char* buf = small;
  if (bytes > sizeof small) {
    large.reset(new unsigned char[bytes]);
    buf = large.get();
  }
  random_bytes(buf, bytes);
  auto out = base64url(buf, bytes);
  OPENSSL_cleanse(buf, bytes);
  return out;
}

std::string new_id(std::size_t bytes) { return random_base64url(bytes); }

}  // namespace swirl::core
