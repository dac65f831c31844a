"""A MkDocs hook shipping KaTeX with the site, so the math renders offline (no CDN).

pymdownx.arithmatex (``generic: true``) leaves ``\\( ... \\)`` and ``\\[ ... \\]`` in
``<span class="arithmatex">`` / ``<div class="arithmatex">`` elements; KaTeX's auto-render turns
them into math in the reader's browser. The KaTeX files (script, style sheet, auto-render and
its fonts) are not kept in git: the first build takes the pinned npm package with
``npm pack`` (the npm registry's ordinary client), checks it against the registry's sha512
integrity recorded here, and unpacks the few files the site needs into ``.cache/katex-<version>``
(git-ignored), where later builds find them. Every built page links them from
``assets/katex/`` of the site itself.

An offline machine can put ``katex-<version>.tgz`` into ``.cache/`` by hand; the integrity is
checked the same way.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

#: The KaTeX release shipped with the site and its npm integrity (``npm view katex@VERSION
#: dist.integrity``).
VERSION = "0.19.1"
INTEGRITY = "sha512-" + (
    "jG8uKntjSEcm2EpQOh0XturpPuuC9r3Sq5HLHdsFdWZT27E672SF19QEi+of0/YeOy15lDgRhKvr5614uRrEfA=="
)

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache"
#: The files of the package the site needs, relative to its ``dist/`` folder.
WANTED = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")
SITE_FOLDER = "assets/katex"


def _folder() -> Path:
    return CACHE / f"katex-{VERSION}"


def _check(tarball: Path) -> None:
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode("ascii")
    if f"sha512-{digest}" != INTEGRITY:
        raise PluginError(
            f"{tarball} is not katex {VERSION} as the npm registry published it "
            f"(sha512-{digest[:16]}... != {INTEGRITY[:23]}...); delete it and build again"
        )


def _fetch() -> Path:
    """The unpacked KaTeX files, fetched and checked on the first build."""
    folder = _folder()
    if (folder / "katex.min.js").is_file():
        return folder
    tarball = CACHE / f"katex-{VERSION}.tgz"
    if not tarball.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise PluginError(
                f"the docs ship KaTeX {VERSION}, taken from the npm registry with npm on the "
                f"first build; install Node.js and npm, or put katex-{VERSION}.tgz into {CACHE}"
            )
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as temp:
            subprocess.run(
                [npm, "pack", f"katex@{VERSION}", "--pack-destination", temp, "--silent"],
                check=True,
                capture_output=True,
                timeout=300,
            )
            shutil.move(str(Path(temp) / f"katex-{VERSION}.tgz"), tarball)
    _check(tarball)
    with tempfile.TemporaryDirectory() as temp, tarfile.open(tarball) as archive:
        members = [
            m
            for m in archive.getmembers()
            if m.isfile()
            and (
                m.name in {f"package/dist/{w}" for w in WANTED}
                or m.name.startswith("package/dist/fonts/")
            )
        ]
        archive.extractall(temp, members=members, filter="data")
        staged = Path(temp) / "package" / "dist"
        partial = folder.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(staged, partial)
        partial.replace(folder)
    return folder


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    """Link KaTeX's style sheet and scripts from every page (before the site's own init script)."""
    _fetch()
    config.extra_css.insert(0, f"{SITE_FOLDER}/katex.min.css")
    scripts = [f"{SITE_FOLDER}/katex.min.js", f"{SITE_FOLDER}/contrib/auto-render.min.js"]
    for position, script in enumerate(scripts):
        config.extra_javascript.insert(position, script)  # type: ignore[arg-type]
    return config


def on_files(files: Files, *, config: MkDocsConfig, **kwargs: Any) -> Files:
    """Add the KaTeX files to the site under ``assets/katex/``."""
    folder = _folder()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        files.append(File.generated(config, f"{SITE_FOLDER}/{relative}", abs_src_path=str(path)))
    return files
