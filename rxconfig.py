"""Reflex configuration; every value a deployment changes comes from nomos_portal.settings."""

import reflex as rx

from nomos_portal.bundling import RADIX_THEME, FrameworkChunkPlugin, SplitRadixThemesPlugin
from nomos_portal.settings import SettingsError, get_settings

try:
    settings = get_settings()
except SettingsError as error:
    raise SystemExit(f"nomos_portal cannot start: {error}") from None

config = rx.Config(
    app_name="nomos_portal",
    db_url=settings.database_url,
    # With a Redis URL, Reflex keeps each tab's state in Redis, so several backend workers can share it
    # and it survives a restart. Without one, it stays on disk in .states/ for a single worker.
    redis_url=settings.redis_url or None,
    # Customers see only their supplier's brand.
    show_built_with_reflex=False,
    telemetry_enabled=False,
    # Without this, every page loads all of Radix Themes for dynamic components, which the portal does
    # not use. With it, pages import only their own components (the overview went from 36 scripts to 14).
    frontend_lazy_bundled_libraries=True,
    plugins=[
        # Radix Themes, with its scripts and the styles of its components only on the pages that use them.
        SplitRadixThemesPlugin(theme=rx.theme(**RADIX_THEME)),
        # Fewer script files on a first visit: see nomos_portal/bundling.py.
        FrameworkChunkPlugin(),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
