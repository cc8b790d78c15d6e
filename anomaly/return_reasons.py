"""Free-text return reasons grouped into patterns an operations team can read: TF-IDF over the
texts, NMF into topics, each text given its strongest topic and each topic named by its top
words ("broken / arrived / damaged")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

NAME_WORDS = 3


@dataclass(frozen=True)
class ReasonPatterns:
    labels: np.ndarray  # per text, its pattern; -1 for a text with no known word
    names: list[str]  # per pattern, its top words
    sizes: list[int]  # per pattern, how many texts


def reason_patterns(texts: Sequence[str], patterns: int = 8, seed: int = 0) -> ReasonPatterns:
    """Deterministic for the same texts, pattern count and seed."""
    if patterns < 1:
        raise ValueError("patterns must be at least 1")
    vectoriser = TfidfVectorizer(stop_words="english", min_df=2, ngram_range=(1, 2))
    try:
        weights = vectoriser.fit_transform(texts)
    except ValueError:  # no word occurs twice: nothing to group
        return ReasonPatterns(np.full(len(texts), -1), [], [])
    topics = min(patterns, weights.shape[0], weights.shape[1])
    model = NMF(n_components=topics, init="nndsvda", random_state=seed, max_iter=500)
    loadings = model.fit_transform(weights)
    labels = np.where(loadings.max(axis=1) > 0, loadings.argmax(axis=1), -1)
    words = vectoriser.get_feature_names_out()
    names = [
        " / ".join(words[i] for i in np.argsort(component)[::-1][:NAME_WORDS])
        for component in model.components_
    ]
    sizes = [int((labels == k).sum()) for k in range(topics)]
    return ReasonPatterns(labels, names, sizes)
