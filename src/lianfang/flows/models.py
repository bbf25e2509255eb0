"""Models of the flows module."""
