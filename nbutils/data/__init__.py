"""Notebook 01 · load data: pair files and the hub into one pair table, ids, checks, the demo generator, encoding."""
