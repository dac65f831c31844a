"""Headless Chromium for the page tests: Debian's browser driven by Playwright, offline.

Playwright (a test dependency in the ``dev`` extra) drives ``/usr/bin/chromium``, the browser
``.ci/run`` installs; it never downloads a browser of its own. Every page is opened with the
network cut: a request for anything but the page's own files (``file:``, ``data:`` or the
test's server on 127.0.0.1) is aborted and recorded, so a page that needs the internet fails.

Without Chromium or Playwright a test skips locally with the command that installs them, and
fails under CI=true (see ``conftest.py``).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("PRIVTRAFFIC_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Where screenshots go: PRIVTRAFFIC_SCREENSHOTS if set, else a temporary folder (never git).
SCREENSHOTS_ENV = "PRIVTRAFFIC_SCREENSHOTS"


def require_chromium() -> Any:
    """The Playwright sync API, or a skip (a failure under CI=true) saying how to install it."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(
            f"no Chromium at {CHROMIUM} (apt-get install chromium, or set PRIVTRAFFIC_CHROMIUM); "
            "under CI=true this fails"
        )
    return sync_api


@dataclass
class LoadedPage:
    """A page opened offline, with everything that went wrong while it loaded."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def broken_images(self) -> list[str]:
        """The ``alt`` (or ``src``) of every image that did not load."""
        return list(
            self.page.evaluate(
                "Array.from(document.images)"
                ".filter(i => !(i.complete && i.naturalWidth > 0))"
                ".map(i => i.alt || i.src.slice(0, 80))"
            )
        )

    def problems(self) -> dict[str, list[str]]:
        """Console errors, requests that needed the network, failed loads, broken images."""
        return {
            "console errors": self.console_errors,
            "requests off this machine": self.blocked,
            "failed requests": self.failed,
            "broken images": self.broken_images(),
        }

    def fonts_of(self, selector: str) -> list[tuple[str, int]]:
        """The fonts Chromium actually drew the first ``selector`` element's text with:
        (family, glyphs) pairs from the DevTools protocol's ``CSS.getPlatformFontsForNode``."""
        cdp = self.page.context.new_cdp_session(self.page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"no element matches {selector!r}"
        # the text node child carries the fonts; the element itself reports its children's
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        cdp.detach()
        return [(f["familyName"], int(f["glyphCount"])) for f in fonts]

    def screenshot(self, name: str, folder: Path) -> Path:
        """A full-page PNG in ``folder`` (or $PRIVTRAFFIC_SCREENSHOTS)."""
        target = Path(os.environ.get(SCREENSHOTS_ENV) or folder)
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


class Browser:
    """One headless Chromium for a test module; :meth:`open` loads a page offline."""

    def __init__(self, sync_api: Any) -> None:
        self._manager = sync_api.sync_playwright()
        self._playwright = self._manager.start()
        self._profile = tempfile.mkdtemp(prefix="privtraffic-chromium-")
        self._context = self._playwright.chromium.launch_persistent_context(
            self._profile,
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1100, "height": 900},
            offline=False,
        )

    def open(self, url: str, *, allowed_prefix: str | None = None) -> LoadedPage:
        """Load ``url`` with every request outside ``allowed_prefix`` (the page's own origin, or
        ``file:`` URLs) aborted and recorded; waits until the network is idle."""
        page = self._context.new_page()
        loaded = LoadedPage(page)
        own = allowed_prefix or (
            "file://" if url.startswith("file:") else "/".join(url.split("/", 3)[:3]) + "/"
        )

        def route(route: Any) -> None:
            request_url = route.request.url
            if request_url.startswith((own, "data:", "blob:")):
                route.continue_()
            else:
                loaded.blocked.append(request_url)
                route.abort()

        page.route("**/*", route)
        page.on(
            "console", lambda m: loaded.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: loaded.console_errors.append(str(e)))
        page.on(
            "requestfailed",
            lambda r: None if r.url in loaded.blocked else loaded.failed.append(r.url),
        )
        page.goto(url, wait_until="load", timeout=60_000)
        page.wait_for_load_state("networkidle", timeout=60_000)
        return loaded

    def close(self) -> None:
        self._context.close()
        self._manager.__exit__(None, None, None)
        shutil.rmtree(self._profile, ignore_errors=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no access log in the test output
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) for the duration; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
