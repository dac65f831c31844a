"""The layering of docs/architecture.md, checked on the source: who may import whom.

Every ``import privtraffic.X`` / ``from privtraffic.X import ...`` / ``from privtraffic import X``
in ``src/privtraffic`` is read with :mod:`ast` (imports inside functions included, since lazy
imports are still dependencies).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "privtraffic"

#: Each top-level module or package of privtraffic and its layer (docs/architecture.md).
LAYERS: dict[str, int] = {
    # 0 - base: imports nothing of ours but other base modules
    "errors": 0,
    "_version": 0,
    "_deprecation": 0,
    "_validation": 0,
    "money": 0,
    "_tables": 0,
    "_ids": 0,
    "_html": 0,
    "_numerics": 0,
    # 1 - data
    "data": 1,
    # 2 - the domain packages: never import each other
    "clv": 2,
    "lifecycle": 2,
    "referral": 2,
    "commission": 2,
    # 3 - analytics that combine the domain packages
    "value": 3,
    "segments": 3,
    "funnel": 3,
    "simulate": 3,
    # 4 - presentation and adapters
    "plotting": 4,
    "integrations": 4,
    "compat": 4,
    "service": 4,
    # 5 - the report pages, drawn with plotting
    "_report": 5,
    "cli": 6,
    "__main__": 7,
    "__init__": 7,
}

DOMAIN = {"clv", "lifecycle", "referral", "commission"}


def _owner(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every privtraffic import in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(("privtraffic", *path.relative_to(SRC).parent.parts))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("privtraffic")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module == "privtraffic":  # from privtraffic import plotting: a module import
                found += [(node.lineno, f"privtraffic.{a.name}") for a in node.names]
            elif module.startswith("privtraffic"):
                found.append((node.lineno, module))
                found += [
                    (node.lineno, f"{module}.{a.name}")
                    for a in node.names
                    if a.name.startswith("_") and a.name != "__version__"
                ]
    return found


FILES = sorted(SRC.rglob("*.py"))


def test_every_top_level_module_has_a_layer():
    names = {_owner(p) for p in FILES}
    assert names <= set(LAYERS), f"add {sorted(names - set(LAYERS))} to LAYERS and the docs"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_follow_the_layers(path):
    owner = _owner(path)
    problems = []
    for line, module in _imports(path):
        parts = module.split(".")
        if len(parts) < 2 or parts[1] == owner:
            continue  # privtraffic itself, or inside the same package / module
        target = parts[1]
        where = f"{path.relative_to(SRC)}:{line} imports {module}"
        if len(parts) == 2 and target == "__version__":
            continue  # the version string of the package, re-exported from _version (layer 0)
        if target not in LAYERS:
            problems.append(f"{where}: unknown module")
            continue
        if LAYERS[target] > LAYERS[owner] or (
            LAYERS[target] == LAYERS[owner] and owner != "__init__"
        ):
            if not (LAYERS[owner] == 0 and LAYERS[target] == 0):
                problems.append(
                    f"{where}: layer {LAYERS[owner]} may not import layer {LAYERS[target]}"
                )
        if owner in DOMAIN and target in DOMAIN:
            problems.append(f"{where}: domain packages join on ids and arrays, not on imports")
        private = [p for p in parts[2:] if p.startswith("_")]
        if private and LAYERS[target] > 0:
            problems.append(f"{where}: private part {private[0]!r} of another package")
    assert not problems, "\n".join(problems)


def test_base_modules_form_no_cycle():
    base = {name for name, layer in LAYERS.items() if layer == 0}
    edges = {name: set() for name in base}
    for path in FILES:
        owner = _owner(path)
        if owner in base:
            edges[owner] |= {m.split(".")[1] for _, m in _imports(path) if m.count(".")} & base
    seen: set[str] = set()

    def visit(node: str, stack: tuple[str, ...]) -> None:
        assert node not in stack, f"import cycle among base modules: {' -> '.join((*stack, node))}"
        if node in seen:
            return
        for nxt in edges[node] - {node}:
            visit(nxt, (*stack, node))
        seen.add(node)

    for name in sorted(base):
        visit(name, ())
