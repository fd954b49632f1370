"""Dataset Cartography workbook: the logic behind notebooks 01-05 (data, training dynamics, maps, retraining, comparison)."""
__version__ = "0.1.0"
