"""Benchmarks: a seeded instance generator, a greedy baseline and the benchmark runner.

Run them as scripts (``python benchmarks/run.py``); see ``benchmarks/README.md`` for the protocol.
"""
