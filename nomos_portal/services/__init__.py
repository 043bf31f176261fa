"""Business logic in plain Python: no Reflex imports, sessions and tenants passed in."""
