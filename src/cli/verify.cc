// `trail verify` (SPEC §5) and `trail keys verifier`.
//
// --data DIR: offline, from the database file alone. Recomputes every leaf hash from the
// stored fields (leaf format 2, core/leaf.h: whole events from every field, scrubbed ones from
// their fields and personal_hash, pruned ones from id, tag, recorded_at and body_hash), finds gaps
// and reordering in seq, rebuilds the tree from the leaves, compares it with the stored tree
// nodes (what the tiles serve) and with every stored checkpoint, and checks each checkpoint's
// signature. Reports every mismatch by seq; exit 1 when there is any.
// --url URL --vkey KEY: remote (verify_url.cc), through /checkpoint and the hash tiles;
// remembers the last checkpoint it verified (a state file per log) and checks the new one is
// consistent. With an auditor or admin key (--key, --key-file, or --data DIR's admin.key) it
// also reads every event through the export and recomputes each leaf hash against the tiles.
#include "cli/verify.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "auth/secret_file.h"
#include "auth/viewer_token.h"
#include "cli/commands.h"
#include "core/codec.h"
#include "core/event.h"
#include "core/leaf.h"
#include "store/sqlite/db.h"
#include "tlog/hasher.h"
#include "tlog/note.h"
#include "tlog/tree.h"

namespace trail {
namespace {

Result<std::string> MetaValue(sqlite::Db& db, const char* key) {
  sqlite::Stmt st;
  TRAIL_RETURN_IF_ERROR(st.Prepare(db, "SELECT value FROM meta WHERE key = ?"));
  st.Bind(1, std::string_view(key));
  Status s;
  if (st.Step(&s)) return std::string(st.Text(0));
  if (!s.ok()) return s;
  return Status::NotFound(std::string("meta.") + key);
}

// Reads the events table in chunks of kRows seqs on several threads (own connections, the
// file memory-mapped), recomputing each leaf hash from the row's fields. The caller takes the
// chunks in order; at most a few chunks per thread are read ahead. The connections may see
// later snapshots than the caller's if a server is writing: rows below the caller's size only
// ever change by being pruned or scrubbed, which keeps their leaf hash, so that is harmless.
class ChunkReader {
 public:
  static constexpr uint64_t kRows = 16384;
  enum State : uint8_t { kFields, kAltered, kPruned, kScrubbed, kBadLeafSize };
  struct Row {
    uint64_t seq;
    Micros recorded_at;
    std::array<char, 32> leaf;
    State state;
  };
  struct Chunk {
    std::vector<Row> rows;
    std::vector<std::string>
        altered;  // one per kAltered row, in order: the event id and what differs
    std::string error;
  };

  ChunkReader(std::string path, uint64_t total)
      : path_(std::move(path)), chunks_((total + kRows - 1) / kRows) {
    unsigned n = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
    ahead_ = 2 * n;
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~ChunkReader() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  Chunk Take(uint64_t i) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_.count(i) != 0; });
    Chunk c = std::move(done_[i]);
    done_.erase(i);
    taken_ = i + 1;
    cv_.notify_all();
    return c;
  }

