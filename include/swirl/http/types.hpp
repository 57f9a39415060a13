#pragma once
// HTTP vocabulary shared by the server, the router and the API handlers.

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace swirl::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
using Status = bhttp::status;
using Json = nlohmann::json;

// An error a handler reports to the client: becomes {"error":{"code":..,"message":..}}.
class ApiError : public std::runtime_error {
 public:
  ApiError(Status status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  Status status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  Status status_;
  std::string code_;
};

// A 429 or 503 that tells the client when to come back: an ApiError plus the Retry-After
// header's seconds (http/errors.hpp maps it).
class RetryLater : public ApiError {
 public:
  RetryLater(Status status, std::string code, const std::string& message, std::chrono::seconds retry_after)
      : ApiError(status, std::move(code), message), retry_after_(retry_after) {}
  std::chrono::seconds retry_after() const { return retry_after_; }

 private:
  std::chrono::seconds retry_after_;
};

Response json_response(const Request& req, Status status, const Json& body);
Response error_response(unsigned version, bool keep_alive, Status status, std::string_view code,
                        std::string_view message);
inline Response error_response(const Request& req, Status status, std::string_view code, std::string_view message) {
  return error_response(req.version(), req.keep_alive(), status, code, message);
}

// Parses a JSON request body into an object; throws ApiError 400 with a precise message.
Json parse_json_object(const Request& req);

}  // namespace swirl::http
