"""WordNet 3.0 offline: Debian's `wordnet-base` files read through NLTK, or NLTK's own downloaded copy.

Debian ships the database without the `lexnames` file NLTK's reader needs; it is written here from the
lexnames(5WN) manual page that comes with the package, into data/cache/wordnet/ beside a copy of the files
(NLTK refuses to follow links out of its corpus folder).
"""
from __future__ import annotations

import gzip
import re
import shutil
from functools import lru_cache
from pathlib import Path

from ..errors import WorkbookError

DEBIAN_DIR = Path("/usr/share/wordnet")
LEXNAMES_MAN = Path("/usr/share/man/man5/lexnames.5WN.gz")
SYNTACTIC_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
INSTALL_HINT = ("Install it: `apt-get install wordnet-base` (Debian/Ubuntu; `make run` and `make test` do it for you), or with a network "
                "`python -c \"import nltk; nltk.download('wordnet')\"`.")


@lru_cache(maxsize=1)
def load_wordnet():
    """The WordNet reader (cached per process)."""
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class WordNet30(WordNetCorpusReader):
        def map_wn(self, version="wordnet"):  # this is WordNet 3.0 itself: no mapping to load
            return None

    root = _debian_root()
    if root is None:
        try:
            return nltk.corpus.wordnet.ensure_loaded() or nltk.corpus.wordnet
        except LookupError:
            raise WorkbookError(f"WordNet 3.0 is not installed ({DEBIAN_DIR} missing, no NLTK copy). {INSTALL_HINT}") from None
    if str(root) not in nltk.data.path:
        nltk.data.path.insert(0, str(root))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "multilingual functions are not available": not used here
        return WordNet30(str(root), None)


def _debian_root() -> Path | None:
    """data/cache/wordnet/ with the Debian files and a lexnames file; None when Debian's package is absent."""
    if not (DEBIAN_DIR / "data.noun").exists():
        return None
    from ..paths import CACHE_DIR
    root = CACHE_DIR / "wordnet"
    if not (root / "lexnames").exists():
        root.mkdir(parents=True, exist_ok=True)
        for f in DEBIAN_DIR.iterdir():
            if f.is_file():
                shutil.copyfile(f, root / f.name)
        (root / "lexnames.tmp").write_text(lexnames_text())
        (root / "lexnames.tmp").replace(root / "lexnames")
    return root


def lexnames_text(man_page: Path = LEXNAMES_MAN) -> str:
    """The lexnames file (number, name, syntactic category; tab separated) from the lexnames(5WN) manual page."""
    if not man_page.exists():
        raise WorkbookError(f"{man_page} is missing (it comes with wordnet-base). {INSTALL_HINT}")
    lines = [m.groups() for m in re.finditer(r"^(\d\d)\t(\w+)\.(\w+)", gzip.open(man_page, "rt").read(), re.M)]
    if len(lines) != 45 or [int(n) for n, _, _ in lines] != list(range(45)):
        raise WorkbookError(f"{man_page}: expected the 45 lexicographer files numbered 00-44, found {len(lines)}.")
    return "".join(f"{n}\t{pos}.{name}\t{SYNTACTIC_CATEGORY[pos]}\n" for n, pos, name in lines)