 private:
  void Work() {
    sqlite::Db db;
    sqlite::Stmt st;
    Status s = db.Open(path_, true);
    if (s.ok()) s = db.Exec("PRAGMA mmap_size = 1099511627776");
    if (s.ok())
      s = st.Prepare(
          db,
          "SELECT seq, id, recorded_at, occurred_at, tag, subject, actor, ip, user_agent, "
          "metadata, leaf_hash, pruned, scrubbed, location, salt, personal_hash, body_hash "
          "FROM events WHERE seq >= ? AND seq < ? ORDER BY seq");
    for (;;) {
      uint64_t i;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || next_ >= chunks_ || next_ < taken_ + ahead_; });
        if (stop_ || next_ >= chunks_) return;
        i = next_++;
      }
      Chunk c;
      if (!s.ok()) {
        c.error = s.message();
      } else {
        c.rows.reserve(kRows);
        st.Reset();
        st.Bind(1, static_cast<int64_t>(i * kRows));
        st.Bind(2, static_cast<int64_t>((i + 1) * kRows));
        Status rs;
        while (st.Step(&rs)) c.rows.push_back(Check(st, &c.altered));
        if (!rs.ok()) c.error = rs.message();
      }
      {
        std::lock_guard lock(mu_);
        done_[i] = std::move(c);
      }
      cv_.notify_all();
    }
  }

  static Row Check(const sqlite::Stmt& st, std::vector<std::string>* altered) {
    auto opt = [&st](int col) { return st.TextOrNull(col); };
    Row row;
    row.seq = static_cast<uint64_t>(st.Int(0));
    row.recorded_at = st.Int(2);
    std::string_view leaf = st.Blob(10);
    row.leaf.fill(0);
    std::copy_n(leaf.data(), std::min(leaf.size(), row.leaf.size()), row.leaf.data());
    if (leaf.size() != 32) {
      row.state = kBadLeafSize;
      return row;
    }
    StoredLeaf f;
    f.id = st.Text(1);
    f.recorded_at = row.recorded_at;
    if (!st.IsNull(3)) f.occurred_at = st.Int(3);
    f.tag = st.Text(4);
    f.subject = opt(5);
    f.actor = opt(6);
    f.ip = opt(7);
    f.user_agent = opt(8);
    f.pruned = st.Int(11) != 0;
    f.scrubbed = st.Int(12) != 0;
    // The store keeps an empty metadata object as NULL; the leaf holds "{}" (what reads return).
    f.metadata_json = st.TextOrNull(9);
    if (!f.metadata_json && !f.pruned) f.metadata_json = "{}";
    f.location_json = opt(13);
    if (!st.IsNull(14)) f.salt = st.Blob(14);
    f.personal_hash = st.Blob(15);
    f.body_hash = st.Blob(16);
    std::string problem;
    const std::string computed = RecomputeLeafHash(f, &problem);
    if (problem.empty() && computed != leaf) problem = "fields do not match the leaf hash";
    if (!problem.empty()) {
      row.state = kAltered;
      altered->push_back("event " + std::string(f.id) + ": " + problem);
    } else {
      row.state = f.pruned ? kPruned : f.scrubbed ? kScrubbed : kFields;
    }
    return row;
  }

  const std::string path_;
  const uint64_t chunks_;
  uint64_t ahead_ = 2;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_ = 0, taken_ = 0;
  bool stop_ = false;
  std::map<uint64_t, Chunk> done_;
};

