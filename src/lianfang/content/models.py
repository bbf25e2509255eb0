"""Models of the content module."""
