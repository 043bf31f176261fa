"""Reusable UI pieces: the branded shell, translated text and small widgets."""
