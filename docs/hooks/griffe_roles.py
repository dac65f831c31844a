"""A griffe extension for the docs build: Sphinx cross-reference roles become mkdocstrings links.

The docstrings are written in numpydoc style with Sphinx roles (``:func:`gini```,
``:class:`~privtraffic.clv.BetaGeo```, ``:math:`x^2```), which Python-Markdown does not know and
would print as they are. When griffe has loaded the package, every docstring's roles are
rewritten before mkdocstrings renders them:

- an object role (``:class:``, ``:func:``, ``:meth:``, ``:attr:``, ``:data:``, ``:mod:``,
  ``:obj:``, ``:exc:``, ``:const:``) becomes an optional autorefs cross-reference to the object's
  full path, resolved like Sphinx does from the docstring's own scope (its class, its module,
  the package); it is a link where the object has a page, and code text where it has none
  (a private helper, another library);
- ``:math:`x``` becomes inline math ``\\(x\\)`` for arithmatex and KaTeX, and a
  ``.. math::`` directive (with its indented lines) a display block ``\\[ ... \\]``;
- a footnote of a References section, ``.. [1] Author (year)``, becomes ``[1] Author (year)``.

Nothing in the source changes: ``help()`` and the notebooks still show the numpydoc text.
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

_OBJECT_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|func|meth|attr|data|mod|obj|exc|const):"
    r"`(?P<tilde>~?)(?P<body>[^`]+?)`"
)
_MATH_ROLE = re.compile(r":math:`(?P<tex>[^`]+)`")
_TITLED = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^>]+)>$")
_MATH_DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)\n"
    r"(?P<body>(?:(?P=indent)[ \t]+\S.*(?:\n|$)|[ \t]*\n(?=(?P=indent)[ \t]+\S))*)",
    flags=re.M,
)
_FOOTNOTE = re.compile(r"^(?P<indent>[ \t]*)\.\. \[(?P<label>[^\]]+)\]", flags=re.M)


def _math_block(match: re.Match[str]) -> str:
    indent = match["indent"]
    lines = [match["first"].strip()] + [line.strip() for line in match["body"].splitlines()]
    tex = "\n".join(f"{indent}{line}" for line in lines if line)
    return f"\n{indent}\\[\n{tex}\n{indent}\\]\n\n"


def _scopes(obj: griffe.Object) -> list[griffe.Object]:
    """The object and its parents, innermost first (where a short name is looked up)."""
    chain: list[griffe.Object] = []
    current: griffe.Object | None = obj
    while current is not None:
        chain.append(current)
        current = current.parent  # type: ignore[assignment]
    return chain


def _has(scope: griffe.Object, dotted: str) -> bool:
    node: Any = scope
    for part in dotted.split("."):
        try:
            node = node.members[part]
        except (KeyError, AttributeError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            return False
    return True


def resolve(obj: griffe.Object, name: str) -> str:
    """The full path a role's target names, seen from the docstring of ``obj``."""
    name = name.lstrip(".")
    root = _scopes(obj)[-1]
    if name == root.name or name.startswith(root.name + "."):
        return name
    for scope in _scopes(obj):
        if _has(scope, name):
            return f"{scope.path}.{name}"
    return name


def _object_ref(obj: griffe.Object, match: re.Match[str]) -> str:
    body = match["body"].strip()
    titled = _TITLED.match(body)
    if titled:
        title, target = titled["title"], titled["target"].lstrip("~")
    else:
        target = body
        title = body.rsplit(".", 1)[-1] if match["tilde"] else body
    identifier = resolve(obj, target)
    return (
        f'<autoref identifier="{html.escape(identifier)}" optional>'
        f"<code>{html.escape(title)}</code></autoref>"
    )


def convert(obj: griffe.Object, text: str) -> str:
    """``text`` with its Sphinx roles rewritten (see the module docstring)."""
    text = _MATH_DIRECTIVE.sub(_math_block, text)
    text = _FOOTNOTE.sub(lambda m: f"\n{m['indent']}[{m['label']}]", text)  # a paragraph each
    text = _MATH_ROLE.sub(lambda m: f"\\({m['tex']}\\)", text)
    return _OBJECT_ROLE.sub(lambda m: _object_ref(obj, m), text)


class SphinxRoles(griffe.Extension):
    """Rewrite the Sphinx roles of every docstring of the loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        stack: list[griffe.Object] = [pkg]
        seen: set[str] = set()
        while stack:
            obj = stack.pop()
            if obj.path in seen:
                continue
            seen.add(obj.path)
            if obj.docstring is not None:
                obj.docstring.value = convert(obj, obj.docstring.value)
            stack.extend(m for m in obj.members.values() if not m.is_alias)  # type: ignore[misc]
