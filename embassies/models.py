"""Models of embassies."""
