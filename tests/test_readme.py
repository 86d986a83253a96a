"""README.md is also the package's page on PyPI, read away from the repository.

There a relative link (``docs/graph.md``, ``examples/basic``) resolves against pypi.org and
breaks, so the README links only to absolute URLs and to its own headings; files of the
repository (and of the sdist) are named as code, not linked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[`~]*[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_HTML = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _prose(markdown: str) -> str:
    """The text with fenced code blocks and code spans blanked, line numbers kept."""
    return _CODE_SPAN.sub(_blank, _FENCE.sub(_blank, markdown))


def link_targets(markdown: str) -> list[tuple[int, str]]:
    """``(line, target)`` of every inline link or image, reference definition and HTML href/src."""
    prose = _prose(markdown)
    found = [
        (prose.count("\n", 0, match.start(1)) + 1, match.group(1))
        for pattern in (_INLINE, _DEFINITION, _HTML)
        for match in pattern.finditer(prose)
    ]
    return sorted(found)


def is_relative_file_link(target: str) -> bool:
    """A target that names a file beside the README: no scheme, not ``//host``, not ``#anchor``."""
    return not (_SCHEME.match(target) or target.startswith(("//", "#")))


def heading_anchors(markdown: str) -> set[str]:
    """The ids GitHub gives the README's headings: lower case, punctuation dropped, spaces to ``-``."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", _FENCE.sub("", markdown), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
        base, n = slug, 1
        while slug in anchors:
            slug, n = f"{base}-{n}", n + 1
        anchors.add(slug)
    return anchors


@pytest.mark.parametrize(
    "markdown, targets",
    [
        pytest.param("see [the facts](docs/graph.md).", ["docs/graph.md"], id="file link, broken on PyPI"),
        pytest.param("[`examples/basic`](examples/basic)", ["examples/basic"], id="code-formatted link text"),
        pytest.param("![diagram](./img/flow.png)", ["./img/flow.png"], id="image"),
        pytest.param('[docs](../docs/graph.md "title")', ["../docs/graph.md"], id="with a title"),
        pytest.param("[docs][g]\n\n[g]: docs/graph.md", ["docs/graph.md"], id="reference definition"),
        pytest.param('<a href="benchmarks/README.md">runs</a>', ["benchmarks/README.md"], id="html"),
        pytest.param("[Graph](https://learn.microsoft.com/)", ["https://learn.microsoft.com/"], id="absolute"),
        pytest.param("see [Authentication](#authentication)", ["#authentication"], id="anchor"),
        pytest.param("`[x](docs/graph.md)` and\n```\n[y](examples/basic)\n```\n", [], id="inside code"),
    ],
)
def test_link_targets_finds_every_kind_of_markdown_link(markdown, targets):
    assert [target for _, target in link_targets(markdown)] == targets


@pytest.mark.parametrize(
    "target, relative",
    [
        ("docs/graph.md", True),
        ("./examples/basic", True),
        ("/docs/graph.md", True),  # root-relative: pypi.org/docs/graph.md
        ("#authentication", False),
        ("https://learn.microsoft.com/graph", False),
        ("mailto:someone@example.com", False),
        ("//example.com/x", False),
    ],
)
def test_is_relative_file_link(target, relative):
    assert is_relative_file_link(target) is relative


def test_readme_has_no_relative_file_links_that_break_on_pypi():
    markdown = README.read_text(encoding="utf-8")
    broken = [f"line {line}: {target}" for line, target in link_targets(markdown) if is_relative_file_link(target)]
    hint = "relative links break when the README is read on PyPI; name the file as `code` instead:\n"
    assert not broken, hint + "\n".join(broken)


def test_readme_anchors_name_its_own_headings():
    markdown = README.read_text(encoding="utf-8")
    anchors = heading_anchors(markdown)
    missing = [f"line {line}: {target}" for line, target in link_targets(markdown)
               if target.startswith("#") and target[1:] not in anchors]
    assert not missing, "links to headings the README does not have:\n" + "\n".join(missing)
    assert "quick-start-against-the-local-emulator" in anchors


def test_the_quick_start_is_the_command_list_the_real_cli_test_runs():
    """tests/test_cli.py runs these lines in bash, line for line, where the CLI is installed; this check
    runs everywhere, so a README edit cannot leave that test running something else."""
    import quickstart

    assert quickstart.commands() == [line for line, _ in quickstart.STEPS]


DOCS = README.parent / "docs"


def _paragraph(starting: str, page: Path = README) -> str:
    text = page.read_text(encoding="utf-8")
    start = text.index(starting)
    return " ".join(text[start:text.index("\n\n", start)].split())


def test_what_the_docs_say_about_credentials_in_a_preview_is_what_happens(tmp_path):
    """"An unchanged preview needs no credentials; refresh reads one GET per appointment and two per
    meeting during a preview too": run both with the provider host, the preview without a token."""
    from pulumi_virtualappointment import OnlineMeeting, VirtualAppointment
    from pulumi_virtualappointment.testing import Engine, Sandbox, run_program

    claim = _paragraph("`pulumi preview` of an unchanged stack needs no credentials", DOCS / "configuration.md")
    assert "one GET per appointment, two per meeting: the meeting and its join link" in claim

    def program():
        meeting = OnlineMeeting("meeting", external_id="booking-1", subject="Consultation")
        VirtualAppointment("visit", online_meeting_id=meeting.online_meeting_id, external_appointment_id="e")

    with Sandbox(tmp_path) as sandbox:
        sandbox.up(program)
        refreshed = sandbox.refresh(preview=True)
        assert sorted(path.rsplit("/", 1)[-1] for _, path, _ in refreshed.wire) == sorted([
            "getVirtualAppointmentJoinWebUrl", sandbox.state["meeting"]["outputs"]["onlineMeetingId"],
            "virtualAppointment"])
        assert {method for method, _, _ in refreshed.wire} == {"GET"}
        before = len(sandbox.emulator.requests())
        no_token = Engine({"msgraph:endpoint": sandbox.emulator.url}, tmp_path / "state.json")
        run_program(program, no_token, preview=True)
        assert len(sandbox.emulator.requests()) == before
        assert [step.op for step in no_token.steps] == ["same", "same"]


def test_the_readme_names_the_import_limitation_beside_adoption():
    claim = _paragraph("**Adoption is the import path.**")
    assert "pulumi/pulumi#16175" in claim and "`adopt_existing=True`" in claim


def test_every_docs_page_the_readme_names_exists_and_its_own_links_resolve():
    """The README names its reference pages as code (PyPI breaks relative links); each must exist, and
    each page's relative links and anchors must resolve in the repository."""
    markdown = README.read_text(encoding="utf-8")
    named = sorted(set(re.findall(r"`(docs/[a-z-]+\.md)`", markdown)))
    assert {"docs/configuration.md", "docs/emulator.md", "docs/export.md", "docs/graph.md", "docs/performance.md",
            "docs/reliability.md", "docs/resources.md", "docs/testing.md"} <= set(named)
    for page in named:
        path = README.parent / page
        assert path.is_file(), page
        text = path.read_text(encoding="utf-8")
        anchors = heading_anchors(text)
        for line, target in link_targets(text):
            if target.startswith("#"):
                assert target[1:] in anchors, f"{page}:{line}: {target}"
            elif is_relative_file_link(target):
                assert (path.parent / target.split("#")[0]).exists(), f"{page}:{line}: {target}"

