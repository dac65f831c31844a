"""The report a person reads: one catalogue in two languages, readable tables and plots.

The output half of issue 14. Every defect of its "Why" list on the output side has a test here:
an English-only page, snake_case tier names, ``1.967e+04`` in business tables, thousands
separators missing, overlapping tier-mix date labels, funnel labels spilling over their bars, a
900-user referral tree drawn as a smear, Chinese user ids drawn as boxes, ``--no-plots`` saying
matplotlib is missing; and the caution box has its place and its translation. The pages are
looked at in a browser in ``test_browser.py``; the docs site in ``test_docs_site.py``.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from privtraffic._report import messages
from privtraffic._report.document import Document, format_number
from privtraffic.cli import main
from privtraffic.errors import InvalidDefinitionError
from shop_export import write_shop_export
from support import examples

plt = pytest.importorskip("matplotlib")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from privtraffic import plotting  # noqa: E402
from privtraffic.plotting import (  # noqa: E402
    alive,
    btyd,
    comparison,
    concentration,
    funnel,
    referral,
    tiers,
    value,
)

# Which plotting defaults each catalogue plot name translates.
PLOT_DEFAULTS = {
    "period": btyd.PERIOD_TEXTS,
    "holdout": btyd.HOLDOUT_TEXTS,
    "cumulative": btyd.CUMULATIVE_TEXTS,
    "incremental": btyd.INCREMENTAL_TEXTS,
    "frequency_recency": btyd.FREQUENCY_RECENCY_TEXTS,
    "alive": btyd.ALIVE_MATRIX_TEXTS,
    "alive_history": alive.ALIVE_HISTORY_TEXTS,
    "model_comparison": comparison.MODEL_COMPARISON_TEXTS,
    "lorenz": concentration.LORENZ_TEXTS,
    "referral_tree": referral.REFERRAL_TREE_TEXTS,
    "funnel": funnel.FUNNEL_TEXTS,
    "waterfall": value.WATERFALL_TEXTS,
    "tier_mix": tiers.TIER_MIX_TEXTS,
    "transition": tiers.TRANSITION_TEXTS,
}

# Latin words a Chinese page may hold: model and author names, units and formats of the data
# (file formats, text encodings), symbols, "ID" as Chinese writes it (用户ID).
ALLOWED_LATIN = {
    *("BG", "NBD", "MBG", "Pareto", "Gamma", "BTYD", "LMDI", "RFM", "CLV", "KOC", "Hessian"),
    *("Wald", "Fader", "Hardie", "Lee", "Schmittlein", "Morrison", "Colombo", "Batislam"),
    *("Denizel", "Filiztekin", "CDNOW", "CNY", "USD", "App", "privtraffic", "demo", "report"),
    *("simulate", "alpha", "beta", "frequency", "recency", "alive"),
    *("CSV", "TSV", "Excel", "xlsx", "Parquet", "UTF", "GB", "GBK", "BOM", "ID"),
    *("AIC", "BIC", "CLVTools"),  # the information criteria and the R package, by name
}
# The one English phrase allowed: the title of a cited paper.
CITED_TITLES = ("RFM and CLV",)


def _visible_text(page: str, headers: tuple[str, ...] = ()) -> str:
    """The words a reader sees, less the technical details set as code (an optimiser's own
    message, which has no translation), the command-line options a reader types as they are
    (``--margin 0.3``), the time zone's identifier (``Asia/Shanghai``, what ``--timezone``
    takes) and the data's own ``headers`` where the column mapping quotes them."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<code>.*?</code>", "", page, flags=re.S)
    page = re.sub(r'src="data:[^"]*"', "", page)
    for header in headers:  # a cell that is the header itself, in "header in the file"
        page = page.replace(f"<td>{html.escape(header)}</td>", "<td></td>")
    text = html.unescape(re.sub(r"<[^>]+>", " \n ", page))
    text = re.sub(r"--[a-z][a-z-]*", "", text)
    return text.replace("Asia/Shanghai", "")


def _latin_words(text: str) -> set[str]:
    for title in CITED_TITLES:
        text = text.replace(title, "")
    return set(re.findall(r"[A-Za-z]{2,}", text))


