# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""What bench/run.py's sections share: the run's settings (config), the machine probe
(machine), process control (procs) and the report (report)."""
