"""Benchmarks that print figures: model speed, sweep throughput, app responsiveness.

Speed is measured here, never asserted in tests. The commands that run them
are `partage bench`, `partage sweep-bench` and `partage app-bench` (`cli/`).
"""
