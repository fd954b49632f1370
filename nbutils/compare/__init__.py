"""Notebook 05 · compare: predictions, statistics, flips, replicate runs, the stage, and the evaluate command."""
