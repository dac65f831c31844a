"""The message catalogue of the report pages: every text a reader sees, in English and Chinese.

Every heading, paragraph, caption, table header and title, fact label, plot text, tier name,
event kind and note of ``privtraffic report`` and ``privtraffic demo`` is one entry of
:data:`MESSAGES`: a key and its texts ``(en, zh)``, kept as data in the package file
``messages.json`` (one entry a line, ``"key": ["English", "中文"]``) and read once on import.
A text is a ``str.format`` template whose fields (``{n}``, ``{currency}``) the sections fill in
with numbers already formatted (counts with thousands separators, money through
:func:`privtraffic.money.format_amount`), so a translation moves words, never number formats.
The Chinese terms follow the glossary in ``docs/glossary.md`` (私域流量池 = traffic pool,
粉丝转化率 = conversion, 变现能力 = monetisation, 复购 = repeat purchase, 分销 =
distribution, ...).

An entry whose English is ``""`` has its English elsewhere and is only translated here: a
compliance finding's own text (``finding.*``, ``source.*``), the fit diagnostics' sentences
``caution.fit.*`` (English: ``privtraffic.clv._diagnostics.MESSAGES``) and the mixing laws they
name, ``caution.term.*`` (English: the models' ``ParameterPair.what`` / ``verb``). On stderr,
the reading lines (``read.mapping.line*``, ``read.line``, ...) are in English, as every progress
line (the page shows them in its language); the optimiser's own message follows ``fit.failed`` /
``fit.warning`` as a technical detail, in English, as code. The ``read.role.*`` names of the
input columns are, in English, the roles as the ``--*-column`` options name them. What a CLV
measures (``clv.kind.*``) is revenue, unless a margin is given (``--margin``,
``--margin-column``).

Keys are grouped by prefix: ``doc.`` (the page frame), ``caution.`` (the caution box of the fit
diagnostics), one prefix per section (``data.``, ``fit.``, ``holdout.``, ``clv.``, ``conc.``,
``koc.``, ``comm.``, ``funnel.``, ``value.``, ``tiers.``), ``read.`` (how the input files were
read: the reading facts, the column mapping used and the roles of the columns, and the progress
lines about them), ``tier.`` and ``event.`` (names of the relationship ladder's tiers and
event kinds), ``plot.<plot>.<key>`` (the ``texts=`` of each :mod:`privtraffic.plotting`
function) and ``demo.`` / ``report.``.

To add a text: add its key with both languages to ``messages.json`` and call
``doc.text(key, **fields)``; ``tests/test_report_i18n.py`` checks that every key has both texts
with the same fields and that a Chinese page holds no English sentence.

Examples
--------
>>> text("data.title", "zh"), text("data.title", "en")
('数据概览', 'Data summary')
>>> text("clv.top", "zh", n="20", name=text("clv.kind.revenue", "zh"))
'收入口径 CLV 最高的 20 位客户'
>>> tier_name("repeat_buyer", "en"), tier_name("repeat_buyer", "zh")
('repeat buyer', '复购客户')
"""

from __future__ import annotations

import json
import string
from importlib import resources

from privtraffic.errors import InvalidDefinitionError, InvalidInputError

__all__ = [
    "HTML_LANG",
    "LANGS",
    "MESSAGES",
    "check_lang",
    "event_name",
    "fields_of",
    "plot_texts",
    "text",
    "tier_name",
]

#: The languages of the report, ``en`` first (the default).
LANGS: tuple[str, ...] = ("en", "zh")

#: The ``<html lang>`` of each language.
HTML_LANG: dict[str, str] = {"en": "en", "zh": "zh-CN"}


def _unique_keys(pairs: list[tuple[str, list[str]]]) -> dict[str, list[str]]:
    """Build one JSON object, refusing a key written twice (a later entry would hide the first)."""
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidDefinitionError(f"messages.json has the key {key!r} twice")
        out[key] = value
    return out


def _load_catalogue() -> dict[str, tuple[str, str]]:
    """The catalogue from the package file ``messages.json``: key -> ``[English, Chinese]``."""
    path = resources.files("privtraffic._report").joinpath("messages.json")
    raw = path.read_text(encoding="utf-8")
    entries: dict[str, list[str]] = json.loads(raw, object_pairs_hook=_unique_keys)
    return {key: (en, zh) for key, (en, zh) in entries.items()}


#: key -> (English, Chinese), read once from the package file ``messages.json``.
MESSAGES: dict[str, tuple[str, str]] = _load_catalogue()

_FORMATTER = string.Formatter()


def check_lang(lang: str, name: str = "lang") -> str:
    """``lang`` itself when it is one of :data:`LANGS`, else raise.

    Examples
    --------
    >>> check_lang("zh")
    'zh'
    >>> check_lang("fr", "--lang")
    Traceback (most recent call last):
    ...
    privtraffic.errors.InvalidInputError: --lang must be one of 'en', 'zh' (got 'fr')
    """
    if lang not in LANGS:
        options = ", ".join(repr(k) for k in LANGS)
        label = name if name.startswith("-") else f"'{name}'"
        raise InvalidInputError(f"{label} must be one of {options} (got {lang!r})")
    return lang


def fields_of(template: str) -> set[str]:
    """The names of the fields a template fills in.

    Examples
    --------
    >>> sorted(fields_of("{n} of {total} ({share})"))
    ['n', 'share', 'total']
    """
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


def text(key: str, lang: str, /, **fields: object) -> str:
    """The text of ``key`` in ``lang`` with its fields filled in.

    An entry with no English text (``""``) has its English in the object it describes (for
    example a compliance finding's own ``detail``); asking for it raises ``KeyError``.

    Examples
    --------
    >>> text("doc.figure", "en", n=3)
    'Figure 3.'
    """
    en, zh = MESSAGES[key]
    template = zh if lang == "zh" else en
    if not template:
        raise KeyError(f"{key!r} has no {lang} text")
    return template.format(**fields) if fields else template


def tier_name(tier: str | None, lang: str) -> str:
    """A relationship tier as a person reads it: ``repeat_buyer`` -> ``repeat buyer`` / 复购客户.

    A tier the catalogue does not know is shown with its underscores turned into spaces.

    Examples
    --------
    >>> tier_name(None, "zh"), tier_name("vip_plus", "en")
    ('（无层级）', 'vip plus')
    """
    key = "tier.none" if tier is None else f"tier.{tier}"
    if key in MESSAGES:
        return text(key, lang)
    return str(tier).replace("_", " ")


def event_name(kind: str, lang: str) -> str:
    """An event kind as a person reads it (unknown kinds as they are in the data).

    Examples
    --------
    >>> event_name("referral_purchase", "zh"), event_name("page_view", "zh")
    ('推荐购买', 'page_view')
    """
    key = f"event.{kind}"
    return text(key, lang) if key in MESSAGES else kind


def plot_texts(plot: str, lang: str) -> dict[str, str]:
    """The ``texts=`` of one :mod:`privtraffic.plotting` function: the ``plot.<plot>.*`` entries.

    Examples
    --------
    >>> plot_texts("funnel", "zh")["title"]
    '转化漏斗'
    """
    prefix = f"plot.{plot}."
    return {k[len(prefix) :]: text(k, lang) for k in MESSAGES if k.startswith(prefix)}
