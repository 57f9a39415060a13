#include "support/nginx_proxy.hpp"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace swirl::test {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(5);

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// Replaces `from` with `to`, which must occur exactly once: the committed file keeps the shape
// this test expects, or the test says what changed.
void replace_once(std::string& text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos)
    throw std::runtime_error("docker/nginx config: expected exactly one \"" + from + "\"");
  text.replace(at, from.size(), to);
}

unsigned short free_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

bool accepts(unsigned short port) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  return !ec;
}
// docker/nginx/swirl-cluster.conf's nodes swirl-1:8080 ... become the test's servers.
std::vector<std::pair<std::string, std::string>> cluster_upstreams(const std::vector<unsigned short>& ports) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < ports.size(); ++i)
    out.emplace_back("server swirl-" + std::to_string(i + 1) + ":8080 ",
                     "server 127.0.0.1:" + std::to_string(ports[i]) + " ");
  return out;
}
}  // namespace

NginxProxy::NginxProxy(unsigned short swirl_port, const TestCertificate& cert)
    : NginxProxy("swirl.conf", {{"server 127.0.0.1:8080;", "server 127.0.0.1:" + std::to_string(swirl_port) + ";"}},
                 cert) {}

NginxProxy::NginxProxy(const std::vector<unsigned short>& node_ports, const TestCertificate& cert)
    : NginxProxy("swirl-cluster.conf", cluster_upstreams(node_ports), cert) {}

NginxProxy::NginxProxy(const std::string& file, const std::vector<std::pair<std::string, std::string>>& upstreams,
                       const TestCertificate& cert) {
  char tmpl[] = "/tmp/swirl-nginx-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  http_port_ = free_port();
  https_port_ = free_port();
  std::filesystem::copy_file(cert.cert, dir_ + "/fullchain.pem");
  std::filesystem::copy_file(cert.key, dir_ + "/privkey.pem");

  config_ = read_file(std::string(SWIRL_SOURCE_DIR) + "/docker/nginx/" + file);
  replace_once(config_, "listen 80;", "listen 127.0.0.1:" + std::to_string(http_port_) + ";");
  replace_once(config_, "listen [::]:80;", "");
  replace_once(config_, "listen 443 ssl http2;", "listen 127.0.0.1:" + std::to_string(https_port_) + " ssl http2;");
  replace_once(config_, "listen [::]:443 ssl http2;", "");
  for (const auto& [from, to] : upstreams) replace_once(config_, from, to);
  replace_once(config_, "/etc/ssl/swirl/fullchain.pem", dir_ + "/fullchain.pem");
  replace_once(config_, "/etc/ssl/swirl/privkey.pem", dir_ + "/privkey.pem");
  write_file(dir_ + "/swirl.conf", config_);
  // What Debian's /etc/nginx/nginx.conf provides around conf.d/, with every path in our dir.
  write_file(dir_ + "/nginx.conf", "daemon off;\npid " + dir_ +
                                       "/nginx.pid;\nworker_processes 1;\n"
                                       "events { worker_connections 256; }\n"
                                       "http {\n  access_log " +
                                       dir_ +
                                       "/access.log;\n"
                                       "  client_body_temp_path " +
                                       dir_ + "/body;\n  proxy_temp_path " + dir_ +
                                       "/proxy;\n"
                                       "  fastcgi_temp_path " +
                                       dir_ + "/fastcgi;\n  uwsgi_temp_path " + dir_ +
                                       "/uwsgi;\n"
                                       "  scgi_temp_path " +
                                       dir_ + "/scgi;\n  include " + dir_ + "/swirl.conf;\n}\n");

  uid_t uid = 0;
  gid_t gid = 0;
  const bool root = ::geteuid() == 0;
  if (root) {
    const passwd* nobody = ::getpwnam("nobody");
    if (!nobody) throw std::runtime_error("no user 'nobody' to run nginx as");
    uid = nobody->pw_uid;
    gid = nobody->pw_gid;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_))
      if (::chown(entry.path().c_str(), uid, gid) != 0) throw std::runtime_error("chown failed");
    if (::chown(dir_.c_str(), uid, gid) != 0) throw std::runtime_error("chown failed");
  }
  std::string conf = dir_ + "/nginx.conf", log = dir_ + "/error.log";
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    if (root && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) ::_exit(126);
    ::execl("/usr/sbin/nginx", "nginx", "-p", dir_.c_str(), "-c", conf.c_str(), "-e", log.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nginx exited at start-up (status " + std::to_string(status) + "): " + error_log());
    }
    if (accepts(https_port_) && accepts(http_port_)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      auto log_text = error_log();
      stop();
      throw std::runtime_error("nginx did not listen within 10 s: " + log_text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

NginxProxy::~NginxProxy() { stop(); }

void NginxProxy::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-pid_, SIGKILL);  // its own process group: the master and its worker
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
  }
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  dir_.clear();
}

std::string NginxProxy::error_log() const { return read_file(dir_ + "/error.log"); }

}  // namespace swirl::test
