"""Detect sentences carried over from the source reports: any run of N words shared.

The reports are not in this repository: they live beside it, in ../shared/seeds
(tests/conftest.py: SEEDS). A test that needs them calls `reports(SEEDS)` (or
`copied_runs`, which does): where the folder is absent, as on a fresh clone, the
test is skipped and says why; where it is present but a report is missing,
unreadable or empty, the test fails, so an own-words check can never pass by
comparing against nothing.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

NGRAM = 10
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def reports(seeds_dir: Path, required: list[str] | tuple[str, ...] = ()) -> list[Path]:
    """The report text files, or skip the calling test when the folder is absent.

    `required` names files that must be there (e.g. the registry's reports)."""
    seeds_dir = Path(seeds_dir)
    if not seeds_dir.is_dir():
        pytest.skip(f"needs the source reports, which are not here: {seeds_dir} does not exist "
                    "(they are kept beside the repository in ../shared/seeds, not in it)")
    files = sorted(seeds_dir.glob("*.txt"))
    missing = [name for name in required if not (seeds_dir / name).is_file()]
    if not files or missing:
        pytest.fail(f"{seeds_dir} exists but is not usable: "
                    + (f"missing {', '.join(missing)}" if missing else "it holds no report (*.txt)"))
    return files


def tokens(text: str) -> list[str]:
    # The report files break words across lines with hyphens; join those first.
    text = re.sub(r"-\s*\n\s*", "", text)
    return [w.lower() for w in WORD.findall(text)]


def ngrams(words: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@cache
def _seed_ngrams(files: tuple[Path, ...]) -> frozenset:
    grams: set = set()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AssertionError(f"a source report cannot be read: {path}: {exc}") from exc
        found = ngrams(tokens(text))
        if not found:
            raise AssertionError(f"a source report holds no text to compare with: {path}")
        grams |= found
    return frozenset(grams)


def seed_ngrams(seeds_dir: Path) -> frozenset:
    return _seed_ngrams(tuple(reports(seeds_dir)))


def copied_runs(text: str, seeds_dir: Path) -> list[str]:
    seeds = seed_ngrams(seeds_dir)
    return sorted({" ".join(g) for g in ngrams(tokens(text)) if g in seeds})
