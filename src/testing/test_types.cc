// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "testing/test_types.h"

#include <stdexcept>

namespace trail::test {

std::string TypesFile() { return TRAIL_TEST_TYPES_FILE; }

std::shared_ptr<const TypeRegistry> Types() {
  static const Result<std::shared_ptr<const TypeRegistry>> loaded =
      TypeRegistry::FromFile(TypesFile());
  if (!loaded.ok()) throw std::runtime_error("test types: " + loaded.status().ToString());
  return loaded.value();
}

}  // namespace trail::test
