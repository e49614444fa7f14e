#include "store/store.h"

#include <future>

namespace trail {

std::string_view KeyRoleName(KeyRole r) {
  switch (r) {
    case KeyRole::kWriter: return "writer";
    case KeyRole::kAuditor: return "auditor";
    case KeyRole::kAdmin: return "admin";
  }
  return "writer";
}

std::optional<KeyRole> ParseKeyRole(std::string_view s) {
  if (s == "writer") return KeyRole::kWriter;
  if (s == "auditor") return KeyRole::kAuditor;
  if (s == "admin") return KeyRole::kAdmin;
  return std::nullopt;
}

Result<std::vector<Ack>> Store::AppendSync(std::vector<PreparedEvent> events) {
  std::promise<Result<std::vector<Ack>>> p;
  auto f = p.get_future();
  Append(std::move(events), [&p](Status s, std::vector<Ack> acks) {
    if (s.ok()) {
      p.set_value(std::move(acks));
    } else {
      p.set_value(std::move(s));
    }
  });
  return f.get();
}

}  // namespace trail