def _cells(page: str) -> list[list[str]]:
    """Every table row of the page as unescaped cell texts."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        cells = re.findall(r"<t[hd]>(.*?)</t[hd]>", row, flags=re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells])
    return rows


@pytest.fixture(scope="module")
def demo_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("demo")
    pages = {}
    for lang in ("en", "zh"):
        out = folder / f"demo-{lang}.html"
        assert main(["demo", "--lang", lang, "--out", str(out), "--quiet", "--top", "3"]) == 0
        pages[lang] = out.read_text(encoding="utf-8")
    return pages


# --- the catalogue ---------------------------------------------------------------------------


def test_every_entry_has_both_languages_with_the_same_fields() -> None:
    for key, (en, zh) in messages.MESSAGES.items():
        assert zh, f"{key!r} has no Chinese text"
        if key.startswith(("finding.", "source.", "caution.fit.", "caution.term.")):
            # documented: the English is the finding's own text, or the fit diagnostics' own
            assert en == "", f"{key!r}: its English is the object's own text"
            continue
        assert en, f"{key!r} has no English text"
        assert messages.fields_of(en) == messages.fields_of(zh), key


def test_the_catalogue_file_holds_pairs_of_texts_under_unique_keys() -> None:
    """messages.json is read as key -> (English, Chinese); a key written twice is refused."""
    assert all(isinstance(en, str) and isinstance(zh, str) for en, zh in messages.MESSAGES.values())
    assert messages.MESSAGES["doc.contents"] == ("Contents", "目录")
    with pytest.raises(InvalidDefinitionError, match=r"'doc\.yes' twice"):
        json.loads(
            '{"doc.yes": ["yes", "是"], "doc.yes": ["y", "是"]}',
            object_pairs_hook=messages._unique_keys,
        )


def test_the_catalogue_translates_every_fit_diagnostic() -> None:
    """Each code of the diagnostics' MESSAGES has a Chinese sentence with the same fields (the
    optimiser's own ``reason`` is set after it as code), and each mixing law a model names."""
    from privtraffic.clv import BetaGeo, BetaGeoBetaBinom, GammaGamma, ParetoNBD
    from privtraffic.clv._diagnostics import MESSAGES as FIT_MESSAGES

    for code, english in FIT_MESSAGES.items():
        zh = messages.text(f"caution.fit.{code}", "zh")
        assert messages.fields_of(zh) == messages.fields_of(english) - {"reason"}, code
    for model in (BetaGeo, BetaGeoBetaBinom, GammaGamma, ParetoNBD):
        for pair in model._parameter_pairs:
            for term in filter(None, (pair.what, pair.verb)):
                assert re.search("[\u4e00-\u9fff]", messages.text(f"caution.term.{term}", "zh"))


def test_the_catalogue_covers_every_plot_text() -> None:
    for plot, defaults in PLOT_DEFAULTS.items():
        for lang in messages.LANGS:
            texts = messages.plot_texts(plot, lang)
            assert set(texts) == set(defaults), (plot, lang)
            for key, template in texts.items():
                assert messages.fields_of(template) == messages.fields_of(defaults[key])
    plotted = {k.split(".")[1] for k in messages.MESSAGES if k.startswith("plot.")}
    assert plotted == set(PLOT_DEFAULTS)


def test_tier_and_event_names_are_words() -> None:
    from privtraffic.lifecycle import relationship_ladder

    machine = relationship_ladder()
    for tier in machine.tiers:
        for lang in messages.LANGS:
            assert "_" not in messages.tier_name(tier, lang)
    assert messages.tier_name("repeat_buyer", "zh") == "复购客户"
    for kind in machine.kinds:
        assert "_" not in messages.event_name(kind, "en")
        assert re.search("[\u4e00-\u9fff]", messages.event_name(kind, "zh")), kind


def test_the_glossary_holds_the_reports_terms() -> None:
    glossary = (Path(__file__).parents[1] / "docs" / "glossary.md").read_text(encoding="utf-8")
    for key in ("value.pool", "value.conversion", "value.monetization", "comm.distributor"):
        assert messages.text(key, "zh") in glossary, key
    for tier in ("basic", "member", "buyer", "repeat_buyer"):
        assert messages.tier_name(tier, "zh") in glossary
    for term in ("私域流量池", "粉丝转化率", "变现能力", "复购", "KOC", "分销"):
        assert term in glossary


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match=r"--lang must be one of 'en', 'zh' \(got 'fr'\)"):
        messages.check_lang("fr", "--lang")
    with pytest.raises(SystemExit):
        main(["demo", "--lang", "fr", "--no-html"])


# --- the pages -------------------------------------------------------------------------------


