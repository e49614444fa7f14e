# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

# The one version of trail is project(trail VERSION …). This writes it, with the git commit,
# into <build>/generated/trail_version.h (interface target trail_version: link it to include
# the header). configure_file rewrites the header only when its text changes, so only the
# files that include it rebuild. A commit or a checkout changes the files git keeps HEAD in,
# which CMake then re-runs for (CMAKE_CONFIGURE_DEPENDS): the commit is never stale.
set(TRAIL_GIT_COMMIT unknown)
find_package(Git QUIET)
if(GIT_FOUND)
  # Only when the source tree is the top of a work tree: an exported copy unpacked inside
  # some other repository (build-format1/src) must not take that repository's commit.
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --show-toplevel --short=12 HEAD
                  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE out OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE failed ERROR_QUIET)
  string(REPLACE "\n" ";" out "${out}")
  list(LENGTH out n)
  if(NOT failed AND n EQUAL 2)
    list(GET out 0 top)
    list(GET out 1 commit)
    file(REAL_PATH ${top} top)
    file(REAL_PATH ${PROJECT_SOURCE_DIR} src)
  endif()
  if(NOT failed AND n EQUAL 2 AND top STREQUAL src)
    set(TRAIL_GIT_COMMIT ${commit})
    # HEAD itself (changes on checkout) and the branch it names (changes on commit); a packed
    # ref has no file of its own, and a missing file would re-run CMake on every build.
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --git-path HEAD
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    OUTPUT_VARIABLE head_file OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND ${GIT_EXECUTABLE} symbolic-ref -q HEAD
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    OUTPUT_VARIABLE ref OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    set(ref_file "")
    if(ref)
      execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --git-path ${ref}
                      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                      OUTPUT_VARIABLE ref_file OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    endif()
    foreach(f ${head_file} ${ref_file})
      get_filename_component(f ${f} ABSOLUTE BASE_DIR ${PROJECT_SOURCE_DIR})
      if(EXISTS ${f})
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${f})
      endif()
    endforeach()
  endif()
endif()

configure_file(${CMAKE_CURRENT_LIST_DIR}/trail_version.h.in
               ${PROJECT_BINARY_DIR}/generated/trail_version.h @ONLY)
add_library(trail_version INTERFACE)
target_include_directories(trail_version INTERFACE ${PROJECT_BINARY_DIR}/generated)
