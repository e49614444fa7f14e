// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "store/open_store.h"

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace trail {

Result<std::unique_ptr<Store>> OpenStore(const StoreOpenOptions& options) {
  const std::string& url = options.url;
  if (url.rfind("sqlite:", 0) == 0) {
    SqliteOptions o;
    o.signer = options.signer;
    o.keeper = options.keeper;
    o.origin = options.origin;
    o.path = url.substr(7);
    if (o.path.empty()) return Status::Invalid("invalid_config", "store: sqlite:PATH needs a path");
    o.queue_limit = options.queue_limit;
    o.segment_bits = options.segment_bits;
    o.gc_writer_share = options.gc_writer_share;
    auto s = SqliteStore::Open(o);
    if (!s.ok()) return s.status();
    return std::unique_ptr<Store>(std::move(s.value()));
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    PostgresOptions o;
    o.url = url;
    o.signer = options.signer;
    o.keeper = options.keeper;
    o.origin = options.origin;
    o.queue_limit = options.queue_limit;
    o.log = options.log;
    auto s = PostgresStore::Open(o);
    if (!s.ok()) return s.status();
    return std::unique_ptr<Store>(std::move(s.value()));
  }
  return Status::Invalid("invalid_config",
                         "store: '" + url + "' is not sqlite:PATH or postgresql://…");
}

}  // namespace trail
