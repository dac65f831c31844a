"""The documentation site renders: no raw markup, math by the KaTeX it ships, no private module.

The site is built once per run (``mkdocs build --strict`` into a temporary folder, as the nox
``docs`` session does) and every HTML page is read: a raw Sphinx role (``:class:`X```), a raw
``\\[`` outside the math elements KaTeX renders, a script or style sheet from another host, or a
private module's object in the API pages fails the test, naming the page. A math page and an
API page are then opened offline in headless Chromium: KaTeX must have turned every math
element into math, with no error.

The docs build needs the ``docs`` extra; KaTeX comes from the npm registry on the first build
(``docs/hooks/katex.py``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|data|mod|obj|exc|const|math|ref):(?:`|<code>)")
MATH_ELEMENT = re.compile(
    r'<(span|div) class="arithmatex">.*?</\1>|<(pre|code)\b[^>]*>.*?</\2>', flags=re.S
)
# reStructuredText directives and footnotes the Markdown renderer would print as they are
RST = re.compile(r"(?:^|>)\s*\.\. (?:[a-z-]+::|\[[^\]]+\])", flags=re.M)
PRIVATE_ID = re.compile(r'id="(privtraffic(?:\.\w+)*\._[A-Za-z]\w*)')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    folder = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stderr[-4000:]}"
    return folder


def _pages(site: Path) -> dict[str, str]:
    pages = {
        p.relative_to(site).as_posix(): p.read_text(encoding="utf-8")
        for p in site.rglob("*.html")
        if "assets" not in p.relative_to(site).parts
    }
    assert len(pages) >= 20
    return pages


def test_no_raw_sphinx_role_in_any_page(site: Path) -> None:
    found = {name: ROLE.findall(text) for name, text in _pages(site).items()}
    assert {name: len(hits) for name, hits in found.items() if hits} == {}
    found = {name: RST.findall(MATH_ELEMENT.sub("", text)) for name, text in _pages(site).items()}
    assert {name: hits[:3] for name, hits in found.items() if hits} == {}
    # the roles became links where the object has a page
    plotting = (site / "api" / "plotting" / "index.html").read_text(encoding="utf-8")
    assert plotting.count('class="autorefs autorefs-internal"') >= 10


def test_math_is_left_only_to_katex(site: Path) -> None:
    with_math = 0
    for name, text in _pages(site).items():
        outside = MATH_ELEMENT.sub("", text)
        assert "\\[" not in outside and "\\(" not in outside and "$$" not in outside, name
        if 'class="arithmatex"' in text:
            with_math += 1
            depth = "../" * name.count("/")
            for asset in (
                "assets/katex/katex.min.css",
                "assets/katex/katex.min.js",
                "assets/katex/contrib/auto-render.min.js",
                "javascripts/katex-init.js",
            ):
                assert f'"{depth}{asset}"' in text, (name, asset)
    assert with_math >= 2  # the guides with formulas, and the API pages' :math: roles
    css = (site / "assets" / "katex" / "katex.min.css").read_text(encoding="utf-8")
    fonts = set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css))
    assert fonts and all((site / "assets" / "katex" / f).is_file() for f in fonts)


def test_nothing_is_loaded_from_another_host(site: Path) -> None:
    remote = re.compile(
        r"""<(?:script|img|iframe)[^>]*\ssrc=["']?(?:https?:)?//"""
        r"""|<link[^>]*rel=["']?stylesheet[^>]*href=["']?(?:https?:)?//"""
        r"""|@import\s+url\(["']?(?:https?:)?//""",
        flags=re.I,
    )
    assert {n: remote.findall(t) for n, t in _pages(site).items() if remote.search(t)} == {}


def test_private_modules_stay_out_of_the_api_pages(site: Path) -> None:
    private = {
        name: sorted(set(PRIVATE_ID.findall(text)))[:5]
        for name, text in _pages(site).items()
        if name.startswith("api/") and PRIVATE_ID.search(text)
    }
    assert private == {}
    nav = (site / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"privtraffic(\.\w+)*\._\w", nav)


def test_the_glossary_is_in_the_navigation(site: Path) -> None:
    glossary = (site / "glossary" / "index.html").read_text(encoding="utf-8")
    for term in ("私域流量池", "粉丝转化率", "变现能力", "复购", "KOC", "分销"):
        assert term in glossary
    assert 'href="glossary/"' in (site / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from chromium import Browser, require_chromium

    chromium = Browser(require_chromium())
    yield chromium
    chromium.close()


@pytest.mark.parametrize("path", ["guide/measuring/", "guide/referral/", "api/plotting/"])
def test_pages_render_offline_in_a_browser(site: Path, browser, path: str) -> None:  # type: ignore[no-untyped-def]
    from chromium import serve

    with serve(site) as base:
        loaded = browser.open(f"{base}/{path}")
        try:
            page = loaded.page
            math, rendered, errors = page.evaluate(
                "[document.querySelectorAll('.arithmatex').length,"
                " document.querySelectorAll('.arithmatex .katex').length,"
                " document.querySelectorAll('.katex-error').length]"
            )
            assert (rendered, errors) == (math, 0)
            if path.startswith("guide/"):
                assert math > 0
            text = page.evaluate("document.body.innerText")
            assert "\\[" not in text and ":class:" not in text and ":func:" not in text
            assert loaded.problems() == {
                "console errors": [],
                "requests off this machine": [],
                "failed requests": [],
                "broken images": [],
            }
        finally:
            loaded.page.close()
