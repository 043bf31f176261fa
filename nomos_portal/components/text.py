"""Translated text in components."""

from __future__ import annotations

import reflex as rx

from nomos_portal.states.portal import PortalState


def tr(key: str) -> rx.Var:
    """The message for a key in the page's current language."""
    return PortalState.t[key]
