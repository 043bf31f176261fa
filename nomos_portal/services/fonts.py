"""The `<head>` tags that load a plan's font: its stylesheet inline and its Latin font files preloaded.

A plan's font stylesheet is either a file under `assets/` or an https URL (see
tenant_admin.check_asset_or_https). Linked as a stylesheet, a local file costs
one more request before the first paint. The browser requests the font files
only once it lays out text in that font, so with `font-display: swap` the first
layout uses a fallback font and is redone when the font arrives. So a local
stylesheet goes into the page as a `<style>`, with its `url()`s made absolute,
and the font files that cover Latin letters are preloaded. In paired loads of
the overview its data showed about 15 ms sooner on average, though single runs
ranged from 2 to 29 ms (docs/benchmarks.md). An https stylesheet stays a
`<link>`, because the server does not fetch it.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import urllib.parse
from pathlib import Path

from nomos_portal.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

ASSETS_DIR = PROJECT_ROOT / "assets"
# A bigger stylesheet probably contains more than @font-face rules, so it stays a link.
MAX_INLINE_BYTES = 32 * 1024
# The browser fetches each preload at once, ahead of the page's scripts. A regular and a bold weight need two.
MAX_PRELOADS = 4

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_FONT_FACE = re.compile(r"@font-face\s*\{([^}]*)\}", re.IGNORECASE)
_URL = re.compile(r"""url\(\s*(["']?)([^"')\s]+)\1\s*\)""", re.IGNORECASE)
_DESCRIPTOR = re.compile(r"([a-z-]+)\s*:\s*([^;]+)", re.IGNORECASE)
_CODE_POINT_A = ord("A")


def font_tags(url: str, *, assets_dir: Path = ASSETS_DIR) -> str:
    """Return the tags that load the font stylesheet at `url`, or "" without one.

    A readable UTF-8 file under `assets_dir` of at most MAX_INLINE_BYTES is
    inlined with its preloads. Anything else is linked as it is.
    """
    if not url:
        return ""
    path = _local_file(url, assets_dir)
    if path is not None:
        stat = path.stat()
        if stat.st_size <= MAX_INLINE_BYTES:
            tags = _inline_tags(url, path, stat.st_mtime_ns)
            if tags is not None:
                return tags
    return f'<link rel="stylesheet" href="{html.escape(url, quote=True)}"/>'


def _local_file(url: str, assets_dir: Path) -> Path | None:
    """Return the file under `assets_dir` that a URL path names, or None for an https URL or a missing file."""
    if not url.startswith("/") or url.startswith("//"):
        return None
    root = assets_dir.resolve()
    candidate = (root / urllib.parse.unquote(url).lstrip("/")).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


@functools.lru_cache(maxsize=32)
def _inline_tags(url: str, path: Path, _mtime_ns: int) -> str | None:
    """Build the preload links and the `<style>` for a local stylesheet, or None if it cannot be read.

    The file's mtime is part of the cache key, so an unreadable file is logged once per change.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        logger.warning(
            "Reading font stylesheet %s failed (%s), so pages link it instead. Save it as UTF-8.", path, error
        )
        return None
    css = _COMMENT.sub("", text)
    css = _URL.sub(lambda match: f'url("{urllib.parse.urljoin(url, match.group(2))}")', css)
    preloads = [
        f'<link rel="preload" as="font" type="font/woff2" href="{html.escape(href, quote=True)}" crossorigin/>'
        for href in latin_woff2_files(css)[:MAX_PRELOADS]
    ]
    # No value can end the element: `\3c ` is how CSS writes "<".
    return "".join(preloads) + "<style>" + css.strip().replace("<", "\\3c ") + "</style>"


def latin_woff2_files(css: str) -> list[str]:
    """Return the woff2 files of the upright @font-face rules whose unicode-range covers "A", in order."""
    files: list[str] = []
    for block in _FONT_FACE.findall(css):
        descriptors = {name.lower(): value.strip() for name, value in _DESCRIPTOR.findall(block)}
        if descriptors.get("font-style", "normal").lower() != "normal":
            continue
        if "unicode-range" in descriptors and not _covers(descriptors["unicode-range"], _CODE_POINT_A):
            continue
        for _quote, href in _URL.findall(descriptors.get("src", "")):
            if urllib.parse.urlsplit(href).path.lower().endswith(".woff2") and href not in files:
                files.append(href)
                break
    return files


def _covers(unicode_range: str, code_point: int) -> bool:
    """Return whether a CSS unicode-range ("U+0000-00FF, U+0131, U+4??") includes a code point."""
    for part in unicode_range.split(","):
        text = part.strip().upper().removeprefix("U+")
        try:
            if "?" in text:
                low, high = int(text.replace("?", "0"), 16), int(text.replace("?", "F"), 16)
            elif "-" in text:
                low_text, high_text = text.split("-", 1)
                low, high = int(low_text, 16), int(high_text, 16)
            else:
                low = high = int(text, 16)
        except ValueError:
            continue
        if low <= code_point <= high:
            return True
    return False
