#pragma once
// Versioned SQL migrations compiled into the binary from migrations/*.sql.
// File names: NNNN_name.sql applies to both backends; NNNN_name.postgres.sql or
// NNNN_name.sqlite.sql replaces it for one backend where the dialects differ.

#include <string>
#include <vector>

namespace swirl::storage {

struct EmbeddedFile {
  const char* name;
  const char* contents;
};
const std::vector<EmbeddedFile>& embedded_migration_files();

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// The migrations for a backend ("postgres" or "sqlite"), ordered by version.
std::vector<Migration> migrations_for(const std::string& backend);

}  // namespace swirl::storage
