"""Benchmarks (not tests): ``python -m bench`` runs them and writes docs/performance.md."""
