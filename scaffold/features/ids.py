"""Feature ids: `NNN-slug`, numbered in order, named after the title.

The number orders features in a listing and keeps two features with the same title apart; the
slug makes the folder readable. Both are taken from what exists: the folders under
`docs/features/` and the ids in `feature-log.json`, so a folder made by hand counts too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from scaffold.errors import UsageError

SLUG_LIMIT = 40  # characters of the title kept in the id; the folder name stays readable in a listing
ID_LIMIT = 64  # the longest id accepted with --id (a skill name's limit in Claude Code, too)
NUMBERED = re.compile(r"^(\d+)-")
FALLBACK_SLUG = "feature"  # a title with no ASCII letters or digits (say, in Japanese)


def slugify(title: str) -> str:
    """Lowercase ASCII words joined by hyphens, cut at a word boundary within SLUG_LIMIT."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > SLUG_LIMIT:
            break
        slug = candidate
    return slug or (words[0][:SLUG_LIMIT] if words else FALLBACK_SLUG)


def number_of(feature_id: str) -> int | None:
    match = NUMBERED.match(feature_id)
    return int(match.group(1)) if match else None


def next_id(title: str, taken: Iterable[str]) -> str:
    """The next free number, zero-padded to three digits, and the title's slug."""
    numbers = [number for name in taken if (number := number_of(name)) is not None]
    return f"{max(numbers, default=0) + 1:03d}-{slugify(title)}"


def is_feature_id(feature_id: str, pattern: str) -> bool:
    """Matches the schema's id pattern and is one folder name, whatever pattern a team's schema has."""
    return bool(re.fullmatch(pattern, feature_id)) and not re.search(r"[/\\]|^\.", feature_id)


def check_id(feature_id: str, pattern: str, taken: Iterable[str]) -> None:
    """Refuse an --id the schema would reject, or one whose folder or number is already in use."""
    if not is_feature_id(feature_id, pattern) or len(feature_id) > ID_LIMIT:
        raise UsageError(
            f"--id {feature_id!r}: use lowercase letters, digits and hyphens, starting with a letter or digit "
            f"(the schema's pattern {pattern}), at most {ID_LIMIT} characters, e.g. 007-order-checkout"
        )
    taken = set(taken)
    if feature_id in taken:
        raise UsageError(f"--id {feature_id}: that feature already exists (docs/features/{feature_id})")
    number = number_of(feature_id)
    owner = next((name for name in sorted(taken) if number is not None and number_of(name) == number), None)
    if owner:
        raise UsageError(f"--id {feature_id}: number {number:03d} is already used by {owner}")
