"""The implementation-log summary: what agents read instead of every raw log.

Agents are told to read `implementation-log-summary.json`, not the logs, so its size is a cost
paid in every session. It is rebuilt from the logs within a budget:

- at most BUDGET_BYTES for the whole file (about 4,000 tokens);
- per feature, at most the highlights the schema allows (`maxItems`), each cut to its `maxLength`;
- features with the newest work first; a feature with no entries is left out (it is listed in
  `feature-log.json`), and the oldest features are left out when the budget runs short;
- within a feature, discoveries and `essential` entries first, then `contextual`, then `optional`,
  newest first within each;
- the budget is shared round by round: every feature that fits gets its best highlight before
  any gets a second, so one busy feature cannot crowd out the others.

The same logs always give the same file (no generation timestamp), so regenerating it makes no
diff when nothing changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

BUDGET_BYTES = 16_000
SUMMARY_SCHEMA_POINTER = "schemas/implementation-log-summary.schema.json"
DISCOVER = "DISCOVER"
LEVEL_RANK = {"essential": 0, "contextual": 1, "optional": 2}


@dataclass(frozen=True)
class Limits:
    highlights: int  # per feature
    length: int  # characters per highlight
    budget: int = BUDGET_BYTES


@dataclass
class FeatureDigest:
    feature_id: str
    entries: int
    updated_at: str
    ranked: list[str]  # every highlight, best first
    chosen: int = 0  # how many of `ranked` made it into the budget

    def record(self) -> dict[str, Any]:
        return {
            "feature_id": self.feature_id,
            "entries": self.entries,
            "updated_at": self.updated_at,
            "highlights": self.ranked[: self.chosen],
        }


def rank(entry: dict) -> int:
    """Discoveries rank with essential changes: they are what the next agent cannot read in the code."""
    if entry.get("kind") == DISCOVER:
        return 0
    return LEVEL_RANK.get(entry.get("level", ""), len(LEVEL_RANK))


def highlight(entry: dict, length: int) -> str:
    files = entry.get("files") or []
    text = f"{entry['timestamp'][:10]} {entry['kind']}: {entry['summary']}" + (f" Files: {', '.join(files)}." if files else "")
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def digest(feature_id: str, log: dict, limits: Limits) -> FeatureDigest | None:
    entries = log.get("entries") or []
    if not entries:
        return None
    # Newest first (ISO timestamps sort as text; equal ones by their order in the log), then by rank.
    newest_first = sorted(enumerate(entries), key=lambda pair: (pair[1]["timestamp"], pair[0]), reverse=True)
    best_first = sorted(newest_first, key=lambda pair: rank(pair[1]))
    ranked = [highlight(entry, limits.length) for _, entry in best_first[: limits.highlights]]
    return FeatureDigest(feature_id, len(entries), max(entry["timestamp"] for entry in entries), ranked)


def build_summary(logs: dict[str, dict], limits: Limits) -> dict[str, Any]:
    """The summary document for `logs` (feature id -> implementation log), within `limits`."""
    digests = [d for feature_id, log in logs.items() if (d := digest(feature_id, log, limits))]
    digests.sort(key=lambda d: (d.updated_at, d.feature_id), reverse=True)
    included: list[FeatureDigest] = []
    for candidate in digests:  # round 0: a feature joins only with its best highlight
        candidate.chosen = 1
        if _size(included + [candidate]) > limits.budget:
            candidate.chosen = 0
            break
        included.append(candidate)
    for round_number in range(1, limits.highlights):
        for feature in included:
            if feature.chosen == round_number and round_number < len(feature.ranked):
                feature.chosen += 1
                if _size(included) > limits.budget:
                    feature.chosen -= 1
    return _document(included)


def _document(included: list[FeatureDigest]) -> dict[str, Any]:
    return {"$schema": SUMMARY_SCHEMA_POINTER, "version": 1, "features": [d.record() for d in included]}


def render(document: dict[str, Any]) -> str:
    """The file's text, exactly as written (the budget is measured on it)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _size(included: list[FeatureDigest]) -> int:
    return len(render(_document(included)).encode("utf-8"))