def test_the_chinese_demo_is_fully_chinese(demo_pages: dict[str, str]) -> None:
    page = demo_pages["zh"]
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    text = _visible_text(page)
    latin = _latin_words(text)
    assert latin <= ALLOWED_LATIN, sorted(latin - ALLOWED_LATIN)
    for tier in ("基础好友", "会员", "购买客户", "复购客户"):
        assert tier in text
    # every heading is Chinese
    for heading in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", page):
        assert re.search("[\u4e00-\u9fff]", html.unescape(heading)), heading
    # the plots' captions and alt texts too
    for alt in re.findall(r'<img alt="([^"]*)"', page):
        assert re.search("[\u4e00-\u9fff]", html.unescape(alt)), alt
    # every glyph of every plot was drawn: no "install a CJK font" note
    assert messages.text("doc.no_cjk_font", "zh") not in text


def test_the_english_demo_is_english(demo_pages: dict[str, str]) -> None:
    page = demo_pages["en"]
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    from privtraffic.commission import SOURCES

    text = _visible_text(page)
    for citation in SOURCES.values():  # the laws' own titles, as the English sources cite them
        text = text.replace(citation, "")
    assert not re.search("[\u4e00-\u9fff]", text)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tables_never_show_scientific_notation_or_snake_case(
    demo_pages: dict[str, str], lang: str
) -> None:
    page = demo_pages[lang]
    rows = _cells(page)
    assert len(rows) > 100
    notes = re.findall(r"<li>(.*?)</li>", page)  # the plan's rules under its table
    assert not [n for n in notes if re.search(r"\b[a-z]+_[a-z]+\b", html.unescape(n))], notes
    for row in rows:
        for cell in row:
            assert not re.search(r"\d[eE][+-]?\d", cell), cell  # 1.967e+04
            assert not re.fullmatch(r"[a-z]+(_[a-z]+)+", cell), cell  # repeat_buyer, team_pay
            assert cell not in ("koc", "wecom", "half_up"), cell
    # a number of 1,000 or more has its thousands separated (ids and labels are the 1st column)
    for row in rows:
        for cell in row[1:]:
            assert not re.fullmatch(r"[+-]?\d{4,}(\.\d+)?", cell), (row, cell)


def test_the_value_decomposition_shows_money(demo_pages: dict[str, str]) -> None:
    # The LMDI table used to print 8.305e+04; it is money in the currency's decimals.
    rows = {r[0]: r for r in _cells(demo_pages["en"]) if r}
    assert re.fullmatch(r"[+-]\d{1,3}(,\d{3})*\.\d{2}", rows["pool"][1])
    assert re.fullmatch(r"[+-]\d{1,3}(,\d{3})*\.\d{2}", rows["change"][1])
    zh = {r[0]: r for r in _cells(demo_pages["zh"]) if r}
    assert zh["私域流量池"][1] == rows["pool"][1] and zh["粉丝转化率"][1] == rows["conversion"][1]


