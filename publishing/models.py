"""Models of publishing."""
