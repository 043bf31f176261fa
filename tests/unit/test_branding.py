import random

import pytest

from nomos_portal.services import branding


def test_contrast_ratio_known_values():
    assert branding.contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert branding.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert branding.contrast_ratio("#0b5fff", "#0b5fff") == pytest.approx(1.0)


def test_readable_foreground_picks_better_side():
    assert branding.readable_foreground("#0b5fff") == "#ffffff"
    assert branding.readable_foreground("#ffb300") == "#000000"
    assert branding.readable_foreground("#ffffff") == "#000000"


def test_readable_foreground_meets_aa_for_any_colour():
    rng = random.Random(7)
    colours = ["#777777", "#808080", "#ff0000", "#00ff00", "#0000ff", "#ffff00", "#7f7f7f"]
    colours += [f"#{rng.randrange(0x1000000):06x}" for _ in range(2000)]
    for colour in colours:
        foreground = branding.readable_foreground(colour)
        assert branding.contrast_ratio(colour, foreground) >= branding.MIN_TEXT_CONTRAST, colour


def test_readable_on_darkens_light_colour():
    assert branding.readable_on("#0b5fff", "#ffffff") == "#0b5fff"
    darker = branding.readable_on("#ffb300", "#ffffff")
    assert darker != "#ffb300"
    assert branding.contrast_ratio(darker, "#ffffff") >= 4.5


def test_accent_scale_uses_brand_hex_exactly():
    scale = branding.accent_scale("#C2185B", "#fff8f0")
    assert scale["--accent-9"] == "#c2185b"
    assert scale["--accent-indicator"] == "#c2185b"
    assert len([name for name in scale if name.startswith("--accent-") and name[9:].isdigit()]) == 12


def test_accent_scale_text_steps_are_readable_on_surface():
    for primary in ("#ffeb3b", "#00e5ff", "#0b5fff", "#c2185b", "#ffffff"):
        scale = branding.accent_scale(primary, "#ffffff")
        assert branding.contrast_ratio(scale["--accent-11"], "#ffffff") >= 4.5, primary
        assert branding.contrast_ratio(scale["--accent-12"], "#ffffff") >= 7.0, primary
        assert branding.contrast_ratio(scale["--accent-contrast"], primary) >= 4.5, primary


def test_css_variables_include_brand_tokens():
    brand = branding.Brand(primary="#ffb300", accent="#0b5fff", surface="#fff8f0", font_family="Lora")
    variables = branding.css_variables(brand)
    assert variables["--brand-primary"] == "#ffb300"
    assert variables["--brand-on-primary"] == "#000000"
    assert variables["--brand-on-accent"] == "#ffffff"
    assert branding.contrast_ratio(variables["--brand-link"], "#fff8f0") >= 4.5
    assert variables["--heading-font-family"].startswith('"Lora"')


def test_invalid_colour_rejected():
    for value in ("0b5fff", "#0b5ff", "#0b5fffa", "blue", "#gggggg", ""):
        with pytest.raises(branding.InvalidColorError):
            branding.parse_hex(value)


def test_font_stack_strips_css_breaking_characters():
    assert (
        branding.font_stack('Evil"; color: red')
        == '"Evil color: red", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
    )


def test_stylesheet_sets_root_variables():
    css = branding.stylesheet(
        branding.Brand(primary="#0b5fff", accent="#ff6b00", surface="#f7f9fc", font_family="Archivo")
    )
    assert "--accent-9: #0b5fff;" in css
    assert '--default-font-family: "Archivo"' in css
    assert "background: #f7f9fc" in css
