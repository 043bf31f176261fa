"""Character rules shared by the free-text fields of every form."""

from __future__ import annotations

import logging
import unicodedata

logger = logging.getLogger(__name__)

# Control characters (C0, DEL, C1), format characters such as the right-to-left override
# and zero-width space, and lone surrogates: invisible, and able to reorder or hide text.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
# Zero-width non-joiner and joiner: format characters that Persian and Indic names need.
NAME_JOINERS = frozenset({"\u200c", "\u200d"})


def has_forbidden_characters(text: str, *, allowed: frozenset[str] = frozenset()) -> bool:
    """Whether a text contains a control, format or surrogate character other than the joiners and `allowed`.

    Args:
        text: The entered text.
        allowed: Characters to accept all the same, e.g. line breaks in a multi-line note.
    """
    # `isprintable` runs in C and is true for almost every real input, so long texts stay fast.
    if text.isprintable():
        return False
    return any(
        unicodedata.category(ch) in FORBIDDEN_CATEGORIES and ch not in NAME_JOINERS and ch not in allowed for ch in text
    )
