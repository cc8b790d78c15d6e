"""Return reasons fall into patterns named by their words, the same way every time."""

from __future__ import annotations

import random

import pytest

from anomaly.return_reasons import reason_patterns

THEMES = {
    "size": ["too small", "size too small", "runs small, too small", "smaller than the size chart"],
    "broken": [
        "arrived broken",
        "broken glass, arrived damaged",
        "damaged box, broken",
        "broken on arrival",
    ],
    "mind": [
        "changed my mind",
        "changed mind, not needed",
        "no longer needed",
        "changed my mind sorry",
    ],
}


def _texts(seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    themes = [rng.choice(list(THEMES)) for _ in range(150)]
    return [rng.choice(THEMES[t]) for t in themes], themes


def test_texts_of_one_theme_share_a_pattern_named_by_its_words() -> None:
    texts, themes = _texts(1)
    found = reason_patterns(texts, patterns=3)
    assert sorted(found.sizes, reverse=True)[0] < len(texts), "more than one pattern"
    for theme, word in (("size", "small"), ("broken", "broken"), ("mind", "changed")):
        labels = {found.labels[i] for i, t in enumerate(themes) if t == theme}
        assert len(labels) == 1, f"{theme} texts share one pattern"
        assert word in found.names[labels.pop()]


def test_the_same_texts_give_the_same_patterns_and_no_repeated_word_gives_none() -> None:
    texts, _ = _texts(2)
    first, again = reason_patterns(texts, 3), reason_patterns(texts, 3)
    assert (first.labels == again.labels).all() and first.names == again.names
    lone = reason_patterns(["one", "two", "three"])
    assert lone.names == [] and list(lone.labels) == [-1, -1, -1]
    with pytest.raises(ValueError):
        reason_patterns(texts, 0)
