// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// `trail verify` (SPEC §5) and `trail keys verifier`: the flags.
//
// --data DIR: offline, from the database file alone (verify_data.cc). Recomputes every leaf
// hash from the stored fields, finds gaps and reordering in seq, rebuilds the tree from the
// leaves, compares it with the stored tree nodes (what the tiles serve) and with every stored
// checkpoint, and checks each checkpoint's signature. Reports every mismatch by seq; exit 1
// when there is any.
// --url URL --vkey KEY: remote (verify_url.cc), through /checkpoint and the hash tiles;
// remembers the last checkpoint it verified (a state file per log) and checks the new one is
// consistent. With an auditor or admin key (--key, --key-file, or --data DIR's admin.key) it
// also reads every event through the export and recomputes each leaf hash against the tiles.
#include "cli/verify.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "auth/secret_file.h"
#include "auth/viewer_token.h"
#include "cli/commands.h"
#include "store/sqlite/sqlite_reader.h"
#include "tlog/note.h"

namespace trail {
namespace {

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
      if (auto db = SqliteReader::Open(data + "/trail.db"); db.ok()) {
        if (auto o = (*db)->Meta("origin"); o.ok() && o->has_value()) name = **o;
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
