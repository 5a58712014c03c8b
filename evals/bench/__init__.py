"""Benchmarks of speed, memory and quality, each figure printed beside a reference from the same run."""