int VerifyData(const std::string& data, std::string db_path, const std::string& vkey_flag) {
  if (db_path.empty()) db_path = data + "/trail.db";
  struct stat sb;
  if (stat(db_path.c_str(), &sb) != 0) {
    std::fprintf(stderr, "trail: no database at %s\n", db_path.c_str());
    return 2;
  }
  sqlite::Db db;
  if (Status s = db.Open(db_path, true); !s.ok()) {
    std::fprintf(stderr, "trail: %s\n", s.message().c_str());
    return 2;
  }
  if (auto version = MetaValue(db, "schema_version"); version.ok() && *version != "2") {
    std::fprintf(
        stderr, "trail: %s is schema %s (leaf format %s); this trail verifies leaf format 2 only\n",
        db_path.c_str(), version->c_str(), version->c_str());
    return 2;
  }
  Report rep;
  auto origin = MetaValue(db, "origin");
  std::string vkey = vkey_flag;
  if (vkey.empty()) {
    auto pem = ReadSecretFile(data + "/log.key");
    if (pem.ok() && origin.ok()) {
      auto signer = tlog::NoteSigner::FromPem(*pem, *origin);
      if (signer.ok()) vkey = signer->VerifierKey();
    }
  }
  // Checkpoints: the latest (meta) and the archived ones, by size; and the one this node kept
  // in its data directory (DATA/checkpoint, SPEC §5), which a rolled-back or restored store
  // file cannot take back with it.
  std::map<uint64_t, std::string> checkpoints;
  if (auto latest = MetaValue(db, "checkpoint"); latest.ok()) checkpoints[0] = *latest;
  {
    sqlite::Stmt st;
    Status s = st.Prepare(db, "SELECT size, note FROM checkpoints ORDER BY size");
    while (s.ok() && st.Step(&s))
      checkpoints[static_cast<uint64_t>(st.Int(0)) + 1] = std::string(st.Text(1));
  }
  const std::string kept_path = data + "/checkpoint";
  if (std::ifstream in(kept_path); in) {
    std::stringstream kept;
    kept << in.rdbuf();
    checkpoints[~uint64_t{0}] = kept.str();
  }
  // A checkpoint whose signature cannot be checked proves nothing: an attacker who rewrote the
  // events can write a matching one.
  if (vkey.empty() && !checkpoints.empty()) {
    std::fprintf(stderr,
                 "trail: %zu checkpoints to check and no verifier key: pass --vkey (trail keys "
                 "verifier), or "
                 "keep log.key beside the data\n",
                 checkpoints.size());
    return 2;
  }
  std::map<uint64_t, std::string> roots;  // size -> root claimed by a signed checkpoint
  for (const auto& [k, note] : checkpoints) {
    auto body = tlog::VerifyNote(note, vkey);
    if (!body.ok()) {
      rep.Bad("checkpoint: " + body.status().message());
      continue;
    }
    auto cp = tlog::ParseCheckpoint(*body);
    if (!cp.ok()) {
      rep.Bad("checkpoint: " + cp.status().message());
      continue;
    }
    if (origin.ok() && cp->origin != *origin)
      rep.Bad("checkpoint of size " + std::to_string(cp->size) +
              " names another log: " + cp->origin);
    if (auto it = roots.find(cp->size); it != roots.end() && it->second != cp->root)
      rep.Bad("two signed checkpoints of size " + std::to_string(cp->size) +
              " with different roots");
    roots[cp->size] = cp->root;
  }

  // Stored tree nodes (what tiles of level >= 1 serve).
  std::map<std::pair<int, uint64_t>, std::string> nodes;
  {
    sqlite::Stmt st;
    Status s = st.Prepare(db, "SELECT level, idx, hash FROM tree_nodes");
    while (s.ok() && st.Step(&s))
      nodes[{static_cast<int>(st.Int(0)), static_cast<uint64_t>(st.Int(1))}] =
          std::string(st.Blob(2));
  }

  uint64_t total = 0;
  {
    sqlite::Stmt st;
    Status s = st.Prepare(db, "SELECT COALESCE(MAX(seq) + 1, 0) FROM events");
    if (s.ok() && st.Step(&s)) total = static_cast<uint64_t>(st.Int(0));
  }
  {
    sqlite::Stmt st;
    Status s = st.Prepare(db, "SELECT COUNT(*) FROM events WHERE seq < 0");
    if (s.ok() && st.Step(&s) && st.Int(0) > 0)
      rep.Bad(std::to_string(st.Int(0)) + " rows with a negative seq (inserted rows)");
  }
  tlog::CompactRange tree;
  std::vector<tlog::StoredNode> completed;
  uint64_t expect = 0, pruned = 0, scrubbed = 0, checked_roots = 0, checked_nodes = 0;
  Micros last_recorded = 0;
  bool tree_broken = false;
  Progress progress;
  std::string read_error;
  auto check_root = [&](uint64_t size) {
    auto it = roots.find(size);
    if (it == roots.end()) return;
    ++checked_roots;
    if (tree_broken) return;  // the leaves are already known to be wrong
    if (tree.Root() != it->second)
      rep.Bad("root of the first " + std::to_string(size) +
              " events differs from the signed checkpoint");
  };
  check_root(0);
  // Workers read and hash the rows chunk by chunk; this thread takes the chunks in seq order
  // and does what needs the order: gaps, recorded_at order, the tree, the checkpoints.
  ChunkReader reader(db_path, total);
  for (uint64_t c = 0; c * ChunkReader::kRows < total && read_error.empty(); ++c) {
    ChunkReader::Chunk chunk = reader.Take(c);
    if (!chunk.error.empty()) {
      read_error = chunk.error;
      break;
    }
    size_t next_altered = 0;
    for (const ChunkReader::Row& row : chunk.rows) {
      const uint64_t seq = row.seq;
      if (seq != expect) {
        rep.Bad(seq > expect ? "seq " + std::to_string(expect) +
                                   (seq - expect > 1 ? ".." + std::to_string(seq - 1) : "") +
                                   ": missing (deleted rows)"
                             : "seq " + std::to_string(seq) + ": out of order");
        tree_broken = true;
      }
      expect = seq + 1;
      if (row.state == ChunkReader::kBadLeafSize)
        rep.Bad("seq " + std::to_string(seq) + ": stored leaf hash is not 32 bytes");
      if (row.recorded_at < last_recorded)
        rep.Bad("seq " + std::to_string(seq) + ": recorded before seq " + std::to_string(seq - 1) +
                " (reordered rows)");
      last_recorded = row.recorded_at;
      if (row.state == ChunkReader::kPruned) ++pruned;
      if (row.state == ChunkReader::kScrubbed) ++scrubbed;
      if (row.state == ChunkReader::kAltered)
        rep.Bad("seq " + std::to_string(seq) + ": altered (" + chunk.altered[next_altered++] + ")");
      completed.clear();
      (void)tree.Append(std::string_view(row.leaf.data(), row.leaf.size()), &completed);
      for (const auto& n : completed) {
        auto it = nodes.find({n.level, n.index});
        ++checked_nodes;
        if (it == nodes.end()) {
          rep.Bad("tree node (level " + std::to_string(n.level) + ", index " +
                  std::to_string(n.index) + ") is missing");
        } else if (it->second != n.hash) {
          uint64_t lo = n.index << n.level;
          rep.Bad("tree node over seqs " + std::to_string(lo) + ".." +
                  std::to_string(lo + (1ull << n.level) - 1) + " differs from the leaves");
        }
      }
      check_root(tree.size());
    }
    progress.Tick(expect, total, "verifying");
  }
  progress.Done();
  if (!read_error.empty()) rep.Bad("reading the events: " + read_error);
  for (const auto& [size, root] : roots)
    if (size > expect)
      rep.Bad("a signed checkpoint covers " + std::to_string(size) + " events; the log holds " +
              std::to_string(expect));
  if (auto saved = MetaValue(db, "tree"); saved.ok()) {
    auto bytes = Base64Decode(*saved);
    auto range = bytes ? tlog::CompactRange::Parse(*bytes)
                       : Result<tlog::CompactRange>(Status::Corruption("x"));
    if (!range.ok() || !(range.value() == tree))
      rep.Bad("the stored tree state differs from the tree of the stored leaves");
  }
  std::printf(
      "%llu events: every leaf hash recomputed (%llu whole, %llu scrubbed from their fields and "
      "personal_hash, %llu pruned from their body_hash); %llu signed checkpoints and %llu stored "
      "tree nodes "
      "checked; root %s\n",
      static_cast<unsigned long long>(expect),
      static_cast<unsigned long long>(expect - pruned - scrubbed),
      static_cast<unsigned long long>(scrubbed), static_cast<unsigned long long>(pruned),
      static_cast<unsigned long long>(checked_roots),
      static_cast<unsigned long long>(checked_nodes), Base64Encode(tree.Root()).c_str());
  if (rep.problems) {
    std::printf("FAILED: %llu mismatches\n", static_cast<unsigned long long>(rep.problems));
    return 1;
  }
  std::printf("OK\n");
  return 0;
}

