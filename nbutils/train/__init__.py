"""Notebook 02 · train with dynamics: the Trainer subclass, the recorder and its file format, models."""
