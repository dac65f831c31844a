"""Fit diagnostics: whether a BTYD fit can be trusted, and the sentences that say why not.

:func:`diagnose` turns what the optimiser found (:class:`~privtraffic.clv._optimize.FitResult`)
and the covariance of the estimates into a frozen :class:`FitDiagnostics`. A parameter is
flagged (``at_boundary``) when, on the log scale,

1. it reached the search box ``|log value| = 25``;
2. its standard error dwarfs it: ``se / value > 3`` (its 95% interval spans a factor of more
   than ``exp(2 * 1.96 * 3)``, about 130,000);
3. it ran more than ``10`` (a factor of 22,000) from the data-driven starting point while the
   gradient vanished: the likelihood is flat along a ridge and the optimiser stopped
   somewhere on it; or
4. the Hessian is not positive definite and the parameter carries a large share (``>= 0.3``)
   of a direction of (near) zero curvature.

The messages explain what a flagged parameter means for the predictions, from the model's
parameter pairs (``_parameter_pairs``: a beta or gamma mixing law whose two parameters running
off together means "everyone alike", and whose mean running to 0 means "almost nobody ...").
All user-facing sentences of the diagnostics are in :data:`MESSAGES`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from privtraffic.clv._optimize import LOG_PARAM_BOUND, FitResult

__all__ = ["MESSAGES", "DiagnosticNote", "FitDiagnostics", "ParameterPair", "diagnose"]

_SE_RATIO = 3.0
_FAR_FROM_START = 10.0
_NULL_SHARE = 0.3

#: Every sentence the diagnostics write, by code.
MESSAGES = {
    "none_drop": (
        "{names}: almost no one {verb} within the data, so P(alive) is close to 1 for everyone "
        "and not informative — collect a longer history"
    ),
    "alike": (
        "{names} → ∞ together: every customer has the same {what} ({mean:.3g}); the data do "
        "not show how it varies between customers, so {first} and {second} are not meaningful "
        "on their own (predictions depend on their ratio and stay usable)"
    ),
    "generic": (
        "{name}{direction} is not identified by the data (estimate {estimate:.3g}, standard "
        "error {se:.3g}); predictions that depend on it are not reliable — collect more data or "
        "add a penalizer"
    ),
    "not_converged": (
        "the optimiser stopped with gradient {gradient:.3g} ({reason}); the estimates may be "
        "imprecise"
    ),
    "hessian": (
        "the Hessian at the estimates is not positive definite: standard errors are not "
        "available (NaN)"
    ),
}


#: What :attr:`DiagnosticNote.text` writes for a standard error that does not exist.
NOT_AVAILABLE = "not available"


@attrs.frozen
class DiagnosticNote:
    """One problem of a fit: a code of :data:`MESSAGES` and the values its sentence names.

    A report in another language translates the sentence from ``code`` and ``fields``; the
    English sentence is :attr:`text`.

    Attributes
    ----------
    code : str
        A key of :data:`MESSAGES` (``"none_drop"``, ``"alike"``, ``"generic"``, ``"hessian"``,
        ``"not_converged"``).
    fields : tuple of (str, object)
        The template's fields: parameter names and directions as text, estimates, standard
        errors and the gradient as floats (a standard error that does not exist is NaN), the
        mixing law's ``what`` / ``verb`` as the model states them, the optimiser's own
        ``reason`` (untranslated).

    Examples
    --------
    >>> note = DiagnosticNote("generic", (("name", "b"), ("direction", " → ∞"),
    ...     ("estimate", 5.2e4), ("se", float("nan"))))
    >>> note.text
    'b → ∞ is not identified by the data (estimate 5.2e+04, standard error not available); \
predictions that depend on it are not reliable — collect more data or add a penalizer'
    """

    code: str
    fields: tuple[tuple[str, object], ...] = ()

    def format(self, template: str, *, not_available: str = NOT_AVAILABLE) -> str:
        """``template`` filled with the fields; a NaN standard error reads ``not_available``.

        Examples
        --------
        >>> DiagnosticNote("generic", (("se", float("nan")),)).format("se {se:.3g}",
        ...     not_available="n/a")
        'se n/a'
        """
        values = dict(self.fields)
        se = values.get("se")
        if isinstance(se, float) and not np.isfinite(se):
            template = template.replace("{se:.3g}", "{se}")
            values["se"] = not_available
        return template.format(**values)

    @property
    def text(self) -> str:
        """The English sentence (:data:`MESSAGES`).

        Examples
        --------
        >>> DiagnosticNote("hessian").text
        'the Hessian at the estimates is not positive definite: standard errors are not \
available (NaN)'
        """
        return self.format(MESSAGES[self.code])


@attrs.frozen
class ParameterPair:
    """Two parameters of one mixing law, for the diagnostics' messages.

    Attributes
    ----------
    first, second : str
        Shape and scale (gamma law) or the two beta parameters, in the model's names.
    family : {"gamma", "beta"}
        The law: a gamma law's mean is ``first / second``, a beta law's ``first / (first +
        second)``.
    what : str
        What the law describes ("dropout probability", "purchase rate", ...).
    verb : str, optional
        For a law of leaving: what a customer does when the mean runs to 0 ("drops out",
        "dies"); empty for other laws.

    Examples
    --------
    >>> ParameterPair("a", "b", "beta", "dropout probability", "drops out").family
    'beta'
    """

    first: str
    second: str
    family: str
    what: str
    verb: str = ""


@attrs.frozen
class FitDiagnostics:
    """How far a fit can be trusted (a frozen value; ``fit_diagnostics_`` of a fitted model).

    Attributes
    ----------
    converged : bool
        The optimiser met its tolerance (gradient per customer below ``1e-5``).
    n_iterations : int
        Optimiser iterations, all starts and polishing steps included.
    gradient_norm : float
        Largest absolute component of the gradient of the objective (per unit of customer
        weight, log-parameters) at the estimates.
    hessian_positive_definite : bool
        Whether the curvature at the estimates is positive in every direction (standard errors
        exist).
    at_boundary : tuple of str
        Parameters that ran to 0 or infinity on the log scale or sit on a flat ridge.
    identifiable : bool
        No parameter flagged and the Hessian positive definite.
    messages : tuple of str
        One sentence per problem, saying what it means and what to do; empty for a good fit.
    notes : tuple of DiagnosticNote
        The same problems as codes and values, for a translation (``messages`` are their
        English :attr:`DiagnosticNote.text`).

    Examples
    --------
    >>> from privtraffic.clv import BetaGeo
    >>> from privtraffic.data import load_cdnow
    >>> d = BetaGeo().fit(load_cdnow("summary")).fit_diagnostics_
    >>> d.identifiable, d.at_boundary, d.messages
    (True, (), ())
    """

    converged: bool
    n_iterations: int
    gradient_norm: float
    hessian_positive_definite: bool
    at_boundary: tuple[str, ...]
    identifiable: bool
    messages: tuple[str, ...]
    notes: tuple[DiagnosticNote, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The diagnostics as JSON-ready data: the ``"fit_diagnostics"`` entry of ``to_json``.

        A float that is not finite (a gradient or standard error that does not exist) is
        written as None; :meth:`from_dict` reads it back as NaN.

        Returns
        -------
        dict

        Examples
        --------
        >>> d = FitDiagnostics(True, 12, 3e-7, False, ("b",), False, ("b is not identified",),
        ...     (DiagnosticNote("generic", (("name", "b"), ("se", float("nan")))),))
        >>> d.to_dict()["notes"]
        [{'code': 'generic', 'fields': {'name': 'b', 'se': None}}]
        >>> FitDiagnostics.from_dict(d.to_dict()).notes[0].fields
        (('name', 'b'), ('se', nan))
        """
        return {
            "converged": self.converged,
            "n_iterations": self.n_iterations,
            "gradient_norm": _finite_or_none(self.gradient_norm),
            "hessian_positive_definite": self.hessian_positive_definite,
            "at_boundary": list(self.at_boundary),
            "identifiable": self.identifiable,
            "messages": list(self.messages),
            "notes": [
                {
                    "code": note.code,
                    "fields": {
                        k: _finite_or_none(v) if isinstance(v, float) else v for k, v in note.fields
                    },
                }
                for note in self.notes
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FitDiagnostics:
        """Rebuild diagnostics written by :meth:`to_dict` (None reads back as NaN).

        Parameters
        ----------
        data : mapping
            The ``"fit_diagnostics"`` entry of a model's JSON (``notes`` may be absent).

        Returns
        -------
        FitDiagnostics

        Raises
        ------
        KeyError, TypeError, ValueError
            An entry is missing or of the wrong kind (``from_json`` reports it as an
            ``InvalidInputError`` naming the entry).

        Examples
        --------
        >>> FitDiagnostics.from_dict({"converged": True, "n_iterations": 3,
        ...     "gradient_norm": None, "hessian_positive_definite": True, "at_boundary": [],
        ...     "identifiable": True, "messages": []}).gradient_norm
        nan
        """
        gradient = data["gradient_norm"]
        return cls(
            converged=bool(data["converged"]),
            n_iterations=int(data["n_iterations"]),
            gradient_norm=math.nan if gradient is None else float(gradient),
            hessian_positive_definite=bool(data["hessian_positive_definite"]),
            at_boundary=tuple(str(n) for n in data["at_boundary"]),
            identifiable=bool(data["identifiable"]),
            messages=tuple(str(m) for m in data["messages"]),
            notes=tuple(
                DiagnosticNote(
                    str(note["code"]),
                    tuple(
                        (str(k), math.nan if v is None else v)
                        for k, v in dict(note["fields"]).items()
                    ),
                )
                for note in data.get("notes", [])
            ),
        )


def _finite_or_none(x: float) -> float | None:
    """``x`` as a float, or None (JSON's null) when it is NaN or infinite."""
    return float(x) if math.isfinite(x) else None


def hessian_is_positive_definite(hessian: NDArray[np.float64]) -> bool:
    """Whether a symmetric matrix is finite and clearly positive definite.

    Examples
    --------
    >>> hessian_is_positive_definite(np.eye(2)), hessian_is_positive_definite(np.zeros((2, 2)))
    (True, False)
    """
    if not np.all(np.isfinite(hessian)):
        return False
    eigenvalues = np.linalg.eigvalsh(hessian)
    return bool(eigenvalues.min() > 1e-12 * max(1.0, abs(float(eigenvalues.max()))))


def diagnose(
    result: FitResult,
    covariance: NDArray[np.float64],
    *,
    param_names: Sequence[str],
    pairs: Sequence[ParameterPair] = (),
) -> FitDiagnostics:
    """The diagnostics of a fit from the optimiser's result and the covariance of the estimates.

    Parameters
    ----------
    result : FitResult
        What :func:`~privtraffic.clv._optimize.minimize_negative_log_likelihood` returned.
    covariance : numpy.ndarray
        Covariance of the natural parameters (NaN when the Hessian is not positive definite).
    param_names : sequence of str
        The parameters, in order.
    pairs : sequence of ParameterPair
        The model's mixing laws, for the messages.

    Returns
    -------
    FitDiagnostics

    Examples
    --------
    >>> r = FitResult(np.log([2.0, 3e6]), 1.0, 1.0, np.eye(2), 12, None,
    ...     start=np.log([1.0, 1.0]), gradient_norm=1e-9, converged=True)
    >>> d = diagnose(r, np.diag([0.01, 1e14]), param_names=["p", "q"])
    >>> d.at_boundary, d.identifiable
    (('q',), False)
    """
    names = list(param_names)
    log_params = np.asarray(result.log_params, dtype=np.float64)
    params = np.exp(log_params)
    positive_definite = hessian_is_positive_definite(result.hessian)
    se = np.sqrt(np.abs(np.diag(covariance)))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        se_ratio = se / params
    flagged = np.abs(log_params) >= LOG_PARAM_BOUND - 1e-6
    flagged |= np.isfinite(se_ratio) & (se_ratio > _SE_RATIO)
    if result.start is not None:
        moved = np.abs(log_params - np.asarray(result.start, dtype=np.float64))
        flagged |= moved > _FAR_FROM_START
    if not positive_definite and np.all(np.isfinite(result.hessian)):
        eigenvalues, vectors = np.linalg.eigh(result.hessian)
        null = eigenvalues <= 1e-12 * max(1.0, abs(float(eigenvalues.max())))
        for j in np.flatnonzero(null):
            flagged |= np.abs(vectors[:, j]) >= _NULL_SHARE
    elif not positive_definite:
        flagged |= True
    start = log_params if result.start is None else np.asarray(result.start, dtype=np.float64)
    direction = {
        n: ("∞" if lp >= s else "0") for n, lp, s in zip(names, log_params, start, strict=True)
    }
    far = (np.abs(log_params - start) > 3.0) | (np.abs(log_params) >= LOG_PARAM_BOUND - 1e-6)
    at_boundary = tuple(n for n, hit in zip(names, flagged, strict=True) if hit)
    notes: list[DiagnosticNote] = []
    explained: set[str] = set()
    estimate = dict(zip(names, params.tolist(), strict=True))
    for pair in pairs:
        a, b = pair.first, pair.second
        if a not in at_boundary and b not in at_boundary:
            continue
        da, db = direction[a], direction[b]
        mean = (
            estimate[a] / estimate[b]
            if pair.family == "gamma"
            else estimate[a] / (estimate[a] + estimate[b])
        )
        if da == "∞" and db == "∞" and a in at_boundary and b in at_boundary:
            fields = {"names": f"{a}, {b}", "what": pair.what, "mean": mean, "first": a}
            notes.append(DiagnosticNote("alike", (*fields.items(), ("second", b))))
            explained |= {a, b}
        elif pair.verb and (
            (a in at_boundary and da == "0") or (b in at_boundary and db == "∞" and da != "∞")
        ):
            parts = [f"{n} → {direction[n]}" for n in (a, b) if n in at_boundary]
            notes.append(
                DiagnosticNote("none_drop", (("names", ", ".join(parts)), ("verb", pair.verb)))
            )
            explained |= {a, b} & set(at_boundary)
    for i, n in enumerate(names):
        if n in at_boundary and n not in explained:
            fields = {
                "name": n,
                "direction": f" → {direction[n]}" if far[i] else "",
                "estimate": float(params[i]),
                "se": float(se[i]) if np.isfinite(se[i]) else float("nan"),
            }
            notes.append(DiagnosticNote("generic", tuple(fields.items())))
    if not positive_definite:
        notes.append(DiagnosticNote("hessian"))
    if not result.converged:
        reason = getattr(result.scipy_result, "message", "no further progress")
        fields = {"gradient": float(result.gradient_norm), "reason": str(reason)}
        notes.append(DiagnosticNote("not_converged", tuple(fields.items())))
    return FitDiagnostics(
        converged=bool(result.converged),
        n_iterations=int(result.n_iter),
        gradient_norm=float(result.gradient_norm),
        hessian_positive_definite=positive_definite,
        at_boundary=at_boundary,
        identifiable=not at_boundary and positive_definite,
        messages=tuple(note.text for note in notes),
        notes=tuple(notes),
    )
