"""Notebook 04 · retrain: the region mix, the balanced sampler, augmentation, the teacher, rounds, the stage."""
