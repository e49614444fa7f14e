// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The PostgreSQL schema and its versioned migrations.
//
// `schema_version` lists the migrations applied; each runs in its own transaction, and all of
// them under a session advisory lock, so that several nodes starting at once migrate exactly
// once. A new trail release appends a migration here and never edits an old one; a node that
// finds a newer schema than it knows refuses to start (upgrade trail, not the database, first —
// see docs/OPERATIONS.md).
//
// Layout: `pending` holds committed, unsequenced events (in arrival order); the sequencer moves
// them into `events`, which is append-only (triggers refuse DELETE, TRUNCATE and changes of
// seq, id, tag, recorded_at and leaf_hash). Text columns that are searched compare bytewise
// (COLLATE "C"), so a tag prefix is an index range scan whatever the database's locale.
#include <vector>

#include "store/postgres/pg_internal.h"

namespace trail::pg {
namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

const Migration kMigrations[] = {
    {1, "events, pending, tree, checkpoints, keys", R"sql(
CREATE TABLE meta(key text PRIMARY KEY, value text NOT NULL);
-- The Merkle tree's compact range (base64 of CompactRange::Serialize), empty at first. Its row
-- is locked by every sequencing transaction.
INSERT INTO meta(key, value) VALUES('tree', 'AQAAAAAAAAAA');

-- Committed but not yet sequenced. Rows live here for milliseconds: vacuum it eagerly.
CREATE TABLE pending(
  arrival bigserial PRIMARY KEY,
  id uuid NOT NULL,
  received_at bigint NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,
  occurred_at bigint,
  tag text COLLATE "C" NOT NULL,
  subject text COLLATE "C" NOT NULL,
  actor text COLLATE "C",
  ip text COLLATE "C",
  user_agent text,
  metadata text,
  description text NOT NULL
) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
        autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 10000,
        autovacuum_vacuum_cost_delay = 0);
CREATE UNIQUE INDEX pending_id ON pending(id);

-- The log. Retention rewrites payload columns of old rows in batches (see pg_retention.cc).
CREATE TABLE events(
  seq bigint PRIMARY KEY,
  id uuid NOT NULL,
  recorded_at bigint NOT NULL,
  occurred_at bigint,
  tag text COLLATE "C" NOT NULL,
  subject text COLLATE "C",
  actor text COLLATE "C",
  ip text COLLATE "C",
  user_agent text,
  metadata text,
  description text,
  leaf_hash bytea NOT NULL,
  pruned boolean NOT NULL DEFAULT false,
  scrubbed boolean NOT NULL DEFAULT false
) WITH (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.01);
CREATE UNIQUE INDEX events_id ON events(id);
CREATE INDEX events_subject ON events(subject, seq) WHERE subject IS NOT NULL;
CREATE INDEX events_actor ON events(actor, seq) WHERE actor IS NOT NULL;
CREATE INDEX events_ip ON events(ip, seq) WHERE ip IS NOT NULL;
CREATE INDEX events_tag ON events(tag, seq);
CREATE INDEX events_recorded_at ON events(recorded_at, seq);

CREATE TABLE idempotency(key text PRIMARY KEY, id uuid NOT NULL);
CREATE TABLE client_ids(id uuid PRIMARY KEY);  -- every id a client chose: unique across nodes
CREATE TABLE tag_counts(tag text COLLATE "C" PRIMARY KEY, n bigint NOT NULL);
CREATE TABLE tree_nodes(level integer NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL,
  PRIMARY KEY(level, idx));
CREATE TABLE checkpoints(size bigint PRIMARY KEY, note text NOT NULL, signed_at bigint NOT NULL);
CREATE TABLE api_keys(id text PRIMARY KEY, name text NOT NULL, role text NOT NULL,
  hash bytea NOT NULL UNIQUE, created_at bigint NOT NULL, revoked_at bigint);

CREATE FUNCTION trail_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.seq IS DISTINCT FROM OLD.seq OR NEW.id IS DISTINCT FROM OLD.id
       OR NEW.tag IS DISTINCT FROM OLD.tag OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at
       OR NEW.leaf_hash IS DISTINCT FROM OLD.leaf_hash THEN
      RAISE EXCEPTION 'an event''s seq, id, tag, recorded_at and leaf_hash never change';
    END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'events are append-only';
END $$;
CREATE TRIGGER events_leaf_fixed BEFORE UPDATE OF seq, id, tag, recorded_at, leaf_hash ON events
  FOR EACH ROW EXECUTE FUNCTION trail_events_guard();
CREATE TRIGGER events_append_only BEFORE DELETE OR TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION trail_events_guard();
)sql"},
    {2, "viewer sessions shared by the nodes", R"sql(
-- The web viewer's sign-in sessions (SPEC §9), so that any node serves any session and a
-- sign-out on one node ends it on all. Keyed by the SHA-256 of the cookie's id; `credential`
-- is "key:" + the hex SHA-256 of an API key, or a viewer token (short-lived, signed).
CREATE TABLE viewer_sessions(
  id_hash bytea PRIMARY KEY,
  credential text NOT NULL,
  kind integer NOT NULL,
  csrf text NOT NULL,
  created_at bigint NOT NULL,
  last_used bigint NOT NULL
);
CREATE INDEX viewer_sessions_last_used ON viewer_sessions(last_used);
)sql"},
    {3, "leaf format 2: location, salt, personal_hash, body_hash", R"sql(
-- SPEC §5 format 2. Events hashed in format 1 cannot be re-hashed (they have no salt), and
-- nothing was released with it: a database that holds any is refused, never mixed.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM pending) THEN
    RAISE EXCEPTION 'this database holds events in leaf format 1, which this trail does not read; '
                    'start from an empty database';
  END IF;
END $$;
-- body_hash is NULL in pending when the client sent no occurred_at: the body then holds the
-- recorded_at that the sequencer assigns, and the sequencer hashes it.
-- The description is rendered on read from the event types, never stored: no stored byte of
-- an event escapes its leaf hash.
ALTER TABLE pending ADD COLUMN location text, ADD COLUMN salt bytea NOT NULL,
  ADD COLUMN personal_hash bytea NOT NULL, ADD COLUMN body_hash bytea, DROP COLUMN description;
ALTER TABLE events ADD COLUMN location text, ADD COLUMN salt bytea, ADD COLUMN personal_hash bytea,
  ADD COLUMN body_hash bytea NOT NULL, DROP COLUMN description;
CREATE OR REPLACE FUNCTION trail_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.seq IS DISTINCT FROM OLD.seq OR NEW.id IS DISTINCT FROM OLD.id
       OR NEW.tag IS DISTINCT FROM OLD.tag OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at
       OR NEW.body_hash IS DISTINCT FROM OLD.body_hash OR NEW.leaf_hash IS DISTINCT FROM OLD.leaf_hash THEN
      RAISE EXCEPTION 'an event''s seq, id, tag, recorded_at, body_hash and leaf_hash never change';
    END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'events are append-only';
END $$;
DROP TRIGGER events_leaf_fixed ON events;
CREATE TRIGGER events_leaf_fixed BEFORE UPDATE OF seq, id, tag, recorded_at, body_hash, leaf_hash ON events
  FOR EACH ROW EXECUTE FUNCTION trail_events_guard();
)sql"},
    {4, "viewer sessions: owner, at most a few per owner", R"sql(
-- Whose session it is (the key's hash, or 'viewer:<sub>'): PutSession keeps an owner's newest
-- few and drops the rest, so trading tokens for cookies cannot grow the table without bound.
ALTER TABLE viewer_sessions ADD COLUMN owner text NOT NULL DEFAULT '';
CREATE INDEX viewer_sessions_owner ON viewer_sessions(owner, created_at);
)sql"},
};

}  // namespace

int SchemaVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

Status Migrate(PgConn& c) {
  TRAIL_RETURN_IF_ERROR(c.Exec("SELECT pg_advisory_lock(" + Num(kMigrationLock) + ")"));
  auto body = [&]() -> Status {
    TRAIL_RETURN_IF_ERROR(
        c.Exec("CREATE TABLE IF NOT EXISTS schema_version(version integer PRIMARY KEY, description "
               "text NOT NULL, "
               "applied_at timestamptz NOT NULL DEFAULT now())"));
    auto v = c.Query("SELECT COALESCE(max(version), 0) FROM schema_version");
    if (!v.ok()) return v.status();
    const int64_t have = v->Int(0, 0);
    if (have > SchemaVersion())
      return Status::Invalid("invalid_config",
                             "the database schema is version " + std::to_string(have) +
                                 ", newer than this trail knows (" +
                                 std::to_string(SchemaVersion()) + "): upgrade trail");
    for (const Migration& m : kMigrations) {
      if (m.version <= have) continue;
      TRAIL_RETURN_IF_ERROR(c.Exec("BEGIN"));
      Status s = c.Exec(m.sql);
      if (s.ok()) {
        auto r = c.Query("INSERT INTO schema_version(version, description) VALUES($1, $2)",
                         {Num(static_cast<int64_t>(m.version)), std::string(m.description)});
        s = r.status();
      }
      if (s.ok()) s = c.Commit();
      if (!s.ok()) {
        if (c.ok()) c.Exec("ROLLBACK");
        return s.Prefixed("schema migration " + std::to_string(m.version) + ": ");
      }
    }
    return Status::Ok();
  };
  Status s = body();
  if (c.ok()) c.Exec("SELECT pg_advisory_unlock(" + Num(kMigrationLock) + ")");
  return s;
}

Result<std::optional<std::string>> ReadMeta(PgConn& c, const char* key) {
  auto r = c.Prepared("read_meta", "SELECT value FROM meta WHERE key = $1", {std::string(key)});
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(r->Text(0, 0)));
}

}  // namespace trail::pg
