// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// `trail serve`: wires the store, keys, types and HTTP server together and runs until
// SIGTERM/SIGINT (drain: stop accepting, finish and commit, exit 0); SIGHUP reloads types.
#include <signal.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "auth/key_ring.h"
#include "auth/secret_file.h"
#include "cli/commands.h"
#include "core/codec.h"
#include "core/log_line.h"
#include "core/uuid7.h"
#include "http/access_log.h"
#include "http/api.h"
#include "http/routes.h"
#include "http/server.h"
#include "store/checkpoint_keeper.h"
#include "store/open_store.h"
#include "tlog/note.h"

namespace trail {
namespace {

// [logging] format, set once the configuration is read (before any thread starts).
LogFormat g_log_format = LogFormat::kText;

void WriteLogLine(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void Log(const std::string& msg) {
  WriteLogLine(FormatLogLine(g_log_format, SystemClock::Get().NowMicros(), msg));
}

// Per request a handler answered: the route's counters, and with [logging] access the access
// line, whose request id the response then carries as X-Request-Id.
void OnResponse(Metrics& metrics, bool access_log, const HttpRequest& req, HttpResponse& r,
                double seconds) {
  const std::optional<size_t> route = MatchRoute(req.method, req.path);
  metrics.CountResponse(route, r.status);
  if (!access_log) return;
  std::string id;
  for (const auto& [k, v] : r.headers)
    if (k == "X-Request-Id") id = v;
  if (id.empty()) {
    id = NewRequestId();
    r.headers.emplace_back("X-Request-Id", id);
  }
  AccessEntry e;
  e.method = req.method;
  e.route = route ? kRoutes[*route].path : std::string_view("other");
  e.path = req.path;
  e.status = r.status;
  e.bytes = r.stream ? -1 : static_cast<long long>(r.body.size());
  e.seconds = seconds;
  e.request_id = id;
  e.remote_ip = req.remote_ip;
  WriteLogLine(FormatAccessLine(g_log_format, SystemClock::Get().NowMicros(), e));
}

// The store of --store (default sqlite:DATA/trail.db) with the configuration's settings.
Result<std::unique_ptr<Store>> OpenConfiguredStore(const ServeConfig& cfg,
                                                   const tlog::NoteSigner* signer,
                                                   CheckpointKeeper* keeper) {
  StoreOpenOptions o;
  o.url = cfg.store.empty() ? "sqlite:" + cfg.data_dir + "/trail.db" : cfg.store;
  o.signer = signer;
  o.keeper = keeper;
  o.origin = cfg.log_name;
  o.queue_limit = cfg.queue;
  o.segment_bits = cfg.segment_bits;
  o.gc_writer_share = cfg.gc_writer_share;
  o.log = Log;
  return OpenStore(o);
}

// SPEC §5: the store's tree must extend the newest checkpoint this node signed or saw (kept
// in DATA/checkpoint), else the store was restored from an older copy (or is another log).
// Returns the restore to record as trail:restore when the operator accepted it, nullopt when
// there is none; an error (exit 2) when the store does not extend it and the restore was not
// accepted, or when --accept-restore finds nothing to accept.
struct AcceptedRestore {
  uint64_t old_size = 0, new_size = 0;
  std::string old_root;  // base64
};
Result<std::optional<AcceptedRestore>> CheckRestore(Store& store, CheckpointKeeper& keeper,
                                                    bool accept) {
  const std::optional<SignedCheckpoint> kept = keeper.Kept();
  const uint64_t size = store.ReadableEnd();
  Status extends;
  // The embedded store lives beside the kept checkpoint: a store that has signed checkpoints
  // while none is kept here was moved or restored (or the file deleted), and signing on could
  // fork the log. A node of a shared (PostgreSQL) log starting on a new data directory has
  // seen nothing yet and trusts the database, as any new replica must.
  if (!kept && !store.Stats().shared) {
    if (auto latest = store.LatestCheckpoint(); latest && latest->size > 0)
      extends =
          Status::Conflict("no checkpoint is kept in " + keeper.path() +
                           ", but the store holds one of size " + std::to_string(latest->size) +
                           " (kept size none, store size " + std::to_string(size) + ")");
  }
  if (kept) {
    auto tiles = store.Tiles();
    if (!tiles)
      return Status::Unavailable("cannot read the store's tree to compare it with " +
                                 keeper.path());
    extends = CheckExtends(*kept, size, *tiles);
    if (!extends.ok() && extends.code() != Code::kConflict)
      return extends.Prefixed("comparing the store's tree with " + keeper.path() + ": ");
  }
  if (extends.ok()) {
    if (!accept) return std::optional<AcceptedRestore>();
    return Status::Invalid(
        "invalid_flag",
        "--accept-restore: there is no restore to accept (" +
            (kept ? "kept size " + std::to_string(kept->size) + ", store size " +
                        std::to_string(size) + ": the store extends the kept checkpoint"
                  : std::string("no checkpoint is kept in ") + keeper.path()) +
            "); start without the flag");
  }
  if (!accept)
    return Status::Conflict(
        "refusing to start: " + extends.message() +
        ". Signing now could publish a checkpoint that contradicts one already published (SPEC "
        "§5). "
        "If the store is a backup restored on purpose, start once with `trail serve "
        "--accept-restore`: "
        "it keeps the store's checkpoint instead and records a trail:restore event. Otherwise "
        "point "
        "--store at the newer store (see docs/OPERATIONS.md, \"Restoring from a backup\").");
  AcceptedRestore r{kept ? kept->size : 0, size, kept ? Base64Encode(kept->root) : ""};
  // The store's own last checkpoint, which its tree extends (checked when it opened).
  TRAIL_RETURN_IF_ERROR(keeper.Replace(store.LatestCheckpoint()));
  return std::optional<AcceptedRestore>(r);
}

Result<std::shared_ptr<const TypeRegistry>> LoadTypes(const std::string& file) {
  if (file.empty()) return TypeRegistry::BuiltinOnly();
  return TypeRegistry::FromFile(file);
}

int Serve(ServeFlags& f) {
  ServeConfig cfg;  // defaults, then the file, then the flags that were given
  if (!f.config.empty()) {
    if (Status s = LoadConfigFile(f.config, &cfg); !s.ok()) {
      Log(s.message());
      return 2;
    }
  }
  auto given = [&](const char* name) { return f.app->count(name) > 0; };
  if (given("--data")) cfg.data_dir = f.cfg.data_dir;
  if (given("--listen")) cfg.listen = f.cfg.listen;
  if (given("--store")) cfg.store = f.cfg.store;
  if (given("--events")) cfg.events_file = f.cfg.events_file;
  if (given("--tls-cert")) cfg.tls_cert = f.cfg.tls_cert;
  if (given("--tls-key")) cfg.tls_key = f.cfg.tls_key;
  if (given("--queue")) cfg.queue = f.cfg.queue;
  if (given("--max-body")) cfg.max_body = f.cfg.max_body;
  if (given("--segment-bits")) cfg.segment_bits = f.cfg.segment_bits;
  if (given("--metrics-listen")) cfg.metrics_listen = f.cfg.metrics_listen;
  g_log_format = ParseLogFormat(cfg.log_format).value_or(LogFormat::kText);

  // Signals go to this thread only (sigwait below); block them before any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (Status s = PrepareDataDir(cfg.data_dir); !s.ok()) {
    Log(s.message());
    return 2;
  }
  if (auto warning = DataDirModeWarning(cfg.data_dir)) Log(*warning);
  auto types = LoadTypes(cfg.events_file);
  if (!types.ok()) {
    Log(types.status().message());
    return 2;
  }
  TypeSet type_set(*types);
  if (Status s = tlog::CheckKeyName(cfg.log_name); !s.ok()) {
    Log("[log] name: " + s.message());
    return 2;
  }
  auto signer = LoadLogSigner(cfg.data_dir, cfg.log_name);
  if (!signer.ok()) {
    Log("log.key: " + signer.status().message());
    return 2;
  }
  // Declared before the store, which uses it until it is gone.
  auto keeper = CheckpointKeeper::Open(cfg.data_dir + "/checkpoint", signer->VerifierKey(), Log);
  if (!keeper.ok()) {
    Log(keeper.status().message());
    return 2;
  }
  auto store = OpenConfiguredStore(cfg, &*signer, keeper->get());
  if (!store.ok()) {
    Log("cannot open the store: " + store.status().ToString());
    return 2;
  }
  (*store)->SetTypes(&type_set);  // descriptions are rendered on read
  auto restore = CheckRestore(**store, **keeper, f.accept_restore);
  if (!restore.ok()) {
    Log(restore.status().message());
    return 2;
  }
  const Clock& clock = SystemClock::Get();
  KeyRing keys(&(*store)->Keys(), &clock);
  if (Status s = keys.Load(); !s.ok()) {
    Log(s.ToString());
    return 2;
  }
  const std::string secret_file =
      cfg.viewer_secret_file.empty() ? cfg.data_dir + "/viewer.secret" : cfg.viewer_secret_file;
  auto viewer_secret = ReadSecretFile(secret_file);
  if (!viewer_secret.ok() || viewer_secret->empty()) {
    Log("viewer secret: " +
        (viewer_secret.ok() ? secret_file + " is empty" : viewer_secret.status().message()));
    return 2;
  }
  if (Status s = CheckViewerSecret(*viewer_secret, secret_file); !s.ok()) {
    Log("viewer secret: " + s.message());
    return 2;
  }
  ViewerTokenPolicy token_policy;
  token_policy.audience = cfg.token_audience;
  token_policy.issuer = cfg.token_issuer;
  token_policy.max_lifetime = cfg.max_token_lifetime;
  auto viewer_tokens = std::make_shared<ViewerTokenVerifier>(*viewer_secret, token_policy);
  Uuid7Generator ids(clock);
  Metrics metrics;
  ApiServices services;
  services.store = store->get();
  services.keys = &keys;
  services.types = &type_set;
  services.ids = &ids;
  services.metrics = &metrics;
  services.clock = &clock;
  services.queue_limit = cfg.queue;
  services.viewer_tokens = viewer_tokens;
  services.secure_cookies = cfg.secure_cookies;
  services.trusted_proxies = cfg.trusted_proxies;
  services.query_budget = {cfg.query_max_rows, cfg.query_max_millis};
  services.personal_data = cfg.personal_data;
  services.retention_rules = cfg.retention_rules;
  services.frame_ancestors = cfg.ui_frame_ancestors;
  services.max_streams_per_principal = cfg.max_streams_per_principal;
  std::atomic<bool> stopping{false};
  services.stopping = &stopping;
  const std::string events_file = cfg.events_file;
  services.reload_types = [&type_set, events_file]() -> Result<size_t> {
    auto next = LoadTypes(events_file);
    if (!next.ok()) return next.status();
    size_t n = (*next)->user_type_count();
    type_set.Set(*next);
    return n;
  };
  Api api(services);

  const std::string admin_key_file = cfg.data_dir + "/admin.key";
  auto created = keys.EnsureAdminKeyFile(admin_key_file, f.new_admin_key);
  if (!created.ok() && created.status().code() == Code::kForbidden) {
    // Revoking the key of admin.key (it leaked, say) must not keep the log down: serve, and
    // say how to get a new one.
    Log("admin key: " + created.status().message() +
        "; starting without a working admin key file. To write a new admin key there, restart once "
        "with "
        "`trail serve --new-admin-key` (the revoked one is kept as admin.key.revoked), or create "
        "one with "
        "another admin key: `trail keys create --role admin --name NAME --key OTHER_KEY`");
    created = std::optional<ApiKeyRecord>();
  }
  if (!created.ok()) {
    Log("admin key: " + created.status().message());
    return 2;
  }
  if (*created) {
    if (f.new_admin_key) Log("wrote a new admin key to " + admin_key_file);
    boost::json::object meta{{"role", "admin"}, {"name", (*created)->name}};
    Status s = api.RecordSelfAudit("trail:key:created", "key:" + (*created)->id, "trail", meta);
    if (!s.ok()) Log("self-audit: " + s.ToString());
  }

  if (*restore) {
    const AcceptedRestore& r = **restore;
    boost::json::object meta{{"old_size", static_cast<int64_t>(r.old_size)},
                             {"new_size", static_cast<int64_t>(r.new_size)},
                             {"old_root", r.old_root}};
    if (Status s = api.RecordSelfAudit("trail:restore", "trail:restore", "trail", meta); !s.ok()) {
      Log("recording the accepted restore: " + s.ToString());
      return 2;
    }
    Log("accepted a restored store: the log went back from " + std::to_string(r.old_size) + " to " +
        std::to_string(r.new_size) + " events (recorded as trail:restore)");
  }

  ServerOptions so;
  so.listen = cfg.listen;
  so.tls_cert = cfg.tls_cert;
  so.tls_key = cfg.tls_key;
  so.max_body = cfg.max_body;
  // Small ingest requests never block (they parse, then queue for the writer): handle them on
  // the I/O thread. Everything else, which may read the store at length, goes to workers.
  so.run_inline = [](const HttpRequest& r) {
    return r.method == "POST" && r.path == "/v1/events" && r.body.size() <= 64 * 1024;
  };
  so.max_connections = cfg.max_connections ? cfg.max_connections : DefaultMaxConnections();
  if (cfg.max_connections && cfg.max_connections > DefaultMaxConnections())
    Log("[server] max_connections " + std::to_string(cfg.max_connections) +
        " is more than the file descriptor limit leaves for connections (" +
        std::to_string(DefaultMaxConnections()) +
        "); raise `ulimit -n` or expect accept() to back off");
  so.header_timeout = static_cast<double>(cfg.header_timeout) / 1e6;
  so.idle_timeout = static_cast<double>(cfg.idle_timeout) / 1e6;
  so.write_timeout = static_cast<double>(cfg.write_timeout) / 1e6;
  so.stats = &metrics.http;
  so.log = Log;
  so.on_response = [&metrics, access = cfg.access_log](const HttpRequest& req, HttpResponse& r,
                                                       double seconds) {
    OnResponse(metrics, access, req, r, seconds);
  };
  so.internal_error = [&api](const HttpRequest& req, const std::string& id) {
    return api.InternalError(req, id);
  };
  HttpServer server(so, [&api](HttpRequest req, Respond respond) {
    api.Handle(std::move(req), std::move(respond));
  });
  if (Status s = server.Start(); !s.ok()) {
    Log(s.message());
    return 2;
  }
  // [server] metrics_listen: /metrics for scrapers, without credentials, on an address of its own.
  std::unique_ptr<HttpServer> metrics_server;
  if (!cfg.metrics_listen.empty()) {
    ServerOptions mo;
    mo.listen = cfg.metrics_listen;
    mo.io_threads = 1;
    mo.worker_threads = 1;
    metrics_server = std::make_unique<HttpServer>(mo, [&api](HttpRequest req, Respond respond) {
      api.HandleMetricsOnly(req, std::move(respond));
    });
    if (Status s = metrics_server->Start(); !s.ok()) {
      Log("metrics_listen: " + s.message());
      return 2;
    }
    Log("serving /metrics on http://" +
        cfg.metrics_listen.substr(0, cfg.metrics_listen.rfind(':')) + ":" +
        std::to_string(metrics_server->port()));
  }
  Log(std::string("serving on ") + (cfg.tls_cert.empty() ? "http" : "https") + "://" +
      cfg.listen.substr(0, cfg.listen.rfind(':')) + ":" + std::to_string(server.port()) +
      " (data " + cfg.data_dir + ", " + std::to_string((*types)->user_type_count()) +
      " event types)");

  // Retention in the background, every [retention] interval (SPEC §7).
  std::mutex gc_mu;
  std::condition_variable gc_cv;
  bool gc_stop = false;
  std::thread gc_thread([&] {
    std::unique_lock<std::mutex> l(gc_mu);
    while (!gc_cv.wait_for(l, std::chrono::microseconds(cfg.retention_interval),
                           [&] { return gc_stop; })) {
      l.unlock();
      try {  // a failed run is logged and retried at the next interval; it never ends the process
        auto r = api.RunGc(clock.NowMicros(), false, "trail");
        if (!r.ok()) {
          Log("retention run failed: " + r.status().ToString());
        } else if (r->pruned || r->scrubbed) {
          Log("retention pruned " + std::to_string(r->pruned) + ", scrubbed " +
              std::to_string(r->scrubbed));
        }
      } catch (const std::exception& e) {
        Log(std::string("retention run failed: internal error: ") + e.what());
      }
      l.lock();
    }
  });

  while (true) {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) continue;
    if (sig == SIGHUP) {
      try {
        // The viewer secret first: a rotated secret takes effect even when events.toml is broken.
        auto next_secret = ReadSecretFile(secret_file);
        Status secret_ok =
            next_secret.ok() ? CheckViewerSecret(*next_secret, secret_file) : next_secret.status();
        if (!secret_ok.ok()) {
          Log("viewer secret not reloaded, keeping the running one: " + secret_ok.message());
        } else if (*next_secret != *viewer_tokens->Secret()) {
          viewer_tokens->SetSecret(*next_secret);
          Log("reloaded the viewer secret: tokens signed with the old one no longer work");
        }
        auto n = services.reload_types();
        if (!n.ok()) {
          Log("reload failed, keeping the running types: " + n.status().message());
          continue;
        }
        Log("reloaded " + std::to_string(*n) + " event types");
        boost::json::object meta{{"source", events_file}, {"count", static_cast<int64_t>(*n)}};
        api.RecordSelfAudit("trail:types:reloaded", "trail:types", "trail", meta);
      } catch (const std::exception& e) {
        Log(std::string("reload failed, keeping the running types: internal error: ") + e.what());
      }
      continue;
    }
    break;
  }
  Log("draining");
  stopping = true;
  {
    std::lock_guard<std::mutex> l(gc_mu);
    gc_stop = true;
  }
  gc_cv.notify_all();
  server.BeginDrain();
  if (metrics_server) metrics_server->BeginDrain();
  if (!server.WaitIdle(8.0)) Log("requests still in flight after 8 s; stopping anyway");
  (*store)->Drain();  // a retention run in progress fails its next batch and ends
  gc_thread.join();
  server.Stop();
  if (metrics_server) metrics_server->Stop();
  Log("stopped");
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the trail server");
  f->app = cmd;
  cmd->add_option("--config", f->config, "trail.toml to read (flags win over it)");
  cmd->add_option("--store", f->cfg.store,
                  "sqlite:PATH (default sqlite:DATA/trail.db) or postgresql://…");
  cmd->add_option("--data", f->cfg.data_dir, "Data directory (default ./data)");
  cmd->add_option("--events", f->cfg.events_file, "events.toml with the event types");
  cmd->add_option("--listen", f->cfg.listen, "Address to listen on (default 127.0.0.1:8420)");
  cmd->add_option("--tls-cert", f->cfg.tls_cert, "PEM certificate chain: serve HTTPS");
  cmd->add_option("--tls-key", f->cfg.tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--queue", f->cfg.queue,
                  "Events accepted but not yet durable before 429 (default 100000)");
  cmd->add_option("--max-body", f->cfg.max_body, "Largest request body in bytes (default 8 MiB)");
  cmd->add_flag(
      "--accept-restore", f->accept_restore,
      "The store was restored from a backup on purpose: accept its tree although it does not "
      "extend "
      "the newest checkpoint this node signed or saw (DATA/checkpoint), and record trail:restore");
  cmd->add_flag("--new-admin-key", f->new_admin_key,
                "When DATA/admin.key holds a revoked key, move it to admin.key.revoked and write a "
                "new admin key");
  cmd->add_option(
      "--metrics-listen", f->cfg.metrics_listen,
      "Also serve GET /metrics, without credentials, on this address (e.g. 127.0.0.1:9420)");
  cmd->add_option("--segment-bits", f->cfg.segment_bits,
                  "log2 of events per index segment (default 16)")
      ->check(CLI::Range(4, 24));
  cmd->callback([f] { std::exit(Serve(*f)); });
}

}  // namespace trail
