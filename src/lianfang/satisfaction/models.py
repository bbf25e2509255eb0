"""Models of the satisfaction module."""
