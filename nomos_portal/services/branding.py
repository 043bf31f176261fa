"""Turn a plan's brand colours and font into CSS custom properties.

Radix Themes colours everything from a 12-step accent scale. A tenant's hex
colour is used exactly as step 9, the colour of solid backgrounds such as
buttons. The other steps are mixed from it towards the surface colour and
towards black, and the text steps are darkened until they reach WCAG AA
contrast.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nomos_portal.models import Plan

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

# WCAG 2.x minimum contrast for normal-size text (level AA).
MIN_TEXT_CONTRAST = 4.5

WHITE = "#ffffff"
BLACK = "#000000"


class InvalidColorError(ValueError):
    """Raised for a colour that is not written as #rrggbb."""


def parse_hex(color: str) -> tuple[int, int, int]:
    """Parse "#rrggbb" into red, green and blue in 0..255."""
    if not HEX_COLOR.match(color):
        msg = f"Invalid colour {color!r}: write it as #rrggbb, e.g. #0b5fff."
        raise InvalidColorError(msg)
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def to_hex(rgb: tuple[float, float, float]) -> str:
    """Format red, green and blue in 0..255 as "#rrggbb"."""
    return "#" + "".join(f"{round(min(255.0, max(0.0, c))):02x}" for c in rgb)


def relative_luminance(color: str) -> float:
    """Relative luminance of an sRGB colour as defined by WCAG 2.x."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = parse_hex(color)
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, from 1 to 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_foreground(background: str) -> str:
    """Pick white or black text for a background, whichever contrasts more.

    For every sRGB colour one of the two reaches at least 4.58:1, so the
    result always meets WCAG AA for normal text.
    """
    if contrast_ratio(background, WHITE) >= contrast_ratio(background, BLACK):
        return WHITE
    return BLACK


def mix(color: str, other: str, weight: float) -> str:
    """Mix two colours in sRGB; weight 0 gives color, 1 gives other."""
    a, b = parse_hex(color), parse_hex(other)
    return to_hex(tuple(x + (y - x) * weight for x, y in zip(a, b, strict=True)))


def readable_on(color: str, background: str, minimum: float = MIN_TEXT_CONTRAST) -> str:
    """Darken or lighten a colour until it is readable as text on a background.

    Args:
        color: The brand colour to keep as close as possible.
        background: The colour the text sits on.
        minimum: Required contrast ratio.

    Returns:
        The colour itself if it already contrasts enough, else the nearest
        mix towards black (or white on dark backgrounds) that does.
    """
    if contrast_ratio(color, background) >= minimum:
        return color
    target = BLACK if relative_luminance(background) > 0.18 else WHITE
    for step in range(1, 101):
        candidate = mix(color, target, step / 100)
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return target


@dataclasses.dataclass(frozen=True)
class Brand:
    """A plan's visual identity."""

    primary: str
    accent: str
    surface: str
    font_family: str

    @classmethod
    def of_plan(cls, plan: Plan) -> Brand:
        """Return the brand stored on a plan."""
        return cls(
            primary=plan.color_primary,
            accent=plan.color_accent,
            surface=plan.color_surface,
            font_family=plan.font_family,
        )


# Weights towards the surface colour for the light steps 1-8 of a Radix scale.
_LIGHT_STEPS = (0.97, 0.93, 0.86, 0.78, 0.68, 0.56, 0.42, 0.25)


def accent_scale(primary: str, surface: str) -> dict[str, str]:
    """Build Radix Themes' accent variables from one brand colour.

    Args:
        primary: The brand colour, used unchanged as step 9.
        surface: The page background the light steps fade into.

    Returns:
        CSS custom properties such as "--accent-9" mapped to colours.
    """
    parse_hex(primary)
    steps = {index + 1: mix(primary, surface, weight) for index, weight in enumerate(_LIGHT_STEPS)}
    steps[9] = primary.lower()
    steps[10] = mix(primary, BLACK, 0.12)
    # Steps 11 and 12 are text colours: keep them readable on the surface.
    steps[11] = readable_on(mix(primary, BLACK, 0.2), surface)
    steps[12] = readable_on(mix(primary, BLACK, 0.55), surface, minimum=7.0)

    variables = {f"--accent-{step}": value for step, value in steps.items()}
    red, green, blue = parse_hex(primary)
    # Alpha steps: the brand colour over the surface at matching opacities.
    for index, weight in enumerate(_LIGHT_STEPS):
        variables[f"--accent-a{index + 1}"] = f"rgba({red}, {green}, {blue}, {1 - weight:.2f})"
    for step in (9, 10, 11, 12):
        variables[f"--accent-a{step}"] = steps[step]
    variables["--accent-contrast"] = readable_foreground(primary)
    variables["--accent-surface"] = steps[2]
    variables["--accent-indicator"] = primary.lower()
    variables["--accent-track"] = primary.lower()
    variables["--focus-8"] = steps[8]
    return variables


def css_variables(brand: Brand) -> dict[str, str]:
    """Collect the CSS custom properties that put a brand on the whole UI.

    Besides the Radix accent scale, these are the portal's own "--brand-*"
    variables used by the header, charts and links.
    """
    accent_foreground = readable_foreground(brand.accent)
    variables = accent_scale(brand.primary, brand.surface)
    variables.update(
        {
            "--brand-primary": brand.primary.lower(),
            "--brand-on-primary": readable_foreground(brand.primary),
            "--brand-accent": brand.accent.lower(),
            "--brand-on-accent": accent_foreground,
            "--brand-surface": brand.surface.lower(),
            "--brand-on-surface": readable_foreground(brand.surface),
            "--brand-link": readable_on(brand.primary, brand.surface),
            "--color-background": brand.surface.lower(),
            # Radix Themes takes its text and headings' fonts from these.
            "--default-font-family": font_stack(brand.font_family),
            "--heading-font-family": font_stack(brand.font_family),
        }
    )
    return variables


def font_stack(family: str) -> str:
    """CSS font-family value with the brand font first and system fallbacks."""
    cleaned = family.replace('"', "").replace(";", "").strip()
    return f'"{cleaned}", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'


def stylesheet(brand: Brand) -> str:
    """Render a brand as a stylesheet for the page head, painted before hydration."""
    lines = [f"  {name}: {value};" for name, value in css_variables(brand).items()]
    stack = font_stack(brand.font_family)
    # "html .radix-themes" outranks Radix's own ".radix-themes" and "[data-accent-color]" rules.
    return (
        ":root, html .radix-themes {\n"
        + "\n".join(lines)
        + "\n}\n"
        + f"body {{ background: {brand.surface.lower()}; font-family: {stack}; }}\n"
    )
