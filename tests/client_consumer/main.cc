// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// client_consumer URL KEY SPOOL: records one event with trail::Client, built against an
// installed trail-client (tests/package/test_client_package.py), and prints the server's
// acknowledgement: "stored ID SEQ" (exit 0), or the state and error (exit 1).
#include <trail/client.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: client_consumer URL KEY SPOOL\n");
    return 2;
  }
  std::string error;
  auto client = trail::Client::Open({.url = argv[1],
                                     .key = argv[2],
                                     .spool_path = argv[3],
                                     .close_timeout = std::chrono::milliseconds(1000)},
                                    &error);
  if (!client) {
    std::fprintf(stderr, "open: %s\n", error.c_str());
    return 1;
  }
  auto ack = client->Record(
      {.tag = "project:create", .subject = "project:consumer", .actor = "client_consumer"});
  if (ack.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    std::fprintf(stderr, "no acknowledgement in 20 s\n");
    return 1;
  }
  trail::Client::Ack a = ack.get();
  if (a.state != trail::Client::Ack::State::kStored) {
    std::fprintf(stderr, "state %d: %s\n", static_cast<int>(a.state), a.error.c_str());
    return 1;
  }
  std::printf("stored %s %llu\n", a.id.c_str(), static_cast<unsigned long long>(a.seq.value_or(0)));
  return 0;
}
