# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

# `make deb` (cpack -G DEB in the build directory): build/trail_<version>_<arch>.deb (component
# server) and build/trail-client-dev_<version>_<arch>.deb (component client). Both install
# under /usr; the configuration under TRAIL_SYSCONFDIR (/etc), as conffiles: dpkg keeps an
# operator's edits on upgrade. Maintainer scripts: packaging/deb/ (postinst makes the trail
# user and /var/lib/trail, and enables and starts nothing).
set(TRAIL_DEB_MAINTAINER "trail maintainers <root@localhost>" CACHE STRING
    "Maintainer field of the Debian packages")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME trail)
set(CPACK_PACKAGE_VENDOR "The trail Authors")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)  # the prefix CPACK_SET_DESTDIR installs to
# Install with DESTDIR into the staging directory and CMAKE_INSTALL_PREFIX=/usr: the unit then
# names /usr/bin/trail, and TRAIL_SYSCONFDIR (absolute) lands in the package, not on this host.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server client)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TRAIL_DEB_MAINTAINER}")

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME trail)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_SERVER_DESCRIPTION
    "audit log service with a verifiable history
trail records security events (logins, keys, roles, releases) with one HTTP call,
acknowledges them once durable, keeps them as long as policy says, answers searches, shows
each viewer their share, and proves with a Merkle tree and signed checkpoints that its
history was never altered. SQLite embedded, or many nodes on PostgreSQL.

The package installs trail.service but neither enables nor starts it.")
# The libraries' packages from dpkg-shlibdeps (needs dpkg-dev), plus what postinst runs.
set(CPACK_DEBIAN_SERVER_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(conffiles "${TRAIL_SYSCONFDIR}/trail/trail.toml\n${TRAIL_SYSCONFDIR}/trail/events.toml\n")
file(CONFIGURE OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles CONTENT "${conffiles}")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles
    ${CMAKE_CURRENT_SOURCE_DIR}/deb/postinst
    ${CMAKE_CURRENT_SOURCE_DIR}/deb/prerm)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME trail-client-dev)
set(CPACK_DEBIAN_CLIENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_CLIENT_DESCRIPTION
    "C++ client library of the trail audit log (static)
trail::Client records audit events into a trail server without blocking the application
and without losing them (background batches, retries, an on-disk spool). Static libraries,
the header <trail/client.h>, find_package(trail_client) and pkg-config trail-client.")
# Static libraries: what their users link against is what they must have installed.
set(CPACK_DEBIAN_CLIENT_PACKAGE_DEPENDS
    "libboost-json1.81-dev, libboost-system1.81-dev, libssl-dev (>= 3), libfmt-dev, libtomlplusplus-dev")

include(CPack)
cpack_add_component(server DISPLAY_NAME "trail server")
cpack_add_component(client DISPLAY_NAME "trail C++ client library")
