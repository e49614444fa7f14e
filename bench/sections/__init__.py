# Copyright 2026 The trail Authors
# SPDX-License-Identifier: Apache-2.0

"""The sections of a benchmark run, in the order they run (bench/run.py's header says what each
measures). Each module's run(work) returns its raw results; `work` is the run's scratch
directory."""

import importlib

ORDER = ["sqlite", "store", "http", "query", "gc", "integrity", "leaf", "postgres"]


def run(name, work):
    return importlib.import_module(f"sections.{name}").run(work)
