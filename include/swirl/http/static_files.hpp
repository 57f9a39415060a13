#pragma once
// Serves files from a directory: MIME types, strong ETags with 304 answers, long caching for
// Vite's content-hashed /assets/ and the versioned /models/ and /tfjs/ folders, revalidation
// for everything else. With an SPA fallback,
// a path that is not a file and has no extension (a client route) gets index.html. File reads
// run on the BlockingPool, never on a network thread.

#include <filesystem>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "swirl/core/blocking_pool.hpp"
#include "swirl/http/types.hpp"

namespace swirl::http {

std::string mime_type_for(const std::string& extension);

class StaticFiles {
 public:
  StaticFiles(std::filesystem::path root, core::BlockingPool& pool, bool spa_fallback,
              std::string placeholder_html = {});

  // segments: the decoded path below the root.
  boost::asio::awaitable<Response> serve(const Request& req, std::vector<std::string> segments) const;

 private:
  std::filesystem::path root_;
  core::BlockingPool& pool_;
  bool spa_fallback_;
  std::string placeholder_html_;  // served as index.html when the root has none
};

}  // namespace swirl::http
