// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// RunRestarting: the body of a server's background thread (a store's writer, syncer,
// checkpointer, sequencer, listener). An exception that escapes `loop` would end the whole
// process (std::terminate); instead it is logged to stderr and `loop` runs again after
// `pause`, so the server degrades (a request may fail) rather than stops. `loop` returns
// normally when its thread should end. Safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdio>
#include <exception>
#include <thread>

namespace trail {

template <typename Loop>
void RunRestarting(const char* name, Loop&& loop,
                   std::chrono::milliseconds pause = std::chrono::milliseconds(1000)) {
  while (true) {
    try {
      loop();
      return;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "trail: internal error in the %s thread, restarting it: %s\n", name,
                   e.what());
    } catch (...) {
      std::fprintf(stderr, "trail: internal error in the %s thread, restarting it\n", name);
    }
    std::fflush(stderr);
    std::this_thread::sleep_for(pause);
  }
}

}  // namespace trail
