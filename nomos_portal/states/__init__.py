"""Reflex states: thin wrappers that resolve the tenant and customer, call services and hold results."""
