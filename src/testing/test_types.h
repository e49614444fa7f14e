// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The event types every C++ unit test uses: src/testing/test_types.toml, loaded once.
//
// Tests record events of these tags (account:login:success, project:role:add, …) instead of
// keeping a TOML copy of their own; a test that needs another type adds it to the file.
// Thread-safe: the registry is immutable and shared.
#pragma once

#include <memory>
#include <string>

#include "core/event_types.h"

namespace trail::test {

// The path of test_types.toml in the source tree.
std::string TypesFile();

// The registry of test_types.toml (and the built-in trail:* types). Throws std::runtime_error
// naming the file and line when the file does not load, which fails the calling test.
std::shared_ptr<const TypeRegistry> Types();

}  // namespace trail::test
