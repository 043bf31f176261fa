"""Script and style files of the production build: what a first visit has to load.

Rolldown, Vite's bundler, splits the modules that every page loads before it
hydrates over many small files. React, the index of React DOM, the
core of the Lucide icons, Vite's preload helper and Reflex's `env.json` each
came in a file of its own under 8 KiB, next to the files with React Router
and React DOM's client. A first visit of the overview loaded 13 scripts. A
browser opens at most six connections to a host over HTTP/1.1, so each
extra file can cost another round trip before the page shows its data.
`FrameworkChunkPlugin` rewrites the `codeSplitting` groups of the
`vite.config.js` that Reflex generates, so that these modules and React
Router share one `framework-<hash>.js`, and the overview loads 8 scripts.
Everything else (Radix Themes, the websocket client, each page's own code)
is split as before. Rolldown's runtime helpers stay in a file of their own
(under 1 KiB): its groups never see that module.

The global stylesheet (689 KiB minified) held all of Radix Themes' styles,
537 KiB of them for its components and layout utilities, although the
overview uses none of its components. `SplitRadixThemesPlugin` keeps only
Radix's tokens (colours, spacing and type scales, which `assets/portal.css`
uses too) in the global stylesheet, now 153 KiB. The styles of its
components and layout utilities go into a stylesheet of their own, which
`components.layout.branded` links only on pages that use a Radix Themes
component.

The plugin also leaves out the Radix `Theme` that Reflex puts around the
whole app, because that import alone brought Radix Themes' JavaScript (75 KiB
after gzip) to every page. `branded` makes each page's root element the
theme instead: Radix's `Theme` on pages with Radix components, which need
its React context, and a plain element with the same class and attributes
on the others.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import reflex as rx
from reflex_components_radix.plugin import RadixThemesPlugin

logger = logging.getLogger(__name__)

VITE_CONFIG_FILE = "vite.config.js"

# Module ids (absolute paths, or virtual ids such as "\0vite/preload-helper.js") that every page loads
# before it hydrates. `[\\/]` matches either path separator, as rolldown recommends.
FRAMEWORK_MODULES = "|".join(
    (
        r"node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]",
        r"node_modules[\\/]lucide-react[\\/]dist[\\/]esm[\\/](createLucideIcon|defaultAttributes|Icon|context)\.mjs$",
        r"node_modules[\\/]lucide-react[\\/]dist[\\/]esm[\\/]shared[\\/]",
        r"[\\/]env\.json$",
        r"preload-helper",
    )
)

FRAMEWORK_GROUPS = f"""groups: [
            {{
              // Added by nomos_portal.bundling: what every page needs before it hydrates, in one file.
              name: "framework",
              test: /{FRAMEWORK_MODULES}/,
              priority: 10,
            }},
          ],"""

# The groups Reflex 0.10 writes: only `env.json` in a chunk of its own.
REFLEX_GROUPS = re.compile(r"groups:\s*\[\s*\{\s*test:\s*/env\.json/,\s*name:\s*\"reflex-env\",\s*\},\s*\],")


class FrameworkChunkPlugin(rx.plugins.Plugin):
    """Put the modules every page needs before hydrating into one script file."""

    def pre_compile(self, **context) -> None:
        """Ask Reflex to pass its generated `vite.config.js` through `group_framework_modules`."""
        context["add_modify_task"](VITE_CONFIG_FILE, group_framework_modules)


def group_framework_modules(config: str) -> str:
    """Replace Reflex's code-splitting groups in a `vite.config.js` with the framework group.

    A config whose groups look different (another Reflex version) is returned
    unchanged with a warning: the portal works the same, with more script files.
    """
    # A function as replacement, so that re does not read the backslashes in the groups as escapes.
    changed, count = REFLEX_GROUPS.subn(lambda _match: FRAMEWORK_GROUPS, config, count=1)
    if not count:
        logger.warning(
            "%s: Reflex's codeSplitting groups were not found, so the framework modules keep their own "
            "script files. Check nomos_portal/bundling.py against this Reflex version.",
            VITE_CONFIG_FILE,
        )
    return changed


# The portal's Radix theme. Gray is named, not "auto", so a plain element can carry the same attributes.
RADIX_THEME = {"accent_color": "blue", "gray_color": "slate", "radius": "medium", "appearance": "light"}
# The attributes that Radix's root `Theme` writes on its element for RADIX_THEME, copied by pages without it.
# Background, panel background and scaling are Radix's defaults. A production browser test compares both kinds
# of root element.
RADIX_THEME_ROOT_ATTRS = {
    "data-is-root-theme": "true",
    "data-accent-color": RADIX_THEME["accent_color"],
    "data-gray-color": RADIX_THEME["gray_color"],
    "data-has-background": "true",
    "data-panel-background": "translucent",
    "data-radius": RADIX_THEME["radius"],
    "data-scaling": "100%",
}
RADIX_THEME_ROOT_CLASS = f"radix-themes {RADIX_THEME['appearance']}"

# Radix Themes ships the rules of its styles.css also as these three files. The global stylesheet keeps the first.
RADIX_TOKENS = "@radix-ui/themes/tokens.css"
RADIX_COMPONENT_SHEETS = ("@radix-ui/themes/components.css", "@radix-ui/themes/utilities.css")
# Under the frontend's folder (.web), where Vite bundles it into one hashed file for `?url` imports.
RADIX_COMPONENT_STYLES = "styles/radix_components.css"


class SplitRadixThemesPlugin(RadixThemesPlugin):
    """Radix Themes without the app-wide `Theme`, with only its tokens in the global stylesheet.

    The theme still sets the app's colour mode. Each page renders its own
    theme element (`components.layout.branded`).
    """

    def compile_page(self, page_ctx, /, **kwargs) -> None:
        """Leave out the `Theme` that the Radix plugin wraps around every page."""

    def get_stylesheet_paths(self, **context) -> tuple[str, ...]:
        """Put Radix's tokens, and not its whole stylesheet, into the global stylesheet."""
        return (RADIX_TOKENS,) if self.enabled else ()

    def get_static_assets(self, **context) -> list[tuple[Path, str]]:
        """Write the stylesheet that imports Radix's component and utility styles."""
        imports = "".join(f"@import url('{sheet}');\n" for sheet in RADIX_COMPONENT_SHEETS)
        return [(Path(RADIX_COMPONENT_STYLES), imports)]
