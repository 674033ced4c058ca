"""Finding a company by the name a bank wrote: misspelt, abbreviated, ASCII-flattened, cut short.

Names are compared on their distinctive words (``text.read_name``) weighted by rarity across the
directory (IDF): "ÖZTÜRK" tells more than "İNŞAAT". Candidates are gathered through a word index
— a typo through the one-deletion neighbourhood of each word, an abbreviation (``TUR.``) or a
cut-off last word by prefix — so a search touches a few names, never all 50,000.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

from .text import NameText, read_name

_TYPO_SIMILARITY = 0.85
_PREFIX_SIMILARITY = 0.9
_MIN_TYPO_LENGTH = 4
_MIN_PREFIX_LENGTH = 3
_MAX_PREFIX_EXPANSION = 30
_GATHER_BUDGET = 500
"""Postings read per search to gather candidates (all words still count in the score)."""
_SHORTLIST = 12
_OTHER_FORM = 0.85
"""A Ltd. is not the A.Ş. of the same name: twins often differ only there."""
_UNKNOWN_WORD = 0.5
"""Weight, relative to the directory's mean, of a name word no directory name has."""


@dataclass(frozen=True, slots=True)
class NameHit:
    party: int
    """Index of the party in the list the index was built from."""
    score: float
    """0..1: how well the bank's name fits this party's name."""
    name: str
    """The party's name (or alias) that matched."""


@dataclass(frozen=True, slots=True)
class _Entry:
    party: int
    name: str
    words: tuple[str, ...]
    form: str


class NameIndex:
    def __init__(self, names: Iterable[tuple[int, str]]):
        self._entries: list[_Entry] = []
        postings: dict[str, list[int]] = defaultdict(list)
        abbreviations: set[str] = set()
        for party, name in names:
            read = read_name(name)
            core = tuple(dict.fromkeys(t.word for t in read.tokens))
            if not core:
                continue
            abbreviations.update(t.word for t in read.tokens if t.abbreviated)
            entry_id = len(self._entries)
            self._entries.append(_Entry(party, name, core, read.form))
            for word in core:
                postings[word].append(entry_id)
        self._postings = dict(postings)
        self._abbreviations = frozenset(abbreviations)
        total = max(len(self._entries), 1)
        self._idf = {w: math.log(1 + total / len(ids)) for w, ids in self._postings.items()}
        mean = sum(self._idf.values()) / len(self._idf) if self._idf else 1.0
        self._unknown_weight = _UNKNOWN_WORD * mean
        self._vocabulary = sorted(self._postings)
        self._deletions: dict[str, list[str]] = defaultdict(list)
        for word in self._vocabulary:
            if len(word) >= _MIN_TYPO_LENGTH:
                for variant in _one_deletions(word):
                    self._deletions[variant].append(word)

    def search(self, text: str, *, limit: int = 5, strict: bool = True) -> list[NameHit]:
        """The parties whose name best fits ``text``. ``strict`` for a bank's name field, where a
        word no directory name has counts against a match; a whole description (``strict=False``)
        is full of such words, so there they are ignored."""
        read = read_name(text)
        if not read.tokens:
            return []
        resolved = [self._resolve(read, i) for i in range(len(read.tokens))]
        hits: dict[int, NameHit] = {}
        for entry_id in self._gather(resolved):
            entry = self._entries[entry_id]
            score = self._score(entry, resolved, read.complete, strict)
            if read.form and entry.form and read.form != entry.form:
                score *= _OTHER_FORM
            best = hits.get(entry.party)
            if best is None or score > best.score:
                hits[entry.party] = NameHit(entry.party, round(score, 4), entry.name)
        return sorted(hits.values(), key=lambda h: -h.score)[:limit]

    def _resolve(self, read: NameText, position: int) -> dict[str, float]:
        """The directory words the token may stand for, with how much each is worth: itself; a
        word one typo away; for an abbreviation or a cut-off last word, the words it begins; a
        directory abbreviation that begins it."""
        token = read.tokens[position]
        word = token.word
        options: dict[str, float] = {}
        if word in self._postings:
            options[word] = 1.0
        elif len(word) >= _MIN_TYPO_LENGTH:
            for variant in (word, *_one_deletions(word)):
                for known in self._deletions.get(variant, ()):
                    if DamerauLevenshtein.distance(word, known, score_cutoff=1) <= 1:
                        options[known] = _TYPO_SIMILARITY
        if len(word) < _MIN_PREFIX_LENGTH:
            return options
        cut = position == len(read.tokens) - 1 and not read.complete
        if token.abbreviated or cut:
            start = bisect.bisect_left(self._vocabulary, word)
            for known in self._vocabulary[start : start + _MAX_PREFIX_EXPANSION]:
                if not known.startswith(word):
                    break
                options.setdefault(known, _PREFIX_SIMILARITY)
        for end in range(_MIN_PREFIX_LENGTH, len(word)):
            if word[:end] in self._abbreviations:
                options.setdefault(word[:end], _PREFIX_SIMILARITY)
        return options

    def _gather(self, resolved: list[dict[str, float]]) -> list[int]:
        """The names sharing the text's rarest words, best first. Common words ("İNŞAAT") would
        bring thousands of names each; they are read only while the budget lasts."""
        options = sorted(
            ((w, s) for found in resolved for w, s in found.items()),
            key=lambda ws: len(self._postings[ws[0]]),
        )
        weights: dict[int, float] = defaultdict(float)
        budget = _GATHER_BUDGET
        for word, similarity in options:
            postings = self._postings[word]
            if weights and len(postings) > budget:
                break
            budget -= len(postings)
            gain = similarity * self._idf[word]
            for entry_id in postings:
                weights[entry_id] += gain
        return sorted(weights, key=weights.__getitem__, reverse=True)[:_SHORTLIST]

    def _score(
        self, entry: _Entry, resolved: list[dict[str, float]], complete: bool, strict: bool
    ) -> float:
        """F1 of IDF-weighted words: how much of the party's name the text holds (recall), and
        how little of the text is some other name's words (precision)."""
        matched = foreign = 0.0
        last_used = -1
        for options in resolved:
            best, last = 0.0, -1
            for position, word in enumerate(entry.words):
                gain = options.get(word, 0.0) * self._idf[word]
                if gain > best:
                    best, last = gain, position
            if best:
                matched += best
                last_used = max(last_used, last)
            elif options:
                foreign += max(self._idf[w] * s for w, s in options.items())
            elif strict:
                foreign += self._unknown_weight
        if not matched:
            return 0.0
        required = entry.words if complete else entry.words[: last_used + 1]
        recall = matched / sum(self._idf[w] for w in required)
        precision = matched / (matched + foreign)
        return min(1.0, 2 * precision * recall / (precision + recall))


def _one_deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
