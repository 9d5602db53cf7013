"""Demo content for a fresh Chancery: the site tree, stories in several languages, one user per role."""
