"""The privtraffic exception tree.

Every error the library raises on purpose derives from :class:`PrivTrafficError`. Problems with
the caller's input also derive from :class:`ValueError`, so code that already catches
``ValueError`` keeps working. Messages name the argument, the rule, the offending value and,
where there is one, its row:
``'recency' must be <= T (got 5.0 > 3.0 at index 7)``.

Examples
--------
>>> from privtraffic.errors import InvalidInputError, PrivTrafficError
>>> issubclass(InvalidInputError, ValueError) and issubclass(InvalidInputError, PrivTrafficError)
True
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ComplianceError",
    "ConvergenceError",
    "ConvergenceWarning",
    "CurrencyMismatchError",
    "EventConflictError",
    "InvalidDefinitionError",
    "InvalidInputError",
    "LedgerFileError",
    "LedgerStoreError",
    "NotFittedError",
    "PrivTrafficError",
    "ReferralCycleError",
    "TransitionNotAllowed",
    "UnrepresentableError",
]


class PrivTrafficError(Exception):
    """Root of every error raised on purpose by privtraffic.

    Examples
    --------
    >>> try:
    ...     raise PrivTrafficError("something went wrong")
    ... except PrivTrafficError as exc:
    ...     print(exc)
    something went wrong
    """


class InvalidInputError(PrivTrafficError, ValueError):
    """Input data break a rule of the model or the domain.

    The message names the argument, the rule, the offending value and its position.

    Examples
    --------
    >>> err = InvalidInputError("'recency' must be <= T (got 5.0 > 3.0 at index 7)")
    >>> isinstance(err, ValueError)
    True
    """


class InvalidDefinitionError(PrivTrafficError, ValueError):
    """A definition (tier machine, commission plan, funnel, ...) is inconsistent.

    Raised when the definition is built, never later when it is used.

    Examples
    --------
    >>> isinstance(InvalidDefinitionError("tier 'vip' is unreachable"), ValueError)
    True
    """


class ComplianceError(InvalidDefinitionError):
    """A plan crosses a regulatory limit and no explicit override was given.

    Examples
    --------
    >>> issubclass(ComplianceError, InvalidDefinitionError)
    True
    """


class CurrencyMismatchError(InvalidInputError):
    """Amounts in different currencies were combined.

    Examples
    --------
    >>> issubclass(CurrencyMismatchError, ValueError)
    True
    """


class ReferralCycleError(InvalidInputError):
    """Referral edges form a cycle; :attr:`cycle` lists the users on it in order.

    Parameters
    ----------
    message : str
        The explanation.
    cycle : sequence, optional
        The users on the cycle, each referring the next and the last referring the first.

    Examples
    --------
    >>> err = ReferralCycleError("referral cycle: a -> b -> a", cycle=("a", "b"))
    >>> err.cycle
    ('a', 'b')
    """

    def __init__(self, message: str, cycle: Iterable[object] = ()) -> None:
        super().__init__(message)
        self.cycle = tuple(cycle)


class NotFittedError(PrivTrafficError, ValueError, AttributeError):
    """A model was used before ``fit`` (or ``from_json``) gave it parameters.

    Examples
    --------
    >>> issubclass(NotFittedError, AttributeError)
    True
    """


class ConvergenceError(PrivTrafficError, RuntimeError):
    """An optimiser did not converge; :attr:`result` holds what it returned.

    Parameters
    ----------
    message : str
        The explanation.
    result : object, optional
        The optimiser's result object (for example a ``scipy.optimize.OptimizeResult``).

    Examples
    --------
    >>> err = ConvergenceError("did not converge", result={"nit": 500})
    >>> err.result
    {'nit': 500}
    """

    def __init__(self, message: str, result: object = None) -> None:
        super().__init__(message)
        self.result = result


class UnrepresentableError(PrivTrafficError, ArithmeticError, ValueError):
    """A prediction whose true value float64 cannot hold (it overflows, or is infinite).

    Raised instead of returning ``inf`` or ``NaN``; the message names the prediction, the
    input that made it unrepresentable and its row. It is an ``ArithmeticError`` (the number
    does not fit) and a ``ValueError`` (that input, with these parameters, has no usable
    answer).

    Examples
    --------
    >>> err = UnrepresentableError("expected_spend: the mean spend is infinite when q <= 1 "
    ...     "(q = 0.8) for 'frequency' 0 at index 3")
    >>> isinstance(err, ArithmeticError) and isinstance(err, ValueError)
    True
    """


class ConvergenceWarning(UserWarning):
    """An optimiser stopped at a point it could not certify as the optimum.

    Examples
    --------
    >>> issubclass(ConvergenceWarning, UserWarning)
    True
    """


class TransitionNotAllowed(InvalidInputError):
    """An event the user's current state cannot take; :attr:`state` and :attr:`event` say which.

    Raised by :meth:`privtraffic.lifecycle.Machine.step` for an event earlier than the state's
    time: the state has already moved past that instant, so applying the event would rewrite
    history (rebuild such a history with ``Machine.replay``, which sorts the events). It is an
    :class:`InvalidInputError`, so code catching bad input catches it too.

    Parameters
    ----------
    state : object
        The state the user was in (a :class:`~privtraffic.lifecycle.TierState`).
    event : object
        The event that was refused (a :class:`~privtraffic.lifecycle.Event`).
    message : str, optional
        The explanation; a default one names the state and the event.

    Examples
    --------
    >>> err = TransitionNotAllowed("basic", "refund")
    >>> (err.state, err.event)
    ('basic', 'refund')
    >>> print(err)
    event 'refund' is not allowed in state 'basic'
    >>> isinstance(err, InvalidInputError)
    True
    """

    def __init__(self, state: object, event: object, message: str | None = None) -> None:
        super().__init__(message or f"event {event!r} is not allowed in state {state!r}")
        self.state = state
        self.event = event


class EventConflictError(InvalidInputError):
    """An event re-uses the id of a recorded event with different content.

    Recording the same event again (same id, same content) is a no-op, so a client may retry
    freely; a different event under the same id is refused, and the message shows both.
    :attr:`recorded` and :attr:`offered` hold them.

    Parameters
    ----------
    recorded : object
        The event the ledger holds under the id.
    offered : object
        The event that was refused.
    message : str
        The explanation.

    Examples
    --------
    >>> err = EventConflictError("old", "new", "order id 'o1' was already recorded ...")
    >>> (err.recorded, err.offered)
    ('old', 'new')
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(self, recorded: object, offered: object, message: str) -> None:
        super().__init__(message)
        self.recorded = recorded
        self.offered = offered


class LedgerFileError(InvalidInputError):
    """A ledger export (JSON lines) is cut short, changed or not a ledger; :attr:`line` is the
    file's own line number (1-based) where the problem shows.

    Parameters
    ----------
    message : str
        The explanation, naming the line.
    line : int
        The line number.

    Examples
    --------
    >>> err = LedgerFileError("line 3 is cut short", line=3)
    >>> err.line
    3
    """

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class LedgerStoreError(PrivTrafficError, RuntimeError):
    """The database behind a ledger store failed: refused a connection, went away in the
    middle of a transaction, or stayed locked too long.

    The transaction it happened in is rolled back whole (nothing of the call is kept); an
    event whose ``record`` raised this may or may not have been committed if the connection
    dropped during the commit itself, so retry the same call: recording an event that is
    already there is a no-op.

    Examples
    --------
    >>> isinstance(LedgerStoreError("could not connect"), RuntimeError)
    True
    """
