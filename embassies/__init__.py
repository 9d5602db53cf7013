"""Embassies."""
