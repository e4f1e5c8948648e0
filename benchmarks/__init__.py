"""Benchmarks for publisher: what a run costs, compared with the least work possible.

Run them with ``make bench`` (``python -m benchmarks --help`` for the options). See
docs/performance.md for the scenarios and the latest figures.
"""
