"""Signing in to the admin: two factors, lockout after repeated failures, and sessions that end when idle."""
