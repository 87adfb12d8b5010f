"""The front door: a short README whose links, and those of docs/, lead somewhere."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(page):
    """GitHub's anchors of a markdown page's headings."""
    found = set()
    for heading in re.findall(r"(?m)^#+ (.+)$", page.read_text()):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_lead_to_files_and_headings(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"^[a-z]+://", target) or target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(target)
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(target)
    assert not broken, f"{page.name}: links that lead nowhere: {broken}"


def test_the_readme_reads_in_five_minutes_and_names_every_doc():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) < 200
    for doc in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{doc.name}" in text, f"README does not link {doc.name}"


def test_the_readme_shows_figures_of_synthetic_runs_only_and_small():
    text = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text)
    assert images, "the README shows no figure"
    committed = sorted((ROOT / "docs" / "figures").glob("*"))
    for path in committed:
        # drawn by docs/make_figures.py from a synthetic run; never CelebA (it may not be shared)
        assert path.suffix == ".png" and path.stat().st_size < 200_000, path.name
        assert f"docs/figures/{path.name}" in text, f"{path.name} is committed but not shown"
    assert {f"docs/figures/{p.name}" for p in committed} >= set(images)
