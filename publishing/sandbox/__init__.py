"""A local, faithful stand-in for the Graph API and X API v2: state, limits, error bodies and an audience."""
