"""Every public name has a numpydoc docstring with a runnable example, and imports stay light."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

PACKAGES = [
    "privtraffic",
    "privtraffic.errors",
    "privtraffic.data",
    "privtraffic.clv",
    "privtraffic.compat",
    "privtraffic.lifecycle",
    "privtraffic.referral",
    "privtraffic.money",
    "privtraffic.commission",
    "privtraffic.value",
    "privtraffic.segments",
    "privtraffic.funnel",
    "privtraffic.simulate",
    "privtraffic.plotting",
]


def _public_objects():
    for name in PACKAGES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if not (inspect.isclass(obj) or inspect.isroutine(obj)):
                continue  # constants (tables, tuples of names) carry no docstring of their own
            yield f"{name}.{attr}", obj


PUBLIC = sorted(dict(_public_objects()).items())


@pytest.mark.parametrize(("qualname", "obj"), PUBLIC, ids=[q for q, _ in PUBLIC])
def test_public_name_has_a_runnable_example(qualname: str, obj: object) -> None:
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{qualname} has no docstring"
    assert "Examples\n--------" in doc, f"{qualname} has no numpydoc Examples section"
    assert ">>>" in doc, f"{qualname}'s Examples section has no doctest"


@pytest.mark.parametrize("name", PACKAGES)
def test_every_package_declares_all(name: str) -> None:
    module = importlib.import_module(name)
    assert isinstance(getattr(module, "__all__", None), (list, tuple)), name
    for attr in module.__all__:
        assert hasattr(module, attr), f"{name}.__all__ names missing {attr!r}"


def test_import_is_light() -> None:
    # `import privtraffic` must not pull in the heavy optional pieces.
    code = (
        "import sys, privtraffic; "
        "heavy = [m for m in ('pandas', 'matplotlib', 'lifetimes', 'dask', 'networkx') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _public_members():
    for qualname, obj in PUBLIC:
        if not inspect.isclass(obj):
            continue
        # Own members, and those a class inherits from privtraffic's (possibly private) bases,
        # such as the models' shared methods on clv._base.RepeatPurchaseModel.
        own: dict[str, object] = {}
        for base in reversed(inspect.getmro(obj)):
            if base.__module__.startswith("privtraffic"):
                own.update(vars(base))
        for name, member in own.items():
            if name.startswith("_"):
                continue
            func = member.fget if isinstance(member, property) else member
            func = getattr(func, "__func__", func)  # classmethod / staticmethod
            if inspect.isroutine(func) or isinstance(member, property):
                yield f"{qualname}.{name}", func


MEMBERS = sorted(dict(_public_members()).items())


@pytest.mark.parametrize(("qualname", "member"), MEMBERS, ids=[q for q, _ in MEMBERS])
def test_public_method_has_a_runnable_example(qualname: str, member: object) -> None:
    doc = inspect.getdoc(member) or ""
    assert ">>>" in doc, f"{qualname} has no runnable example"
