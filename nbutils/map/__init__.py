"""Notebook 03 · data map: metrics, regions, the map table, figures, the live widget, the shareable page, selections."""
