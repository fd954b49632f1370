"""Rule-based edits of one premise/hypothesis pair, each with the label it leaves and the rule's name.

Shared by the contrast-set generator (notebook 01, `nbutils contrast`) and augmentation (notebook 04).
Every rule applies only where its guard holds, and returns None otherwise:
    label kept      synonym (WordNet, the word's dominant sense, replaced in both sentences alike),
                    there-insertion, adverb-fronting, coordination-swap (hypothesis rephrasings)
    label changed   negation (insert or remove "not" in the hypothesis: entailment -> contradiction,
                    neutral stays neutral), antonym (a hypothesis adjective's WordNet antonym:
                    entailment -> contradiction). Contradictions are left alone: SNLI's contradictions
                    often rest on the two sentences describing one scene, and negating them gives neutral
                    as often as entailment.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ENTAILMENT, NEUTRAL, CONTRADICTION = 0, 1, 2
NEGATION_FLIP = {ENTAILMENT: CONTRADICTION, NEUTRAL: NEUTRAL}
STOPWORDS = frozenset("a an the is are was were be been being and or but of in on at to for with by from as it its this that "
                      "there their they he she his her him them some two three four several many one not no while during into "
                      "onto over under near around about after before down up out off through across behind very all each "
                      "other another what who which where when how then than also just still front top side back".split())
COLOURS = frozenset("red blue green yellow black white orange pink purple brown gray grey".split())  # shades are not synonyms
FRONTABLE = "outside|outdoors|indoors|inside|together|today|now|tonight|alone"
DETERMINER_START = re.compile(r"^(A|An|The|Two|Three|Four|Some|Several|Many|People|Men|Women|Children)\b")


@dataclass(frozen=True)
class Rewrite:
    """An edited pair: the new texts, the label they carry, and the rule that made them."""

    premise: str
    hypothesis: str
    label: int
    rule: str


def synonym(premise: str, hypothesis: str, label: int, wn, order: list[int] | None = None) -> Rewrite | None:
    """Swap a hypothesis noun or adjective for a WordNet synonym of its dominant sense, in both sentences alike."""
    in_compound = _compound_words(premise, wn) | _compound_words(hypothesis, wn)
    words = [w for w in re.findall(r"[A-Za-z]+", hypothesis) if len(w) > 2 and w.lower() not in STOPWORDS | COLOURS | in_compound]
    for i in order if order is not None else range(len(words)):
        if i >= len(words):
            continue
        word = words[i].lower()
        for pos in ("n", "a"):
            found = dominant_synonym(word, pos, wn)
            if found:
                return Rewrite(_replace_word(premise, word, found), _replace_word(hypothesis, word, found), label,
                               f"synonym:{word}->{found}")
    return None


def _compound_words(text: str, wn) -> set[str]:
    """Words that form a WordNet compound with a neighbour ('middle east'): swapping one breaks the compound."""
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
    return {w for a, b in zip(words, words[1:]) if wn.synsets(f"{a}_{b}") for w in (a, b)}


def dominant_synonym(word: str, pos: str, wn, min_share: float = 0.6, min_count: int = 5, min_synonym_share: float = 0.15) -> str | None:
    """A one-word synonym from the word's most frequent sense, if that sense carries most of the word's uses.

    The synonym must itself be common for that sense (at least min_synonym_share of the word's uses there):
    rare lemmas are often narrower ('red' -> 'crimson') or odd ('group' -> 'grouping').
    """
    if wn.morphy(word, pos) != word or wn._exception_map[pos].get(word) or wn.morphy(word, "v") not in (None, word):
        return None  # inflected forms ('men', 'works', 'selling') would need re-inflecting the synonym
    synsets = wn.synsets(word, pos=pos)
    counts = [sum(l.count() for l in s.lemmas() if l.name().lower() == word) for s in synsets]
    if not synsets or sum(counts) < min_count or counts[0] < min_share * sum(counts):
        return None
    other_pos = sum(l.count() for p in "nvar".replace(pos, "") for s in wn.synsets(word, pos=p) for l in s.lemmas() if l.name().lower() == word)
    if other_pos > sum(counts):
        return None  # mostly used as another part of speech
    options = [l for l in synsets[0].lemmas() if l.name().isalpha() and l.name().islower() and l.name() != word
               and l.count() >= max(3, min_synonym_share * counts[0])]
    return max(options, key=lambda l: l.count()).name() if options else None


def there_insertion(premise: str, hypothesis: str, label: int) -> Rewrite | None:
    """'A dog is running.' -> 'There is a dog running.' (also plural 'Two dogs are ...')."""
    m = re.match(r"^(A|An|Two|Three|Four|Some|Several|Many) (\w+) (is|are) (\w+ing)\b(.*)$", hypothesis)
    if not m or (m.group(3) == "is") != (m.group(1) in ("A", "An")):
        return None
    det, noun, verb, ving, rest = m.groups()
    return Rewrite(premise, f"There {verb} {det.lower()} {noun} {ving}{rest}", label, "there-insertion")


def adverb_fronting(premise: str, hypothesis: str, label: int) -> Rewrite | None:
    """'A man is sleeping outside.' -> 'Outside, a man is sleeping.'"""
    m = re.match(rf"^(.*\S) ({FRONTABLE})([.!]?)$", hypothesis.strip())
    if not m or not DETERMINER_START.match(hypothesis):
        return None
    body, adverb, stop = m.groups()
    return Rewrite(premise, f"{adverb.capitalize()}, {body[0].lower()}{body[1:]}{stop or '.'}", label, "adverb-fronting")


def coordination_swap(premise: str, hypothesis: str, label: int) -> Rewrite | None:
    """'A man and a woman are ...' -> 'A woman and a man are ...' (two one-word noun phrases)."""
    m = re.search(r"\b(a|an|the|A|An|The) (\w+) and (a|an|the) (\w+)\b(?!['’])", hypothesis)
    if not m or m.group(2).lower() == m.group(4).lower() or m.group(4).endswith("ing"):
        return None
    first = f"{m.group(3)} {m.group(4)}"
    first = first[0].upper() + first[1:] if m.start() == 0 else first
    second = f"{m.group(1).lower()} {m.group(2)}"
    return Rewrite(premise, hypothesis[:m.start()] + f"{first} and {second}" + hypothesis[m.end():], label, "coordination-swap")


def negation(premise: str, hypothesis: str, label: int) -> Rewrite | None:
    """Insert 'not' after the hypothesis' first is/are + -ing verb, or remove an existing 'not'."""
    if label not in NEGATION_FLIP:
        return None
    removed, n = re.subn(r"\b(is|are) not\b", r"\1", hypothesis, count=1)
    if n:
        return Rewrite(premise, removed, NEGATION_FLIP[label], "negation-removal")
    if re.search(r"\b(not|no|never|nobody|nothing|none|nowhere)\b|n't\b", hypothesis, flags=re.I):
        return None
    added, n = re.subn(r"\b(is|are) (\w+ing)\b", r"\1 not \2", hypothesis, count=1)
    return Rewrite(premise, added, NEGATION_FLIP[label], "negation-insertion") if n else None


def antonym(premise: str, hypothesis: str, label: int, wn) -> Rewrite | None:
    """Replace an adjective of an entailed hypothesis by its WordNet antonym: the pair becomes a contradiction."""
    if label != ENTAILMENT:
        return None
    for word in re.findall(r"[A-Za-z]+", hypothesis):
        w = word.lower()
        if w in STOPWORDS or wn.morphy(w, "a") != w:
            continue
        synsets = wn.synsets(w, pos="a")
        adj_uses = sum(l.count() for s in synsets for l in s.lemmas() if l.name() == w)
        other = sum(l.count() for p in "nv" for s in wn.synsets(w, pos=p) for l in s.lemmas() if l.name() == w)
        if not synsets or adj_uses < 5 or other > adj_uses:
            continue
        ants = [a.name() for l in synsets[0].lemmas() if l.name() == w for a in l.antonyms() if a.name().isalpha()]
        if ants:
            return Rewrite(premise, _replace_word(hypothesis, w, ants[0]), CONTRADICTION, f"antonym:{w}->{ants[0]}")
    return None


def _replace_word(text: str, word: str, new: str) -> str:
    """Every whole-word occurrence, keeping a capital first letter and fixing a/an before the new word."""
    text = re.sub(rf"\b{re.escape(word)}\b", lambda m: new.capitalize() if m.group(0)[0].isupper() else new, text, flags=re.I)
    article = "an" if new[0].lower() in "aeiou" else "a"
    return re.sub(rf"\b([Aa])n? ({re.escape(new)})\b", lambda m: f"{m.group(1)}{article[1:]} {m.group(2)}", text, flags=re.I)


LABEL_KEEPING_SYNTAX = (there_insertion, adverb_fronting, coordination_swap)
