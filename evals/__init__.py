"""Offline evaluation of retrieval and answer quality, and the gate for knowledge and code changes."""
