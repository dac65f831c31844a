"""The demo and report pages in a real browser: headless Chromium, offline.

Each page is written by the ``privtraffic`` command and opened in Debian's Chromium (driven by
Playwright, see ``chromium.py``) with the network cut. A page passes when it loads with no
console error, asks for nothing off this machine, every image (every plot) decodes, and - for
the Chinese pages (the demo, a report of a private domain, and the report of a GBK shop export
with its reading report and margin CLV) - ``<html lang="zh-CN">`` holds Chinese text that
Chromium draws with a CJK font (the DevTools protocol says which font drew each glyph) and
plots whose Chinese labels were drawn (no "install a CJK font" note, which the page gets when a
glyph is missing from every font). Full-page screenshots are written to a temporary folder, or
to $PRIVTRAFFIC_SCREENSHOTS to look at them; they are never committed.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from chromium import Browser, require_chromium
from privtraffic._report import messages
from privtraffic.cli import main
from shop_export import write_shop_export

pytest.importorskip("matplotlib")

CJK_FAMILY = re.compile(r"CJK|Source Han|WenQuanYi|PingFang|YaHei|Hei|Song|Droid Sans Fallback")


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    sync_api = require_chromium()
    chromium = Browser(sync_api)
    yield chromium
    chromium.close()


def _report_files(folder: Path) -> list[str]:
    """A small private domain with Chinese user ids: purchases, events and referrals."""
    from privtraffic.simulate import simulate_private_domain

    world = simulate_private_domain(600, days=240.0, rng=np.random.default_rng(11))

    def uid(i: int) -> str:
        return f"用户{int(i)}"

    tx = folder / "订单.csv"
    tx.write_text(
        "customer_id,timestamp,value\n"
        + "".join(
            f"{uid(u)},{np.datetime64(t, 's')},{a:.2f}\n"
            for u, t, a in zip(
                world.orders.user_id, world.orders.at, world.orders.amount_cny, strict=True
            )
        ),
        encoding="utf-8",
    )
    events = folder / "events.csv"
    events.write_text(
        "customer_id,event,timestamp\n"
        + "".join(
            f"{uid(u)},{k},{np.datetime64(t, 's')}\n"
            for u, k, t in zip(
                world.events.user_id, world.events.kind, world.events.at, strict=True
            )
        ),
        encoding="utf-8",
    )
    referrals = folder / "referrals.csv"
    referrals.write_text(
        "referrer,referee\n"
        + "".join(
            f"{uid(a)},{uid(b)}\n"
            for a, b in zip(world.referrals.referrer_id, world.referrals.referee_id, strict=True)
        ),
        encoding="utf-8",
    )
    cut = str(world.start.astype("datetime64[D]") + 180)
    return [
        "--transactions",
        str(tx),
        "--events",
        str(events),
        "--referrals",
        str(referrals),
        "--calibration-end",
        cut,
    ]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    out = {}
    for lang in ("zh", "en"):
        out[f"demo-{lang}"] = folder / f"demo-{lang}.html"
        assert main(["demo", "--lang", lang, "--out", str(out[f"demo-{lang}"]), "--quiet"]) == 0
    args = _report_files(folder)
    out["report-zh"] = folder / "报告-zh.html"
    assert main(["report", *args, "--lang", "zh", "--out", str(out["report-zh"]), "--quiet"]) == 0
    # the shop export of acceptance 1 (GBK, Chinese headers, zero-value orders) with a margin
    # column and unpaid or closed orders: the reading report and the margin CLV in Chinese
    export = write_shop_export(folder, margin=True, statuses=True)
    out["shop-zh"] = folder / "店铺-zh.html"
    argv = ["report", "--transactions", str(export.path), "--lang", "zh", "--quiet"]
    assert main([*argv, "--out", str(out["shop-zh"])]) == 0
    return out


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


#: The fewest plots each page draws.
MIN_IMAGES = {"demo-zh": 15, "demo-en": 15, "report-zh": 8, "shop-zh": 4}


@pytest.mark.parametrize("name", list(MIN_IMAGES))
def test_the_page_loads_offline_without_errors(browser, pages, shots, name: str) -> None:  # type: ignore[no-untyped-def]
    loaded = browser.open(pages[name].as_uri())
    try:
        assert loaded.problems() == {
            "console errors": [],
            "requests off this machine": [],
            "failed requests": [],
            "broken images": [],
        }
        n_images = loaded.page.evaluate("document.images.length")
        assert n_images >= MIN_IMAGES[name]
        sizes = loaded.page.evaluate(
            "Array.from(document.images).map(i => [i.naturalWidth, i.naturalHeight])"
        )
        assert all(w >= 300 and h >= 200 for w, h in sizes), sizes
        shot = loaded.screenshot(name, shots)
        assert shot.stat().st_size > 100_000  # a page of tables and plots, not a blank
    finally:
        loaded.page.close()


#: Catalogue texts each Chinese page shows.
CHINESE_TEXTS = {
    "demo-zh": ("doc.contents", "data.title", "fit.title", "clv.title", "koc.title"),
    "report-zh": ("doc.contents", "data.title", "fit.title", "clv.title", "koc.title"),
    "shop-zh": (
        "doc.contents",
        "data.title",
        "fit.title",
        "clv.title",
        "read.mapping.title",
        "read.by_status",
        "data.zero_value_label",
        "clv.kind.margin",
    ),
}


@pytest.mark.parametrize("name", list(CHINESE_TEXTS))
def test_the_chinese_page_is_chinese_and_drawn_with_a_cjk_font(browser, pages, name: str) -> None:  # type: ignore[no-untyped-def]
    loaded = browser.open(pages[name].as_uri())
    page = loaded.page
    try:
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        body = page.evaluate("document.body.innerText")
        for key in CHINESE_TEXTS[name]:
            assert messages.text(key, "zh") in body, key
        if name != "shop-zh":  # the shop export has no relationship events
            for tier in ("复购客户", "购买客户"):
                assert tier in body
        assert "repeat_buyer" not in body and "Data summary" not in body
        # Chromium drew the Chinese of the headings, a table and a caption with a CJK font
        for selector in ("h1", "h2", "table td", "figcaption"):
            fonts = loaded.fonts_of(selector)
            assert any(CJK_FAMILY.search(f) and n > 0 for f, n in fonts), (selector, fonts)
        # every glyph of every plot was drawn (a missing one puts this note on the page)
        assert messages.text("doc.no_cjk_font", "zh") not in body
        alts = page.evaluate("Array.from(document.images).map(i => i.alt)")
        assert alts and all(re.search("[\u4e00-\u9fff]", a) for a in alts), alts
    finally:
        page.close()


def test_the_report_names_chinese_ids_in_its_referral_tree(pages) -> None:  # type: ignore[no-untyped-def]
    # The tree's plot title holds a Chinese user id; it is drawn (no missing-font note above)
    # and its caption names the same user.
    page = pages["report-zh"].read_text(encoding="utf-8")
    caption = re.search(r"榜单中下线人数最多的用户 &#x27;(用户\d+)&#x27; 的推荐树", page)
    assert caption, "no referral tree caption"
