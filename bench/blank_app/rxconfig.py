"""Reflex configuration of the blank comparison app used by bench/page_load.py."""

import reflex as rx

config = rx.Config(
    app_name="blank_app",
    # Same build options as the portal, so both bundles differ only by the pages.
    show_built_with_reflex=False,
    telemetry_enabled=False,
    frontend_lazy_bundled_libraries=True,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
