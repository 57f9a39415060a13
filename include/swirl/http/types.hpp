#pragma once
// HTTP vocabulary shared by the server, the router and the API handlers.

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

Response json_response(const Request& req, Status status, const Json& body);
Response error_response(unsigned version, bool keep_alive, Status status, std::string_view code,
                        std::string_view message);
inline Response error_response(const Request& req, Status status, std::string_view code,
                               std::string_view message) {
  return error_response(req.version(), req.keep_alive(), status, code, message);
}

// Parses a JSON request body into an object; throws ApiError 400 with a precise message.
Json parse_json_object(const Request& req);

}  // namespace swirl::http
