"""Every link of README.md and docs/*.md points to a file of the repository or to a page the portal serves."""

import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def links(document: Path) -> list[str]:
    text = CODE.sub("", FENCE.sub("", document.read_text(encoding="utf-8")))
    return LINK.findall(text)


def broken(document: Path, target: str) -> str | None:
    """Why a link is broken, or None."""
    if re.match(r"^[a-z]+:", target):  # https:, mailto: ... leave the repository
        return None
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path:  # an anchor of the same page
        return None
    if path.startswith("/"):
        try:
            resolve(path)
        except Resolver404:
            return "no page of the portal has this address"
        return None
    file = (document.parent / path).resolve()
    if not file.is_relative_to(ROOT):
        return "outside the repository (a clone does not have it)"
    if not file.exists():
        return "no such file in the repository"
    return None


def test_the_documents_are_there_and_link_to_each_other():
    names = {document.name for document in DOCUMENTS}
    assert {"README.md", "rules.md", "exchange.md", "excel-formats.md", "production.md", "architecture.md"} <= names
    readme = links(ROOT / "README.md")
    for document in DOCUMENTS[1:]:
        assert f"docs/{document.name}" in readme, f"README.md does not link docs/{document.name}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda document: document.name)
def test_every_link_of_a_document_points_to_something(document):
    problems = [(target, why) for target in links(document) if (why := broken(document, target))]
    assert problems == []


def test_a_broken_link_is_seen():
    page = ROOT / "docs" / "example.md"
    assert broken(ROOT / "README.md", "../shared/DOMAIN.md") == "outside the repository (a clone does not have it)"
    assert broken(page, "nowhere.md") == "no such file in the repository"
    assert broken(page, "/no-such-page/") == "no page of the portal has this address"
    assert broken(page, "rules.md#the-grade") is None
    assert broken(page, "/results/") is None
    assert links(ROOT / "README.md")  # the parser finds the README's links
