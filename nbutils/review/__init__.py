"""Acting on the map: triage of suspected label errors (review, corrections and the cleaning arms come next)."""
