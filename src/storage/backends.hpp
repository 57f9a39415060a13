#pragma once
#include <memory>
#include <string>
#include "swirl/storage/database.hpp"

namespace swirl::storage {
std::unique_ptr<Database> open_sqlite(const std::string& path, const DatabaseOptions& options);
std::unique_ptr<Database> open_postgres(const std::string& url, const DatabaseOptions& options);
}  // namespace swirl::storage
