"""Use cases: one function, one transaction, the acting user passed in."""
