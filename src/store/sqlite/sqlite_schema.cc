// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// Creating and checking the embedded store's schema (SPEC §4, `--store sqlite:PATH`; the
// tables and triggers are in sqlite_schema.h): the version a file was written in (a file of
// another version is refused, never mixed), and the posting-segment size fixed when the file
// is created.
#include "store/sqlite/sqlite_schema.h"

#include <string>

#include "store/sqlite/sqlite_internal.h"

namespace trail {

Status InitSchema(sqlite::Db& db, const std::string& path, int* segment_bits) {
  TRAIL_RETURN_IF_ERROR(db.Exec(sqlite::kSchema));
  {
    sqlite::Stmt v;
    TRAIL_RETURN_IF_ERROR(v.Prepare(db, "SELECT value FROM meta WHERE key='schema_version'"));
    Status s;
    if (v.Step(&s)) {
      const std::string have(v.Text(0));
      if (have == "1")
        return Status::Corruption(
            path +
            " was written in leaf format 1 (schema 1), which this trail does "
            "not read: its events were hashed without salt, personal_hash and body_hash (SPEC "
            "\u00a75). Start from an empty data directory.");
      if (have != std::to_string(sqlite::kSchemaVersion))
        return Status::Corruption("schema version " + have + " is not supported");
    } else {
      TRAIL_RETURN_IF_ERROR(s);
      TRAIL_RETURN_IF_ERROR(db.Exec("INSERT INTO meta VALUES('schema_version','" +
                                    std::to_string(sqlite::kSchemaVersion) + "')"));
    }
  }
  // The segment size is fixed when the store is created: posting rows depend on it.
  sqlite::Stmt v;
  TRAIL_RETURN_IF_ERROR(v.Prepare(db, "SELECT value FROM meta WHERE key='segment_bits'"));
  Status s;
  if (v.Step(&s)) {
    *segment_bits = std::stoi(std::string(v.Text(0)));
    return Status::Ok();
  }
  TRAIL_RETURN_IF_ERROR(s);
  return db.Exec("INSERT INTO meta VALUES('segment_bits','" + std::to_string(*segment_bits) + "')");
}

}  // namespace trail
