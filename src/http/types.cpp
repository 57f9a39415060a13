#include "swirl/http/types.hpp"

namespace swirl::http {

Response json_response(const Request& req, Status status, const Json& body) {
  Response res{status, req.version()};
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}

Response error_response(unsigned version, bool keep_alive, Status status, std::string_view code,
                        std::string_view message) {
  Response res{status, version};
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  Json body = {{"error", {{"code", code}, {"message", message}}}};
  res.body() = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}

Json parse_json_object(const Request& req) {
  // The Content-Type is not enforced: `curl -d` sends form encoding by default and the body is
  // parsed strictly as JSON anyway.
  if (req.body().empty())
    throw ApiError(Status::bad_request, "invalid_json", "request body is empty; expected a JSON object");
  Json j = Json::parse(req.body(), nullptr, false);
  if (j.is_discarded()) throw ApiError(Status::bad_request, "invalid_json", "request body is not valid JSON");
  if (!j.is_object()) throw ApiError(Status::bad_request, "invalid_json", "request body must be a JSON object");
  return j;
}

}  // namespace swirl::http
