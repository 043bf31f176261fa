"""A one-page Reflex app: the baseline that bench/page_load.py compares the portal with."""
