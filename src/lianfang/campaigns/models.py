"""Models of the investigation campaigns module (风险排查)."""
