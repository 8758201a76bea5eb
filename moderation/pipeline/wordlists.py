"""French-aware word and phrase lists: compile once per list version, find in any comment.

A list is a set of :class:`WordEntry` (term, action, language, scope). :func:`compile_wordlist`
turns it into one regular expression over the *folded* text (see ``folding``): a trie of
the entries, so the engine walks the comment once whatever the size of the list, and
:meth:`CompiledWordList.find` returns :class:`Match` objects whose spans are offsets in the
*original* text.

What an entry matches, with "connard" as the example:

* case, accents, ligatures, look-alike letters and leetspeak are folded away ("CONNARD",
  "сonnard" with a Cyrillic "с", "c0nn4rd"; "1" may stand for "i" or "l");
* each letter may be repeated ("connnnnard"), but a doubled letter of the entry stays
  required at least twice, so French double letters keep their meaning;
* a plural "s" may follow ("connards");
* the entry must be a whole word: no match inside "Scunthorpe", "députés" or "conseil".
  An apostrophe ends a word, so elisions match ("l'enfoiré", "d'connard"); a middot
  does not, so inclusive writing ("lecteur·rice·s", and with "." or "-" before a known
  suffix) stays one word, and an entry "lecteurs" matches it too;
* single letters spaced out with one separator ("c.o.n.n.a.r.d", "c o n n a r d");
* phrases match across any run of spaces or hyphens ("va  te-faire"), and their small
  elidable words either way ("fils de pute", "fils d'pute").

The seed lists ``SEED_FR`` and ``SEED_EN`` live in ``wordlist_seeds`` and are re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from functools import lru_cache

from moderation.pipeline.folding import Folded
from moderation.pipeline.folding import fold
from moderation.pipeline.types import ACTION_STRENGTH
from moderation.pipeline.types import MAX_TERM_LENGTH
from moderation.pipeline.types import Match
from moderation.pipeline.types import WordAction
from moderation.pipeline.types import WordEntry
from moderation.pipeline.wordlist_seeds import SEED_EN
from moderation.pipeline.wordlist_seeds import SEED_FR
from moderation.pipeline.wordlist_seeds import SEED_VERSION

__all__ = [
    "ACTION_STRENGTH",
    "SEED_EN",
    "SEED_FR",
    "SEED_VERSION",
    "CompiledWordList",
    "Match",
    "WordAction",
    "WordEntry",
    "compile_wordlist",
]


# --- Compiling --------------------------------------------------------------------------------

_WORD = r"[^\W_]"  # a letter or a digit: what a word is made of
_GAP = r"[\s\-_]++"
#: Suffixes of inclusive writing after "." or "-" ("lecteur.rice.s", "ami-e-s"). After a
#: middot any segment counts, since a middot never separates two words in French.
_SUFFIXES = (
    "e|es|s|x|rice|rices|trice|trices|euse|euses|ice|ices|ne|nes|le|les|ale|ales|ere|eres"
    "|ive|ives|fe|fes|te|tes|sse|sses|eur|eurs|eure|eures|ienne|iennes"
)
_BEFORE = rf"(?<!{_WORD})(?<!{_WORD}·)"
_AFTER = rf"s*+(?!{_WORD})(?!·{_WORD})(?![.\-](?:{_SUFFIXES})(?!{_WORD}))"
#: "1" reads as "i" or "l", so entries accept it in place of either.
_LETTER_CLASS = {"i": "[i1]", "l": "[l1]"}
#: Small words a phrase may elide before a vowel: written form -> elided form.
_ELIDABLE = {
    "de": "d", "le": "l", "la": "l", "je": "j", "me": "m", "te": "t", "se": "s", "ne": "n",
    "ce": "c", "que": "qu",
}  # fmt: skip
_ELIDED_PATTERN = {
    "d": "d++e++", "l": "l++(?:e++|a++)", "j": "j++e++", "m": "m++e++", "t": "t++e++",
    "s": "s++e++", "n": "n++e++", "c": "c++e++", "qu": "q++u++e++",
}  # fmt: skip
_TOKEN = re.compile(r"([^\W\d_])\1*|'|[\s\-_]+|.", re.DOTALL)

# An atom is one step of an entry: ("r", letter, count) a run of a letter, ("g", "", 0) a
# gap between words, ("e", short, 0) an elidable word and its gap, ("'", "", 0) an
# apostrophe, ("c", char, 0) any other character, taken literally.
_Atom = tuple[str, str, int]


def _words(folded: str) -> list[list[_Atom]]:
    words: list[list[_Atom]] = [[]]
    for token in _TOKEN.finditer(folded):
        text = token.group()
        if token.group(1):
            words[-1].append(("r", text[0], len(text)))
        elif text == "'":
            words[-1].append(("'", "", 0))
        elif not text.strip(" \t\n\r\f\v-_"):
            words.append([])
        else:
            words[-1].append(("c", text, 0))
    return [word for word in words if word]


def _spelled(atoms: list[_Atom]) -> str | None:
    """The letters of ``atoms`` if they are only letters, else ``None``."""
    if any(kind != "r" for kind, _, _ in atoms):
        return None
    return "".join(letter * count for _, letter, count in atoms)


def _atoms(term: str) -> tuple[_Atom, ...]:
    """The steps of an entry, with the small elidable words of phrases made flexible."""
    words = _words(fold(term.strip()).text)
    atoms: list[_Atom] = []
    for index, word in enumerate(words):
        last = index == len(words) - 1
        spelled = _spelled(word)
        if not last and spelled in _ELIDABLE:
            atoms.append(("e", _ELIDABLE[spelled], 0))  # "de" also matches "d'"
            continue
        if ("'", "", 0) in word:
            cut = word.index(("'", "", 0))
            head, tail = word[:cut], word[cut + 1 :]
            if _spelled(head) in _ELIDED_PATTERN and (tail or not last):
                atoms.append(("e", str(_spelled(head)), 0))  # "d'" also matches "de"
                if not tail:
                    continue
                word = tail
        atoms.extend(word)
        if not last:
            atoms.append(("g", "", 0))
    return tuple(atoms)


def _atom_pattern(atom: _Atom, opens_branch: bool) -> str:
    kind, value, count = atom
    if kind == "r":
        letter = _LETTER_CLASS.get(value, re.escape(value))
        # Possessive runs ("*+", "++"): the next step of an entry is never the same letter,
        # so giving characters back cannot help, and refusing to keeps the scan linear on
        # hostile input ("1111..." is both "i" and "l"; "conssss...x").
        if opens_branch or count > 1:
            # "cc*+" rather than "c++": a branch that opens with a literal is skipped by
            # the engine with one comparison, which halves the cost of walking the trie.
            return letter * count + letter + "*+"
        return letter + "++"  # shorter: the pattern compiles faster
    if kind == "g":
        return _GAP
    if kind == "e":
        return rf"(?:{_ELIDED_PATTERN[value]}{_GAP}|{value}'\s*+)"
    if kind == "'":
        return r"'\s*+"
    return re.escape(value)


def _atom_order(atom: _Atom) -> tuple[str, str, int]:
    # Higher counts first: "connard" (n{2,}) is tried before "conard" (n+) would be.
    return (atom[0], atom[1], -atom[2])


@dataclass(slots=True)
class _Node:
    children: dict[_Atom, _Node] = field(default_factory=dict)
    terminal: int | None = None


def _trie_source(root: _Node) -> tuple[str, list[int]]:
    """The regex for the trie, and the terminal index of each capturing group, in order.

    Each terminal is an empty capturing group, placed after the node's longer
    continuations: ``Match.lastindex`` then names the entry that matched, and the greedy
    engine prefers the longest phrase ("va te faire foutre" over "va te faire").
    Recursion depth is bounded by the longest entry (``MAX_TERM_LENGTH``).
    """
    parts: list[str] = []
    groups: list[int] = []

    def emit(node: _Node) -> None:
        children = sorted(node.children.items(), key=lambda item: _atom_order(item[0]))
        wrap = len(children) + (node.terminal is not None) > 1
        if wrap:
            parts.append("(?:")
        for index, (atom, child) in enumerate(children):
            if index:
                parts.append("|")
            parts.append(_atom_pattern(atom, wrap))
            emit(child)
        if node.terminal is not None:
            if children:
                parts.append("|")
            parts.append("()")
            groups.append(node.terminal)
        if wrap:
            parts.append(")")

    emit(root)
    return "".join(parts), groups


@dataclass(frozen=True, slots=True)
class CompiledWordList:
    """A word list ready to search; build it with :func:`compile_wordlist`, keep it per
    ``version`` (compiling 5,000 entries takes a fraction of a second)."""

    version: str
    entries: tuple[WordEntry, ...]
    bounded: re.Pattern[str] | None
    trie: str
    by_group: tuple[tuple[WordEntry, ...], ...]

    def find(
        self,
        text: str,
        *,
        language: str | None = None,
        site_key: str | None = None,
        article_key: str | None = None,
    ) -> list[Match]:
        """Every occurrence of an entry in force for this language, site and article."""
        if self.bounded is None or not text:
            return []
        folded = fold(text)
        scope = (language, site_key, article_key)
        found: dict[tuple[int, int, str, WordAction], Match] = {}
        for match in self.bounded.finditer(folded.text):
            self._collect(found, folded, match, match.start(), match.end(), scope)
        for start, end, variant in _inclusive_variants(folded.text):
            hit = self.bounded.fullmatch(variant)
            if hit is not None:
                self._collect(found, folded, hit, start, end, scope)
        for positions in _spaced_runs(folded.text):
            letters = "".join(folded.text[p] for p in positions)
            for hit in _loose(self.trie).finditer(letters):
                start, end = positions[hit.start()], positions[hit.end() - 1] + 1
                self._collect(found, folded, hit, start, end, scope)
        return sorted(found.values(), key=lambda m: (m.span.start, ACTION_STRENGTH[m.action]))

    def _collect(
        self,
        found: dict[tuple[int, int, str, WordAction], Match],
        folded: Folded,
        hit: re.Match[str],
        start: int,
        end: int,
        scope: tuple[str | None, str | None, str | None],
    ) -> None:
        if hit.lastindex is None:
            return
        span = folded.span(start, end)
        matched = folded.original[span.start : span.end]
        # "455" folds to "ass": a match needs at least one real letter to count.
        if not any(c.isalpha() for c in matched):
            return
        for entry in self.by_group[hit.lastindex - 1]:
            if entry.applies(*scope):
                key = (span.start, span.end, entry.term, entry.action)
                found.setdefault(
                    key, Match(entry.term, entry.action, span, matched, entry.language)
                )


def compile_wordlist(entries: Iterable[WordEntry], version: str) -> CompiledWordList:
    """Compile a list into one trie-shaped regex (once per list version)."""
    entries = tuple(entries)
    root = _Node()
    terminals: list[list[WordEntry]] = []
    for entry in entries:
        node = root
        for atom in _atoms(entry.term):
            node = node.children.setdefault(atom, _Node())
        if node is root:
            continue
        if node.terminal is None:
            node.terminal = len(terminals)
            terminals.append([])
        terminals[node.terminal].append(entry)
    if not terminals:
        return CompiledWordList(version, entries, None, "", ())
    trie, groups = _trie_source(root)
    by_group = tuple(tuple(terminals[t]) for t in groups)
    bounded = re.compile(f"{_BEFORE}(?:{trie}){_AFTER}")
    return CompiledWordList(version, entries, bounded, trie, by_group)


@lru_cache(maxsize=8)
def _loose(trie: str) -> re.Pattern[str]:
    """The trie without word boundaries, for letters spaced out one by one ("c o n").

    Compiled on the first spaced-out comment only: it doubles the compilation time and
    most lists never need it. Its groups are numbered like the bounded pattern's.
    """
    return re.compile(f"(?:{trie})s*+")


# --- Alternative readings of a text: inclusive writing and spaced-out letters ------------

# Each pattern starts with a character class, so the engine skips ahead without trying
# every position: these passes cost little on the many comments that need none of them.
_INCLUSIVE_SEPARATOR = re.compile(rf"[·.\-](?<={_WORD}[·.\-])(?={_WORD})")
_INCLUSIVE_TAIL = re.compile(rf"(?:·{_WORD}++)++|(?:[.\-](?:{_SUFFIXES}))+(?!{_WORD})")
_STEM = re.compile(rf"(?<!{_WORD}){_WORD}++\Z")
_SPACED = re.compile(rf"(?<!{_WORD}){_WORD}([ .\-_*·+~/|])(?:{_WORD}\1)+{_WORD}(?!{_WORD})")
_MAX_SPACED_RUN = 200  # a spaced-out insult is short; a run longer than this is not one


def _inclusive_variants(text: str) -> list[tuple[int, int, str]]:
    """For each inclusive-writing word, its stem and its plain plural as alternatives.

    "lecteur·rice·s" -> "lecteur" and "lecteurs", both mapped to the whole word, so the
    entries "lecteur" and "lecteurs" match it while "rice" never does.
    """
    variants: list[tuple[int, int, str]] = []
    done = 0
    for separator in _INCLUSIVE_SEPARATOR.finditer(text):
        at = separator.start()
        if at < done:
            continue  # a later separator of a word already read
        tail = _INCLUSIVE_TAIL.match(text, at)
        if tail is None:
            continue
        stem = _STEM.search(text, max(0, at - MAX_TERM_LENGTH), at)
        if stem is None:
            continue
        done = tail.end()
        variants.append((stem.start(), tail.end(), stem.group()))
        if tail.group().endswith(("s", "x")):
            variants.append((stem.start(), tail.end(), stem.group() + "s"))
    return variants


def _spaced_runs(text: str) -> list[list[int]]:
    """Positions of the letters of each run of single characters with one separator."""
    runs = []
    for match in _SPACED.finditer(text):
        if match.end() - match.start() <= _MAX_SPACED_RUN:
            runs.append(list(range(match.start(), match.end(), 2)))
    return runs
