"""Tag rules: named predicates over per-user features, evaluated vectorised and explained."""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, TypeAlias

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from privtraffic._tables import ColumnarTable
from privtraffic._validation import check_nonempty
from privtraffic.errors import InvalidDefinitionError, InvalidInputError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["Condition", "TagRule", "TagSet", "Tags"]

#: A constant a condition compares a feature with.
Scalar: TypeAlias = int | float | str | bool
#: What a condition holds: one constant, or several for ``in`` / ``not in``.
ConditionValue: TypeAlias = Scalar | tuple[Scalar, ...]

_OPS: dict[str, Callable[[NDArray[np.generic], ConditionValue], NDArray[np.bool_]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "in": lambda col, values: _member(col, values),
    "not in": lambda col, values: ~_member(col, values),
}


def _member(column: NDArray[np.generic], values: ConditionValue) -> NDArray[np.bool_]:
    assert isinstance(values, tuple)  # the validator of Condition.op makes sure
    # A few values: one vectorised comparison each beats sorting the column (np.isin).
    if len(values) <= 16:
        out = np.zeros(column.shape[0], dtype=bool)
        for v in values:
            out |= column == v
        return out
    return np.isin(column, np.asarray(values))


def _as_value(
    value: ConditionValue | list[Scalar] | set[Scalar] | NDArray[np.generic],
) -> ConditionValue:
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return tuple(value)
    return value


_PATTERN = re.compile(r"^\s*([A-Za-z_]\w*)\s*(<=|>=|==|!=|<|>|not\s+in\b|in\b)\s*(.+?)\s*$")


def _check_op(instance: Condition, attribute: attrs.Attribute[str], op: str) -> None:
    if op not in _OPS:
        raise InvalidDefinitionError(
            f"condition on {instance.feature!r}: 'op' must be one of {sorted(_OPS)} (got {op!r})"
        )
    if op in ("in", "not in") and isinstance(instance.value, (str, bytes)):
        raise InvalidDefinitionError(
            f"condition on {instance.feature!r}: {op!r} needs a list of values "
            f"(got {instance.value!r})"
        )


def _name_validator(label: str, what: str) -> Callable[[object, attrs.Attribute[str], str], None]:
    """The attrs validator of a name field: a non-empty string, else ``{label} must be ...``."""

    def check(instance: object, attribute: attrs.Attribute[str], name: str) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidDefinitionError(f"{label} must be a non-empty {what} (got {name!r})")

    return check


_check_feature = _name_validator("'feature'", "name")


@attrs.frozen
class Condition:
    """One comparison of a per-user feature with a constant, e.g. ``monetary >= 1000``.

    Parameters
    ----------
    feature : str
        Name of the feature column.
    op : {"<", "<=", ">", ">=", "==", "!=", "in", "not in"}
    value : object
        A number or a string; a list of them for ``in`` / ``not in``.

    Examples
    --------
    >>> Condition.parse("channel in ['wecom', 'group']")
    Condition(feature='channel', op='in', value=('wecom', 'group'))
    >>> str(Condition("monetary", ">=", 1000))
    'monetary >= 1000'
    """

    feature: str = attrs.field(validator=_check_feature)
    op: str = attrs.field(validator=_check_op)
    value: ConditionValue = attrs.field(converter=_as_value)

    @classmethod
    def parse(cls, text: str) -> Condition:
        """Read ``"<feature> <op> <literal>"``, the literal being a Python number, string or list.

        Parameters
        ----------
        text : str

        Returns
        -------
        Condition

        Raises
        ------
        InvalidDefinitionError
            Text that is not of that form.

        Examples
        --------
        >>> Condition.parse("days_since_last > 90")
        Condition(feature='days_since_last', op='>', value=90)
        """
        match = _PATTERN.match(text) if isinstance(text, str) else None
        if match is None:
            raise InvalidDefinitionError(
                f"condition must read '<feature> <op> <value>' with op in {sorted(_OPS)} "
                f"(got {text!r})"
            )
        feature, op, literal = match.groups()
        try:
            value = ast.literal_eval(literal)
        except (ValueError, SyntaxError):
            raise InvalidDefinitionError(
                f"condition {text!r}: the value must be a number, a quoted string or a list "
                f"(got {literal!r})"
            ) from None
        return cls(feature, " ".join(op.split()), value)

    def __str__(self) -> str:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return f"{self.feature} {self.op} {value!r}"

    def holds(self, column: NDArray[np.generic]) -> NDArray[np.bool_]:
        """Evaluate the condition on a feature column.

        Parameters
        ----------
        column : numpy.ndarray

        Returns
        -------
        numpy.ndarray of bool

        Examples
        --------
        >>> Condition("frequency", ">=", 3).holds(np.array([1, 3, 5])).tolist()
        [False, True, True]
        """
        return np.asarray(_OPS[self.op](column, self.value), dtype=bool)


def _conditions(value: str | Condition | Iterable[str | Condition]) -> tuple[Condition, ...]:
    items = [value] if isinstance(value, (str, Condition)) else list(value)
    return tuple(c if isinstance(c, Condition) else Condition.parse(c) for c in items)


def _check_rule(instance: TagRule, attribute: attrs.Attribute[str], value: str) -> None:
    if not instance.conditions:
        raise InvalidDefinitionError(f"tag {instance.name!r} must have at least one condition")
    if instance.combine not in ("all", "any"):
        raise InvalidDefinitionError(
            f"tag {instance.name!r}: 'combine' must be 'all' or 'any' (got {instance.combine!r})"
        )


_check_name = _name_validator("a tag's 'name'", "string")


@attrs.frozen
class TagRule:
    """A named tag given to the users who meet all (or any) of its conditions.

    Parameters
    ----------
    name : str
    conditions : sequence of Condition or str
        Strings are read with :meth:`Condition.parse`.
    combine : {"all", "any"}

    Examples
    --------
    >>> rule = TagRule("vip", ["monetary >= 1000", "frequency >= 3"])
    >>> [str(c) for c in rule.conditions]
    ['monetary >= 1000', 'frequency >= 3']
    """

    name: str = attrs.field(validator=_check_name)
    conditions: tuple[Condition, ...] = attrs.field(converter=_conditions)
    combine: str = attrs.field(default="all", validator=_check_rule)


def _rules(
    value: Mapping[str, str | Condition | Iterable[str | Condition]] | Iterable[TagRule],
) -> tuple[TagRule, ...]:
    if isinstance(value, Mapping):
        return tuple(TagRule(name, conds) for name, conds in value.items())
    return tuple(value)


def _check_rules(
    instance: TagSet, attribute: attrs.Attribute[tuple[TagRule, ...]], rules: tuple[TagRule, ...]
) -> None:
    if not rules:
        raise InvalidDefinitionError("'rules' must hold at least one tag rule")
    seen: set[str] = set()
    for rule in rules:
        if not isinstance(rule, TagRule):
            raise InvalidDefinitionError(f"'rules' must be TagRule objects (got {rule!r})")
        if rule.name in seen:
            raise InvalidDefinitionError(f"tag {rule.name!r} is defined twice")
        seen.add(rule.name)


@attrs.frozen
class TagSet:
    """A set of tag rules, checked when built and evaluated over all users at once.

    Parameters
    ----------
    rules : sequence of TagRule, or mapping of name to conditions
        ``{"vip": ["monetary >= 1000"], ...}`` builds one :class:`TagRule` (``combine="all"``)
        per entry.

    Examples
    --------
    >>> tags = TagSet({"vip": ["monetary >= 1000"], "lapsed": ["days_since_last > 90"]})
    >>> tags.names
    ('vip', 'lapsed')
    """

    rules: tuple[TagRule, ...] = attrs.field(converter=_rules, validator=_check_rules)

    @property
    def names(self) -> tuple[str, ...]:
        """The tag names, in rule order.

        Returns
        -------
        tuple of str

        Examples
        --------
        >>> TagSet({"a": "x > 1", "b": "y < 2"}).names
        ('a', 'b')
        """
        return tuple(r.name for r in self.rules)

    @property
    def features(self) -> tuple[str, ...]:
        """The feature names the rules read.

        Returns
        -------
        tuple of str

        Examples
        --------
        >>> TagSet({"a": ["x > 1", "y < 2"], "b": "x < 0"}).features
        ('x', 'y')
        """
        seen: dict[str, None] = {}
        for rule in self.rules:
            for cond in rule.conditions:
                seen.setdefault(cond.feature, None)
        return tuple(seen)

    def evaluate(self, features: Mapping[str, ArrayLike] | pd.DataFrame) -> Tags:
        """Tag every user.

        Parameters
        ----------
        features : mapping of str to array-like, or a pandas DataFrame
            One column per feature, one row per user; extra columns are ignored.

        Returns
        -------
        Tags

        Raises
        ------
        InvalidInputError
            A feature the rules need is missing, columns of different lengths, no users.

        Examples
        --------
        >>> tags = TagSet({"vip": ["monetary >= 1000", "frequency >= 3"]})
        >>> t = tags.evaluate({"monetary": [1500, 200], "frequency": [4, 9]})
        >>> t.matrix[:, 0].tolist(), t.explain(0)
        ([True, False], ['vip: monetary >= 1000 (monetary = 1500); frequency >= 3 (frequency = 4)'])
        """
        columns: dict[str, NDArray[np.generic]] = {}
        n: int | None = None
        first = ""
        for name in self.features:
            if name not in features:
                raise InvalidInputError(
                    f"'features' must have a column {name!r}, which the tag rules use "
                    f"(got {sorted(map(str, features))})"
                )
            raw = features[name]
            col = np.array(raw.to_numpy() if hasattr(raw, "to_numpy") else raw, copy=True)
            if col.ndim != 1:
                raise InvalidInputError(f"feature {name!r} must be 1-dimensional (got {col.shape})")
            if n is None:
                n, first = col.shape[0], name
                check_nonempty(col, f"features[{name!r}]")
            elif col.shape[0] != n:
                raise InvalidInputError(
                    f"feature {name!r} must have the same length as {first!r} "
                    f"(got {col.shape[0]} != {n})"
                )
            columns[name] = col
        assert n is not None
        hits = []
        matrix = np.empty((n, len(self.rules)), dtype=bool)
        for j, rule in enumerate(self.rules):
            held = [c.holds(columns[c.feature]) for c in rule.conditions]
            combine = np.logical_and if rule.combine == "all" else np.logical_or
            matrix[:, j] = combine.reduce(held) if len(held) > 1 else held[0]
            hits.append(np.column_stack(held))
        return Tags(tagset=self, matrix=matrix, hits=tuple(hits), features=columns)


@attrs.frozen(eq=False, repr=False)
class Tags(ColumnarTable):
    """The result of :meth:`TagSet.evaluate`: who has which tag, and why.

    A table with one boolean column per tag (in rule order) and one row per user, so
    ``tags["vip"]``, ``len(tags)``, ``to_dict()`` and ``to_pandas()`` work as on every
    privtraffic table.

    Attributes
    ----------
    tagset : TagSet
    matrix : numpy.ndarray
        Boolean, ``(n_users, n_tags)``.
    hits : tuple of numpy.ndarray
        Per rule, the boolean ``(n_users, n_conditions)`` outcome of each condition.
    features : dict of str to numpy.ndarray
        The feature values the rules read (copies), for the explanations.

    Examples
    --------
    >>> t = TagSet({"lapsed": ["days_since_last > 90"]}).evaluate({"days_since_last": [10, 120]})
    >>> t.tags_of(1), t.counts(), t["lapsed"].tolist()
    (['lapsed'], {'lapsed': 1}, [False, True])
    >>> TagSet({"big": "x > 1"}).evaluate({"x": [0, 2]}).to_pandas()["big"].tolist()
    [False, True]
    """

    tagset: TagSet
    matrix: NDArray[np.bool_]
    hits: tuple[NDArray[np.bool_], ...]
    features: dict[str, NDArray[np.generic]]

    def __repr__(self) -> str:
        return f"Tags({self.matrix.shape[0]:,} users; tags: {', '.join(self.tagset.names)})"

    def columns(self) -> dict[str, NDArray[np.generic]]:
        """One boolean column per tag, in rule order.

        Examples
        --------
        >>> list(TagSet({"a": "x > 1", "b": "x < 0"}).evaluate({"x": [0, 2]}).columns())
        ['a', 'b']
        """
        return {name: self.matrix[:, j] for j, name in enumerate(self.tagset.names)}

    def counts(self) -> dict[str, int]:
        """Number of users with each tag.

        Returns
        -------
        dict of str to int
            Tag name -> users with the tag, in rule order.

        Examples
        --------
        >>> TagSet({"big": "x > 1"}).evaluate({"x": [0, 2, 3]}).counts()
        {'big': 2}
        """
        totals = self.matrix.sum(axis=0)
        return {name: int(totals[j]) for j, name in enumerate(self.tagset.names)}

    def tags_of(self, user: int) -> list[str]:
        """The tags of the user at row ``user``.

        Parameters
        ----------
        user : int
            Row index.

        Returns
        -------
        list of str
            The names of the user's tags, in rule order.

        Examples
        --------
        >>> TagSet({"big": "x > 1", "odd": "x == 3"}).evaluate({"x": [0, 3]}).tags_of(1)
        ['big', 'odd']
        """
        return [n for j, n in enumerate(self.tagset.names) if self.matrix[user, j]]

    def explain(self, user: int) -> list[str]:
        """One line per tag the user has: the conditions that held, with the user's values.

        Parameters
        ----------
        user : int
            Row index.

        Returns
        -------
        list of str
            ``"<tag>: <conditions that held> (<feature> = <value>)"``, in rule order.

        Examples
        --------
        >>> rule = TagRule("at_risk", ["days_since_last > 60", "frequency >= 5"], combine="any")
        >>> TagSet([rule]).evaluate({"days_since_last": [75], "frequency": [2]}).explain(0)
        ['at_risk: days_since_last > 60 (days_since_last = 75)']
        """
        lines = []
        for j, rule in enumerate(self.tagset.rules):
            if not self.matrix[user, j]:
                continue
            parts = [
                f"{cond} ({cond.feature} = {self.features[cond.feature][user].item()!r})"
                for k, cond in enumerate(rule.conditions)
                if self.hits[j][user, k]
            ]
            lines.append(f"{rule.name}: " + "; ".join(parts))
        return lines
