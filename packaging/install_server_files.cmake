# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

# Runs at install time (install(SCRIPT) in packaging/CMakeLists.txt, component server), with
# CMAKE_INSTALL_PREFIX the prefix being installed to and DESTDIR in the environment:
# - trail.service from trail.service.in, naming this prefix's bindir and docdir and
#   TRAIL_SYSCONFDIR, into <prefix>/lib/systemd/system (systemd searches /usr/lib/… and
#   /usr/local/lib/systemd/system; never the multiarch libdir);
# - TRAIL_SYSCONFDIR/trail/trail.toml and events.toml, unless a file of that name is there
#   already: then the new one goes beside it as NAME.new, and the operator's file is kept.
set(prefix "${CMAKE_INSTALL_PREFIX}")
set(TRAIL_BINDIR "${prefix}/${TRAIL_INSTALL_BINDIR}")
set(TRAIL_DOCDIR "${prefix}/${TRAIL_INSTALL_DOCDIR}")
string(MAKE_C_IDENTIFIER "${prefix}" id)
set(staged "${TRAIL_PACKAGING_BINARY_DIR}/install-${id}")
# Not configure_file: it would also take `$MAINPID` (ExecReload) for a variable reference.
file(READ "${TRAIL_PACKAGING_DIR}/trail.service.in" unit)
foreach(var TRAIL_BINDIR TRAIL_DOCDIR TRAIL_SYSCONFDIR)
  string(REPLACE "@${var}@" "${${var}}" unit "${unit}")
endforeach()
file(WRITE "${staged}/trail.service.tmp" "${unit}")
file(COPY_FILE "${staged}/trail.service.tmp" "${staged}/trail.service" ONLY_IF_DIFFERENT)
file(INSTALL DESTINATION "${prefix}/lib/systemd/system" TYPE FILE FILES "${staged}/trail.service")

# trail.toml names the events file under /etc/trail; follow TRAIL_SYSCONFDIR.
file(READ "${TRAIL_PACKAGING_DIR}/trail.toml" toml)
string(REPLACE "/etc/trail/" "${TRAIL_SYSCONFDIR}/trail/" toml "${toml}")
file(WRITE "${staged}/trail.toml.tmp" "${toml}")
file(COPY_FILE "${staged}/trail.toml.tmp" "${staged}/trail.toml" ONLY_IF_DIFFERENT)
file(COPY_FILE "${TRAIL_EVENTS_EXAMPLE}" "${staged}/events.toml" ONLY_IF_DIFFERENT)
set(confdir "${TRAIL_SYSCONFDIR}/trail")
foreach(name trail.toml events.toml)
  if(EXISTS "$ENV{DESTDIR}${confdir}/${name}")
    file(COPY_FILE "${staged}/${name}" "${staged}/${name}.new" ONLY_IF_DIFFERENT)
    message(STATUS "Keeping: $ENV{DESTDIR}${confdir}/${name} (the new default: ${name}.new)")
    file(INSTALL DESTINATION "${confdir}" TYPE FILE FILES "${staged}/${name}.new")
  else()
    file(INSTALL DESTINATION "${confdir}" TYPE FILE FILES "${staged}/${name}")
  endif()
endforeach()
