"""The front door: a README that fits on a screen or two, its picture, and every page of docs/ reachable from it."""
from __future__ import annotations

import re

from nbutils.paths import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
DOCS = PROJECT_ROOT / "docs"


def test_the_readme_is_at_most_10_kb_before_its_links():
    text = README.read_text(encoding="utf-8")
    before_links = text[: text.index("\n## More")] if "\n## More" in text else text
    assert len(before_links.encode()) <= 10_240, f"README is {len(before_links.encode()):,} bytes before its links"


def test_the_readme_shows_a_map_made_by_the_workbook_and_says_how():
    text = README.read_text(encoding="utf-8")
    assert "![" in text and "(docs/datamap.png)" in text
    png = (DOCS / "datamap.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert "python -m nbutils run --profile snli-cpu" in text, "the command that made the picture"


def test_every_docs_page_is_linked_from_the_readme_and_every_link_resolves():
    text = README.read_text(encoding="utf-8")
    pages = sorted(p.name for p in DOCS.glob("*.md"))
    assert {"usage.md", "experiment.md", "results.md", "performance.md", "gpu.md", "architecture.md"} <= set(pages)
    for page in pages:
        assert f"(docs/{page}" in text, f"docs/{page} is not linked from the README"
    for source in [README, *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", source.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (source.parent / target).exists(), f"{source.name} links {target}, which does not exist"


def test_the_readme_gives_the_two_commands_first():
    text = README.read_text(encoding="utf-8")
    first_block = text[text.index("```bash"): text.index("```", text.index("```bash") + 7)]
    assert "make run" in first_block and "make test" in first_block
