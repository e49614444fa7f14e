"""What bench/run.py's sections share: the run's settings (config), the machine probe
(machine), process control (procs) and the report (report)."""