def _small_log(folder: Path) -> Path:
    """40 customers with Chinese ids, 1 to 4 purchases each over 120 days."""
    path = folder / "tx.csv"
    lines = ["customer_id,timestamp,value"]
    rng = np.random.default_rng(3)
    for c in range(40):
        for d in sorted(rng.choice(120, size=1 + c % 4, replace=False)):
            day = np.datetime64("2024-01-01") + int(d)
            lines.append(f"用户{c},{day},{int(rng.integers(1, 900))}.00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_no_plots_says_it_was_asked_for(tmp_path: Path) -> None:
    tx = _small_log(tmp_path)
    out = tmp_path / "r.html"
    args = ["report", "--transactions", str(tx), "--out", str(out), "--quiet", "--no-plots"]
    assert main(args) == 0
    page = out.read_text(encoding="utf-8")
    assert "left out, as asked (--no-plots)" in page and "not installed" not in page
    assert main([*args, "--lang", "zh"]) == 0
    page = out.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "按要求未绘制图表（--no-plots）" in page
    assert "privtraffic 私域分析报告" in page  # the default title, in the language


def test_no_plots_without_matplotlib_says_so(tmp_path: Path, monkeypatch) -> None:
    tx = _small_log(tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # "import matplotlib" fails
    out = tmp_path / "r.html"
    assert main(["report", "--transactions", str(tx), "--out", str(out), "--quiet"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "matplotlib is not installed" in page and "as asked" not in page


def test_the_caution_box_translates() -> None:
    for lang, title in (("en", "Caution"), ("zh", "注意")):
        doc = Document("t", plots=False, lang=lang)
        doc.caution(["a parameter is at its bound"])
        doc.caution([])  # nothing to say: no box
        page = doc.render()
        assert page.count('class="caution"') == 1
        assert f"<strong>{title}</strong><ul><li>a parameter is at its bound</li></ul>" in page


def test_a_chinese_page_without_a_cjk_font_says_how_to_install_one(monkeypatch) -> None:
    monkeypatch.setattr(plotting, "find_cjk_font", lambda: None)
    doc = Document("t", plots=True, lang="zh")
    assert doc.plot_lang == "en"  # no boxes: the plots' texts fall back to English
    assert doc.plot_texts("funnel")["title"] == "Funnel"
    page = doc.render()
    assert "apt-get install fonts-noto-cjk" in page and "本机未安装中文字体" in page
    assert page.count("本机未安装中文字体") == 1
    assert Document("t", plots=True, lang="en").plot_lang == "en"


# --- numbers ---------------------------------------------------------------------------------


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
@examples(200)
@example(19671.5)
@example(1.23456e-5)
@example(-2.921e4)
@example(5e-324)
def test_format_number_never_uses_scientific_notation(x: float) -> None:
    text = format_number(x)
    assert "e" not in text.lower()
    # four significant digits (more for a large whole part): within half a unit of the 4th
    assert float(text.replace(",", "")) == pytest.approx(x, rel=5e-4)
    whole = text.lstrip("-").split(".")[0]
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", whole), text


# --- plots a person reads -------------------------------------------------------------------


def _drawn(ax):  # type: ignore[no-untyped-def]
    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()
    return canvas.get_renderer()


def test_tier_mix_date_labels_do_not_overlap() -> None:
    days = np.arange("2025-01-31", "2026-01-31", 30, dtype="datetime64[D]")
    counts = np.tile([50.0, 30.0, 15.0, 5.0], (days.size, 1))
    fig = Figure(figsize=(7.0, 4.2), dpi=96, layout="constrained")
    ax = plotting.plot_tier_mix(
        days.astype(object), counts, ["a", "b", "c", "d"], ax=fig.add_subplot()
    )
    renderer = _drawn(ax)
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert len(labels) >= 3
    boxes = [t.get_window_extent(renderer) for t in labels]
    for left, right in itertools.pairwise(boxes):
        assert left.x1 <= right.x0 or left.y0 >= right.y1  # apart, or turned clear of it
    for label in labels:
        assert re.fullmatch(r"\d{4}(-\d{2}){0,2}", label.get_text()), label.get_text()


def test_funnel_labels_stay_inside_or_beside_their_bars() -> None:
    fig = Figure(figsize=(7.0, 4.2), dpi=96, layout="constrained")
    counts = [3000, 2022, 925, 73]
    ax = plotting.plot_funnel(
        ["connect", "join", "purchase", "share"], counts, ax=fig.add_subplot()
    )
    renderer = _drawn(ax)
    frame = ax.get_window_extent(renderer)
    for bar, text in zip(ax.patches, ax.texts, strict=True):
        box = text.get_window_extent(renderer)
        bar_box = bar.get_window_extent(renderer)
        inside = bar_box.x0 <= box.x0 and box.x1 <= bar_box.x1
        beside = box.x0 >= bar_box.x1 and box.x1 <= frame.x1
        assert inside or beside, (text.get_text(), box, bar_box)
        assert bar_box.y0 <= (box.y0 + box.y1) / 2 <= bar_box.y1


def test_a_900_user_referral_tree_shows_its_largest_branches() -> None:
    rng = np.random.default_rng(7)
    users = [f"u{i}" for i in range(1, 901)]
    parents = ["koc", *users]
    referrers = [parents[int(rng.integers(0, max(1, i // 3 + 1)))] for i in range(900)]
    fig = Figure(figsize=(8.0, 4.8), dpi=96, layout="constrained")
    ax = plotting.plot_referral_tree(referrers, users, "koc", ax=fig.add_subplot())
    drawn = ax.collections[0].get_offsets()
    assert len(drawn) <= 31  # the root and at most max_nodes=30 users
    summaries = [t.get_text() for t in ax.texts if t.get_text().startswith("+")]
    hidden = sum(int(s[1:].replace(",", "")) for s in summaries)
    assert len(drawn) - 1 + hidden == 900  # every user is drawn or counted in a grey node
    assert np.max(-drawn[:, 1]) <= 3
    assert "the largest branches" in ax.get_title() and "of 900 users below" in ax.get_title()
    # ids are written beside every drawn user, or (no room) beside none
    names = [t for t in ax.texts if not t.get_text().startswith("+")]
    assert len(names) in (0, len(drawn))


def test_chinese_user_ids_are_drawn_with_a_cjk_font() -> None:
    family = plotting.find_cjk_font()
    if family is None:
        pytest.skip(
            "no CJK-capable font installed (apt-get install fonts-noto-cjk); under CI=true "
            "this fails"
        )
    from matplotlib import font_manager

    fig = Figure(figsize=(6, 4), dpi=96)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns: fail on it
        ax = plotting.plot_referral_tree(
            ["用户1", "用户1", "用户2"], ["用户2", "用户3", "用户4"], "用户1", ax=fig.add_subplot()
        )
        FigureCanvasAgg(fig).draw()
    title = ax.title
    assert "用户1" in title.get_text() and title.get_fontfamily()[-1] == family
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=family))
    assert FT2Font(path).get_char_index(ord("用")) != 0  # the font has the glyph


def test_without_a_cjk_font_a_plot_says_how_to_install_one(monkeypatch) -> None:
    from privtraffic.plotting import fonts

    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    with pytest.warns(plotting.MissingFontWarning, match="apt-get install fonts-noto-cjk"):
        plotting.plot_funnel(["添加好友", "购买"], [10, 3], ax=Figure().add_subplot())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Latin text needs no CJK font: no warning
        plotting.plot_funnel(["connect", "purchase"], [10, 3], ax=Figure().add_subplot())


def test_texts_replace_a_plots_words_and_refuse_unknown_keys() -> None:
    ax = plotting.plot_funnel(
        ["a", "b"], [10, 4], texts=messages.plot_texts("funnel", "zh"), ax=Figure().add_subplot()
    )
    assert ax.get_title() == "转化漏斗" and ax.texts[1].get_text().startswith(
        "4 人\n占上一步 40.0%"
    )
    with pytest.raises(ValueError, match=r"'texts' has keys this plot does not draw: 'titel'"):
        plotting.plot_funnel(["a"], [1], texts={"titel": "x"}, ax=Figure().add_subplot())


def test_count_axes_have_thousands_separators() -> None:
    from privtraffic.clv import BetaGeo

    model = BetaGeo.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    frequency = np.zeros(3000)
    fig = Figure(figsize=(6, 4), dpi=96, layout="constrained")
    ax = plotting.plot_period_transactions(
        model, frequency, np.full(3000, 30.0), ax=fig.add_subplot()
    )
    _drawn(ax)
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    big = [s for s in labels if float(s.replace(",", "")) >= 1000]
    assert big and all("," in s for s in big), labels


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_compliance_findings_follow_the_plan(lang: str) -> None:
    from privtraffic._report.sections import commission_section
    from privtraffic.commission import CommissionPlan, compliance_report

    plans = [
        CommissionPlan(level_rates=("0.10", "0.05")),
        CommissionPlan(level_rates=("0.10",), rank_uplifts={1: "0.02"}, entry_fee="99"),
    ]
    for plan in plans:
        doc = Document("t", plots=False, lang=lang)
        commission_section(doc, np.array(["o1"]), np.array(["a"]), np.array(["100.00"]), plan)
        rows = _cells(doc.render())
        start = next(i for i, r in enumerate(rows) if r[:1] == [doc.text("comm.feature")])
        table = rows[start:]
        findings = compliance_report(plan).findings
        for finding, row in zip(findings, table[1:], strict=True):
            assert row[1] == doc.text(f"status.{finding.status}")
            if lang == "en":
                assert row[2] == finding.detail
        if plan.entry_fee:
            fee_row = table[1 + [f.feature for f in findings].index("entry_fee")]
            assert "99.00" in fee_row[2]
            uplift_row = table[1 + [f.feature for f in findings].index("headcount_pay")]
            assert (
                ("rank uplifts" in uplift_row[2]) if lang == "en" else ("等级加成" in uplift_row[2])
            )
            assert "也没有等级加成" not in uplift_row[2]


def test_the_chinese_report_is_fully_chinese(tmp_path: Path) -> None:
    """Every section of ``privtraffic report --lang zh``: fits, holdout, CLV, concentration,
    tiers, KOC leaderboard and commissions (the user ids are data and stay as they are)."""
    import json

    tx = _small_log(tmp_path)
    ids = [f"用户{c}" for c in range(40)]
    (tmp_path / "refs.csv").write_text(
        "referrer,referee\n" + "".join(f"{ids[i // 3]},{ids[i]}\n" for i in range(1, 40)),
        encoding="utf-8",
    )
    kinds = ("connect", "join", "purchase", "purchase", "review", "page_view")
    (tmp_path / "events.csv").write_text(
        "customer_id,event,timestamp\n"
        + "".join(
            f"{ids[i]},{kinds[(i + k) % 6]},{np.datetime64('2024-01-01') + 3 * i + 20 * k}\n"
            for i in range(40)
            for k in range(4)
        ),
        encoding="utf-8",
    )
    (tmp_path / "orders.csv").write_text(
        "order_id,sharer,value\n" + "".join(f"o{i},{ids[i]},{50 + i}.00\n" for i in range(10)),
        encoding="utf-8",
    )
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"level_rates": ["0.10", "0.05"], "total_cap": "0.15"}))
    out = tmp_path / "报告.html"
    args = ["report", "--transactions", str(tx), "--referrals", str(tmp_path / "refs.csv")]
    args += ["--events", str(tmp_path / "events.csv"), "--orders", str(tmp_path / "orders.csv")]
    args += ["--plan", str(plan), "--calibration-end", "2024-03-15", "--compare", "paretonbd"]
    assert main([*args, "--lang", "zh", "--out", str(out), "--quiet"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    for key in ("fit.title", "holdout.title", "clv.title", "conc.title", "tiers.title"):
        assert f">{messages.text(key, 'zh')}</h2>" in page, key
    for key in ("koc.title", "comm.title", "comm.compliance"):
        assert messages.text(key, "zh") in page, key
    text = _visible_text(page, headers=("customer_id", "timestamp", "value"))
    text = text.replace("tx.csv", "")  # the file name the source note gives
    text = text.replace("page_view", "")  # an event kind of the data the ladder left out
    latin = _latin_words(text)
    assert latin <= ALLOWED_LATIN, sorted(latin - ALLOWED_LATIN)
    # the reading report and the column mapping are Chinese too
    assert f">{messages.text('read.mapping.title', 'zh')}</strong>" in page
    assert f">{messages.text('read.title', 'zh', source='tx.csv')}</strong>" in page


def test_the_chinese_report_of_a_gbk_shop_export_is_fully_chinese(tmp_path: Path) -> None:
    """Acceptance 1 and 3 together: the GBK export of a Chinese shop back-end (the file of
    acceptance 1, with a margin column and an order status), no option but ``--lang zh``,
    gives a page whose reading report, column mapping, zero-value orders, orders left out by
    their status and margin CLV are all in Chinese."""
    export = write_shop_export(tmp_path, margin=True, statuses=True, customers=800)
    path, n_zero = export.path, sum(a == 0 for a in export.amounts)
    out = tmp_path / "报告.html"
    argv = ["report", "--transactions", str(path), "--quiet", "--out", str(out)]
    assert main(argv) == 0
    english = out.read_text(encoding="utf-8")
    assert main([*argv, "--lang", "zh"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    latin = _latin_words(_visible_text(page).replace(path.name, ""))
    assert latin <= ALLOWED_LATIN, sorted(latin - ALLOWED_LATIN)
    rows = {r[0]: r[1:] for r in _cells(page) if r}
    assert rows["文字编码"] == ["GB18030 (GBK)"] and rows["格式"] == ["CSV 文本文件"]
    assert rows["零元订单"] == [messages.text("data.zero_value", "zh", n=f"{n_zero:,}")]
    assert rows["客户 ID"] == ["会员ID", "按常用表头名自动识别"]
    assert rows["订单状态"] == ["订单状态", "按常用表头名自动识别"]
    assert rows["毛利率"] == ["毛利率", "按常用表头名自动识别"]
    assert rows["按订单状态未纳入"][0].startswith("订单状态显示未付款")
    assert f"：{export.n_left_out} 笔（" in rows["按订单状态未纳入"][0]
    assert "待付款（" in rows["按订单状态未纳入"][0] and "交易关闭（" in rows["按订单状态未纳入"][0]
    assert "毛利口径 CLV" in page and "收入口径" not in page  # the margin column makes it margin
    # the same numbers as the English page: only the words change
    numbers = re.compile(r"<td>([-+]?[\d,]+(?:\.\d+)?%?)</td>")
    assert numbers.findall(page) == numbers.findall(english)
