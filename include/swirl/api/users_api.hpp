#pragma once
// /api/users and /api/me, and bearer-token authentication for every authenticated endpoint.

#include <boost/asio/awaitable.hpp>

#include "swirl/api/services.hpp"
#include "swirl/core/iso8601.hpp"
#include "swirl/http/router.hpp"

namespace swirl::api {

void register_user_routes(http::Router& router, Services& services);

// The user behind "Authorization: Bearer TOKEN", or ApiError 401 (missing_token or
// invalid_token). Refreshes last_seen_at at most once a minute.
boost::asio::awaitable<storage::User> authenticate(Services& services, const http::Request& req);
boost::asio::awaitable<storage::User> authenticate_token(Services& services, const std::string& token);

http::Json user_json(const storage::User& u);

}  // namespace swirl::api
