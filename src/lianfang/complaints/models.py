"""Models of the complaints module."""
