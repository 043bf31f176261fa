"""A standalone HTML page that shows a plan's brand colours, their text colours and contrast ratios."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jinja2

from nomos_portal.models import Org, Plan
from nomos_portal.services import branding
from nomos_portal.services.tenant_admin import ASSETS_DIR, contrast_warnings

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "operator"

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=jinja2.StrictUndefined,
)


@dataclasses.dataclass(frozen=True)
class Swatch:
    """One brand colour with the text colour the portal puts on it and two contrast ratios."""

    label: str
    color: str
    foreground: str
    text_contrast: float
    surface_contrast: float


def _asset_href(value: str, assets_dir: Path) -> str:
    """Point an asset path at the local file, so the preview works when opened from disk."""
    if not value or value.startswith("https://"):
        return value
    return (assets_dir / value.lstrip("/")).resolve().as_uri()


def swatch(label: str, color: str, *, surface: str) -> Swatch:
    """Compute the text colour on a brand colour and its contrast ratios."""
    foreground = branding.readable_foreground(color)
    return Swatch(
        label=label,
        color=color,
        foreground=foreground,
        text_contrast=branding.contrast_ratio(foreground, color),
        surface_contrast=branding.contrast_ratio(color, surface),
    )


def render_theme_preview(*, plan: Plan, org: Org, assets_dir: Path = ASSETS_DIR) -> str:
    """Render a plan's brand as an HTML page: swatches, computed foregrounds, contrast ratios, font and logo."""
    primary, accent, surface = plan.color_primary, plan.color_accent, plan.color_surface
    variables = branding.css_variables(
        branding.Brand(primary=primary, accent=accent, surface=surface, font_family=plan.font_family)
    )
    return _templates.get_template("theme_preview.html").render(
        title=f"{org.name} / {plan.name} ({plan.slug})",
        org_name=org.name,
        logo_href=_asset_href(org.logo, assets_dir),
        font_family=plan.font_family,
        font_url=plan.font_stylesheet_url,
        font_href=_asset_href(plan.font_stylesheet_url, assets_dir),
        font_stack=branding.font_stack(plan.font_family),
        primary=primary,
        accent=accent,
        surface=surface,
        on_primary=variables["--brand-on-primary"],
        on_surface=variables["--brand-on-surface"],
        rule=variables["--accent-6"],
        link=variables["--brand-link"],
        swatches=[
            swatch("primary", primary, surface=surface),
            swatch("accent", accent, surface=surface),
            swatch("surface", surface, surface=surface),
        ],
        warnings=contrast_warnings(primary=primary, accent=accent, surface=surface),
    )