// The key that --url reads the events with: --key, --key-file, or (only when --data is given
// with --url) DATA/admin.key. None of them: "" (checkpoint and tiles only). Exits 2 when a
// named file cannot be read.
std::string UrlVerifyKey(const std::string& key_flag, const std::string& key_file,
                         const std::string& data) {
  if (!key_flag.empty() && !key_file.empty()) {
    std::fprintf(stderr, "trail: pass --key or --key-file, not both\n");
    std::exit(2);
  }
  std::string key = key_flag;
  const std::string file = !key_file.empty() ? key_file : !data.empty() ? data + "/admin.key" : "";
  if (key.empty() && !file.empty()) {
    auto k = ReadSecretFile(file);
    if (!k.ok() || k->empty()) {
      std::fprintf(stderr, "trail: no key in %s: %s\n", file.c_str(),
                   k.ok() ? "empty" : k.status().message().c_str());
      std::exit(2);
    }
    key = *k;
  }
  if (LooksLikeJwt(key)) {
    // A viewer reads only what it may see, redacted: its export would read as a tampered log.
    std::fprintf(stderr,
                 "trail: the key is a viewer token; reading every event needs an auditor or admin "
                 "API key\n");
    std::exit(2);
  }
  return key;
}

}  // namespace

Result<tlog::NoteSigner> LoadLogSigner(const std::string& data_dir, const std::string& name) {
  auto pem = ReadSecretFile(data_dir + "/log.key");
  if (!pem.ok()) return pem.status();
  return tlog::NoteSigner::FromPem(*pem, name);
}

