"""Every document the code and the docs point to is in the repository, with the section cited.

A comment that cites ``docs/metrics.md "Retention"`` is only useful if docs/metrics.md exists and
has a section called Retention. These tests read every text file of the package and README.md
for ``docs/<name>.md`` references (with an optional ``#anchor`` or a quoted section name), and
every Markdown page for its relative links, and check each against the files and their headings.
They also keep out the bare names of documents that once lived outside the repository
(``metrics.md``, ``data-contract.md``, ``results-contract.md``): a reference is a ``docs/`` path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "cxroi"
DOCS = ROOT / "docs"
TEXT_SUFFIXES = frozenset({".py", ".toml", ".j2", ".json", ".md", ".txt", ".html", ".css"})

# docs/<path>.md, optionally #anchor, optionally followed by a quoted section name:
# docs/metrics.md#value · docs/metrics.md "Retention" · (docs/methods.md, "Customer-clustered")
DOC_REFERENCE = re.compile(
    r"docs/(?P<path>[\w./-]+?\.md)(?:#(?P<anchor>[\w-]+))?"
    r"(?:,?\s\(?(?P<quote>[\"'])(?P<section>[^\"'\n]+)(?P=quote))?"
)
# a bare name of a document that is not in the repository (not preceded by a path)
BARE_NAME = re.compile(r"(?<![\w/.-])(?:metrics|data-contract|results-contract)\.md\b")
# [text](target) in Markdown, for relative targets
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def package_files() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES
    )


def cited_in(paths: list[Path]) -> Iterator[tuple[str, re.Match[str]]]:
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in DOC_REFERENCE.finditer(line):
                yield f"{path.relative_to(ROOT)}:{number}", match


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@cache
def headings(path: Path) -> tuple[str, ...]:
    """The headings of a Markdown file (outside fenced code blocks), as written."""
    out: list[str] = []
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            out.append(line.lstrip("#").strip())
    return tuple(out)


@cache
def anchors(path: Path) -> frozenset[str]:
    """Every anchor of a Markdown file, with GitHub's -1, -2 … for repeated headings."""
    seen: dict[str, int] = {}
    out = set()
    for heading in headings(path):
        base = slug(heading)
        count = seen.get(base, 0)
        out.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return frozenset(out)


def has_section(path: Path, name: str) -> bool:
    """A heading that is ``name``, or starts with it (``Customer-clustered intervals (95%)``)."""
    wanted = name.strip().lower()
    for heading in headings(path):
        plain = heading.replace("`", "").lower()
        if plain == wanted or re.match(re.escape(wanted) + r"\b", plain):
            return True
    return False


def reference_problems(where: str, match: re.Match[str]) -> list[str]:
    target = DOCS / match["path"]
    if not target.is_file():
        return [f"{where}: docs/{match['path']} does not exist"]
    problems = []
    if match["anchor"] and match["anchor"] not in anchors(target):
        problems.append(f"{where}: docs/{match['path']} has no section #{match['anchor']}")
    if match["section"] and not has_section(target, match["section"]):
        problems.append(f"{where}: docs/{match['path']} has no section {match['section']!r}")
    return problems


def test_the_slug_follows_github() -> None:
    assert slug("Adjusted delta, all customers (ATE)") == "adjusted-delta-all-customers-ate"
    assert slug("Customer-clustered intervals (95%)") == "customer-clustered-intervals-95"
    assert slug("Outside results.json: the vendor audit") == "outside-resultsjson-the-vendor-audit"
    assert slug("3. Lead-lag (`agents.lead_lag`, `agents.lead_lag_by_metric`)") == (
        "3-lead-lag-agentslead_lag-agentslead_lag_by_metric"
    )


def test_the_reference_pattern_reads_paths_anchors_and_section_names() -> None:
    def parts(text: str) -> tuple[str | None, ...]:
        m = DOC_REFERENCE.search(text)
        assert m is not None
        return m["path"], m["anchor"], m["section"]

    assert parts("(docs/metrics.md#alerts). Each") == ("metrics.md", "alerts", None)
    assert parts('docs/metrics.md "Retention" names') == ("metrics.md", None, "Retention")
    assert parts('(docs/methods.md, "Customer-clustered intervals"):') == (
        "methods.md",
        None,
        "Customer-clustered intervals",
    )
    assert parts("(see docs/metric-stack.md, 'Paths')") == ("metric-stack.md", None, "Paths")
    assert parts("docs/metrics.md's definition") == ("metrics.md", None, None)
    assert BARE_NAME.search("as metrics.md defines it") is not None
    assert BARE_NAME.search("as docs/metrics.md defines it") is None
    assert BARE_NAME.search("see results-contract.md") is not None


def test_every_docs_reference_in_the_package_and_readme_exists() -> None:
    files = [*package_files(), ROOT / "README.md"]
    refs = list(cited_in(files))
    problems = [p for where, match in refs for p in reference_problems(where, match)]
    assert refs, "no docs/ reference found: the pattern or the file list is wrong"
    assert not problems, "\n".join(problems)


def test_no_bare_names_of_documents_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in package_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BARE_NAME.search(line)
    ]
    assert not found, "cite docs/<name>.md instead:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "page", [*sorted(DOCS.glob("*.md")), ROOT / "README.md"], ids=lambda p: p.name
)
def test_relative_links_of_a_page_resolve(page: Path) -> None:
    problems = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        for match in MARKDOWN_LINK.finditer(line):
            target = match["target"]
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            linked = (page.parent / file_part).resolve() if file_part else page
            where = f"{page.relative_to(ROOT)}:{number}"
            if not linked.exists():
                problems.append(f"{where}: {file_part} does not exist")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                problems.append(f"{where}: {file_part or page.name} has no section #{anchor}")
    assert not problems, "\n".join(problems)


def test_the_metric_definitions_name_the_sections_the_code_cites() -> None:
    # the sections code and other pages cite by name, spelt as they cite them
    cited = ("Resolution and effort", "Surveys", "Retention", "Value", "Revenue protected",
             "Containment", "Agents", "Alerts")
    missing = [name for name in cited if not has_section(DOCS / "metrics.md", name)]
    assert not missing, missing
