# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

# ctest package.version: docs/openapi.yaml's info.version must be project(trail VERSION …).
#   cmake -DVERSION=0.1.0 -DOPENAPI=docs/openapi.yaml -P check_version.cmake
file(STRINGS "${OPENAPI}" lines)
set(in_info FALSE)
foreach(line IN LISTS lines)
  if(line MATCHES "^info:")
    set(in_info TRUE)
  elseif(in_info AND line MATCHES "^[^ #]")
    break()  # the next top-level key: info has no version
  elseif(in_info AND line MATCHES "^  version: *\"?([^\" #]+)\"?")
    set(found "${CMAKE_MATCH_1}")
    break()
  endif()
endforeach()
if(NOT DEFINED found)
  message(FATAL_ERROR "${OPENAPI}: no info.version")
endif()
if(NOT found STREQUAL VERSION)
  message(FATAL_ERROR "${OPENAPI}: info.version is ${found}, CMakeLists.txt's project(trail "
                      "VERSION) is ${VERSION}: change the one that is wrong")
endif()
message(STATUS "openapi info.version = project version = ${VERSION}")
