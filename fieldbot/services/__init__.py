"""Use cases: each takes its dependencies (store, clock, settings) and returns what happened."""