void AddVerifyCommand(CLI::App& app) {
  struct F {
    std::string data, store, url, vkey, state, name, key, key_file, cacert;
    bool insecure = false;
  };
  auto f = std::make_shared<F>();
  CLI::App* cmd = app.add_subcommand("verify",
                                     "Check the log's integrity: offline (--data) or remote (--url "
                                     "--vkey; with an auditor or admin --key, every "
                                     "event too)");
  cmd->add_option("--data", f->data,
                  "Data directory to verify offline; with --url, the one whose admin.key reads the "
                  "events (as --key)");
  cmd->add_option("--store", f->store, "sqlite:PATH of the database (default DATA/trail.db)");
  cmd->add_option("--url", f->url, "Server to verify through /checkpoint and the tiles");
  cmd->add_option("--vkey", f->vkey, "Verifier key <name>+<id>+<key> (from `trail keys verifier`)");
  cmd->add_option("--state", f->state, "Where to remember the last checkpoint seen (--url)");
  cmd->add_option(
      "--key", f->key,
      "With --url: an auditor or admin API key; then every event of the checkpoint's tree is read "
      "(GET /v1/export) and its leaf hash recomputed against the tiles. Without --key, --key-file "
      "or "
      "--data, --url checks the checkpoint and the tiles only (no key is looked for)");
  cmd->add_option("--key-file", f->key_file, "With --url: a file holding that key");
  cmd->add_option("--cacert", f->cacert, "With --url: CA certificate (PEM) to trust for https");
  cmd->add_flag("--insecure", f->insecure,
                "With --url: do not verify the server's TLS certificate");
  cmd->callback([f] {
    if (!f->url.empty()) {
      if (f->vkey.empty()) {
        std::fprintf(stderr, "trail: --url needs --vkey\n");
        std::exit(2);
      }
      UrlVerifyOptions o;
      o.url = f->url;
      o.vkey = f->vkey;
      o.state = f->state;
      o.key = UrlVerifyKey(f->key, f->key_file, f->data);
      o.cacert = f->cacert;
      o.insecure = f->insecure;
      std::exit(VerifyUrl(o));
    }
    if (!f->key.empty() || !f->key_file.empty()) {
      std::fprintf(
          stderr, "trail: --key and --key-file go with --url (--data reads the database itself)\n");
      std::exit(2);
    }
    if (f->data.empty() && f->store.empty()) {
      std::fprintf(stderr, "trail: verify needs --data DIR or --url URL --vkey KEY\n");
      std::exit(2);
    }
    std::string path = f->store.rfind("sqlite:", 0) == 0 ? f->store.substr(7) : f->store;
    std::exit(VerifyData(f->data.empty() ? "." : f->data, path, f->vkey));
  });

  CLI::App* keys = app.get_subcommand("keys");
  CLI::App* verifier =
      keys->add_subcommand("verifier", "Print the verifier key of the log's checkpoints");
  verifier->add_option("--data", f->data, "Data directory holding log.key (default ./data)");
  verifier->add_option("--name", f->name,
                       "The log's name (default: as recorded in the data directory)");
  verifier->callback([f] {
    std::string data = f->data.empty() ? "./data" : f->data;
    std::string name = f->name;
    if (name.empty()) {
      sqlite::Db db;
      if (db.Open(data + "/trail.db", true).ok()) {
        if (auto o = MetaValue(db, "origin"); o.ok()) name = *o;
      }
    }
    if (name.empty()) name = ServeConfig().log_name;
    auto signer = LoadLogSigner(data, name);
    if (!signer.ok()) {
      std::fprintf(stderr, "trail: %s\n", signer.status().message().c_str());
      std::exit(1);
    }
    std::printf("%s\n", signer->VerifierKey().c_str());
    std::exit(0);
  });
}

}  // namespace trail
