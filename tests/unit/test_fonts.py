"""The font tags in each page's head: a local stylesheet inline with its Latin files preloaded, anything else linked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nomos_portal.services import fonts

LATIN = "U+0000-00FF, U+0131, U+2000-206F, U+20AC"
CYRILLIC = "U+0301, U+0400-045F, U+0490-0491"


def face(file: str, *, weight: int = 400, style: str = "normal", unicode_range: str | None = LATIN) -> str:
    rule = f'@font-face {{ font-family: "Brand"; font-style: {style}; font-weight: {weight}; '
    rule += f'src: url("{file}") format("woff2"), url("{file.replace(".woff2", ".woff")}") format("woff");'
    if unicode_range is not None:
        rule += f" unicode-range: {unicode_range};"
    return rule + " }\n"


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    (tmp_path / "fonts").mkdir()
    return tmp_path


def write(assets: Path, name: str, css: str) -> str:
    (assets / "fonts" / name).write_text(css, encoding="utf-8")
    return f"/fonts/{name}"


def preloads(tags: str) -> list[str]:
    return [part.split('"', 1)[0] for part in tags.split('rel="preload" as="font" type="font/woff2" href="')[1:]]


def test_archivo_inlined_with_both_weights_preloaded():
    tags = fonts.font_tags("/fonts/archivo.css")
    assert preloads(tags) == [
        "/fonts/archivo/archivo-latin-400-normal.woff2",
        "/fonts/archivo/archivo-latin-700-normal.woff2",
    ]
    assert tags.count("crossorigin") == 2
    style = tags[tags.index("<style>") :]
    assert style.count("@font-face") == 2
    assert 'src: url("/fonts/archivo/archivo-latin-700-normal.woff2") format("woff2")' in style
    assert "font-display: swap" in style
    # The licence comment stays in the file, not in every page.
    assert "/*" not in style
    assert "<link" not in style


def test_urls_resolve_against_stylesheet(assets: Path):
    css = face("brand/regular.woff2") + face("/elsewhere/bold.woff2", weight=700)
    css += face("https://cdn.example.org/extra.woff2", weight=800)
    tags = fonts.font_tags(write(assets, "brand.css", css), assets_dir=assets)
    assert preloads(tags) == [
        "/fonts/brand/regular.woff2",
        "/elsewhere/bold.woff2",
        "https://cdn.example.org/extra.woff2",
    ]
    assert 'url("/fonts/brand/regular.woff") format("woff")' in tags


def test_preloads_upright_latin_faces_up_to_four(assets: Path):
    css = face("cyrillic.woff2", unicode_range=CYRILLIC)
    css += face("italic.woff2", style="italic")
    css += face("wildcard.woff2", unicode_range="U+00??")
    css += face("no-range.woff2", unicode_range=None)
    css += "".join(face(f"w{weight}.woff2", weight=weight) for weight in (300, 500, 600, 800))
    tags = fonts.font_tags(write(assets, "many.css", css), assets_dir=assets)
    assert preloads(tags) == [
        "/fonts/wildcard.woff2",
        "/fonts/no-range.woff2",
        "/fonts/w300.woff2",
        "/fonts/w500.woff2",
    ]
    # Every face still reaches the page, and the browser loads the others when text needs them.
    assert "/fonts/cyrillic.woff2" in tags
    assert "/fonts/w800.woff2" in tags


def test_stylesheet_cannot_end_style_element(assets: Path):
    css = face("a.woff2") + "/* </style><script>alert(1)</script> */ .x { content: '</style><b>'; }"
    tags = fonts.font_tags(write(assets, "evil.css", css), assets_dir=assets)
    assert tags.count("</style>") == 1
    assert tags.endswith("</style>")
    assert "<script>" not in tags
    assert "<b>" not in tags


@pytest.mark.parametrize(
    "url",
    [
        "https://fonts.example.org/brand.css",
        "/fonts/missing.css",
        "/../outside.css",
        "//cdn.example.org/brand.css",
    ],
)
def test_other_stylesheets_linked(assets: Path, url: str):
    (assets.parent / "outside.css").write_text(face("x.woff2"), encoding="utf-8")
    tags = fonts.font_tags(url, assets_dir=assets)
    assert tags == f'<link rel="stylesheet" href="{url}"/>'


def test_large_stylesheet_linked(assets: Path):
    url = write(assets, "large.css", face("a.woff2") + "/*" + "x" * fonts.MAX_INLINE_BYTES + "*/")
    assert fonts.font_tags(url, assets_dir=assets) == f'<link rel="stylesheet" href="{url}"/>'


def test_empty_url_gives_no_tags():
    assert fonts.font_tags("") == ""


def test_changed_stylesheet_read_again(assets: Path):
    url = write(assets, "brand.css", face("old.woff2"))
    assert "/fonts/old.woff2" in fonts.font_tags(url, assets_dir=assets)
    path = assets / "fonts" / "brand.css"
    path.write_text(face("new.woff2"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    tags = fonts.font_tags(url, assets_dir=assets)
    assert "/fonts/new.woff2" in tags
    assert "/fonts/old.woff2" not in tags


@pytest.mark.parametrize(
    ("unicode_range", "covered"),
    [
        ("U+0000-00FF", True),
        ("u+0041", True),
        ("U+4??", False),
        ("U+00??", True),
        ("U+0400-045F, U+0041", True),
        ("U+0400-045F", False),
        ("garbage, U+0030-0040", False),
    ],
)
def test_unicode_range_covers_letter_a(unicode_range: str, covered: bool):
    css = face("a.woff2", unicode_range=unicode_range)
    assert (fonts.latin_woff2_files(css) == ["a.woff2"]) is covered


def test_unreadable_stylesheet_linked_and_logged_once(assets: Path, caplog: pytest.LogCaptureFixture):
    (assets / "fonts" / "latin1.css").write_bytes(b'@font-face { font-family: "Caf\xe9"; }')
    caplog.set_level("WARNING", logger="nomos_portal.services.fonts")
    for _ in range(2):
        tags = fonts.font_tags("/fonts/latin1.css", assets_dir=assets)
        assert tags == '<link rel="stylesheet" href="/fonts/latin1.css"/>'
    warnings = [record for record in caplog.records if "latin1.css" in record.getMessage()]
    assert len(warnings) == 1
    assert "failed" in warnings[0].getMessage()
