#pragma once
// Captures what the server logs (through spdlog's default logger), at every level, while it
// lives; the logger's other sinks keep showing warnings and errors only. For tests that check
// secrets and tokens never reach the log.

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace swirl::test {

class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<Sink>()) {
    auto& sinks = spdlog::default_logger()->sinks();
    for (auto& s : sinks) {
      levels_.push_back(s->level());
      s->set_level(spdlog::level::warn);
    }
    sinks.push_back(sink_);
    spdlog::set_level(spdlog::level::trace);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    for (std::size_t i = 0; i < sinks.size() && i < levels_.size(); ++i) sinks[i]->set_level(levels_[i]);
    spdlog::set_level(spdlog::level::warn);
  }
  std::string text() { return sink_->text(); }
  // TestServer sets the level to warn when the first one is made: call this from its tweak.
  static void all_levels() { spdlog::set_level(spdlog::level::trace); }

 private:
  class Sink : public spdlog::sinks::base_sink<std::mutex> {
   public:
    std::string text() {
      std::lock_guard lock(mutex_);
      return text_;
    }

   protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
      spdlog::memory_buf_t line;
      formatter_->format(msg, line);
      text_.append(line.data(), line.size());
    }
    void flush_() override {}

   private:
    std::string text_;
  };
  std::shared_ptr<Sink> sink_;
  std::vector<spdlog::level::level_enum> levels_;
};

}  // namespace swirl::test
