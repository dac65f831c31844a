"""50-digit reference values of every BTYD prediction, computed with mpmath.

Each function takes plain floats and returns an ``mpmath.mpf`` (convert with ``float``). They
are written from the published formulas, or from the probability model directly where the
published closed form has no reliable high-precision evaluation, and share no code with
privtraffic:

- BG/NBD and MBG/NBD: Fader, Hardie & Lee (2005), eqs. 8-10 and note 021 (P(alive)); the
  expectation given alive is summed as its positive double series
  ``sum_n P(N = n) sum_{j<n} P(alive after j purchases)`` (N the negative binomial count of
  purchase opportunities), which needs no hypergeometric function at all, or, where that series
  is too long, integrated over the dropout probability with ``mpmath.quad`` (mpmath's own
  ``hyp2f1`` returns wrong values in part of this range, e.g. 4.5e76 instead of 5534.74 at
  ``k = 477.1, a = 2.1, b = 8007, u = 44.77``).
- Pareto/NBD: Fader & Hardie (2005), note 009, eqs. 18-19 and 41 (P(alive), E[X(T, T+t)]),
  eq. 27 (E[X(t)]), and note 012 (P(X(t) = n)) with its death term as an integral over the
  death time, by ``mpmath.quad``.
- BG/BB: Fader, Hardie & Shang (2010), eqs. 5, 7, 8, 11 and 13, as finite sums.
- Gamma-Gamma: Fader & Hardie (2013), eq. 5.

Precision: ``mp.workdps(50)`` inside every function; the quadratures run at 30 digits (their
results are correct to ~25 digits, far beyond the 1e-6 the tests ask of privtraffic).
"""

from __future__ import annotations

import mpmath as mp

DPS = 50
#: Working precision of the quadratures (mpmath.quad); their results carry ~25 correct digits.
QUAD_DPS = 30
_SERIES_TERMS = 4_000


def _f(*values: float) -> list[mp.mpf]:
    return [mp.mpf(v) for v in values]


# ------------------------------------------------------------------------------- BG/NBD family
def expected_if_alive(k: float, a: float, b: float, u: float) -> mp.mpf:
    """``E[(1 - (1 + p u)**-k) / p]``, ``p ~ Beta(a, b)``: purchases expected while alive.

    ``k`` is the gamma shape of the purchase rate (``r + x``), ``u = t / (alpha + T)``.
    """
    with mp.workdps(DPS):
        k, a, b, u = _f(k, a, b, u)
        if u == 0:
            return mp.mpf(0)
        z = u / (1 + u)
        mean = k * u
        length = mean + 30 * mp.sqrt(mean * (1 + u)) + 60 * (1 + u) + 50
        if length <= _SERIES_TERMS:
            return _double_series(k, a, b, z)
        return _beta_quad(k, a, b, u)


def _double_series(k: mp.mpf, a: mp.mpf, b: mp.mpf, z: mp.mpf) -> mp.mpf:
    # sum_{n>=1} P(N = n) S_n, N ~ NegBin(k, z), S_n = sum_{j<n} (b)_j / (a + b)_j.
    log_pi = k * mp.log1p(-z)
    total = mp.mpf(0)
    s = mp.mpf(0)
    rho = mp.mpf(1)
    log_z = mp.log(z)
    n = 0
    while True:
        n += 1
        log_pi += mp.log(k + n - 1) + log_z - mp.log(n)
        s += rho
        rho *= (b + n - 1) / (a + b + n - 1)
        term = mp.exp(log_pi) * s
        total += term
        # past the mode the terms fall at least geometrically by z(k + n)/(n + 1) -> z
        ratio = z * (k + n) / (n + 1)
        if n > k * z / (1 - z) and ratio < 1:
            if term * ratio / (1 - ratio) * 2 < total * mp.mpf(10) ** (-DPS + 5):
                return total
        if n > 10 * _SERIES_TERMS:  # pragma: no cover - guarded by the length estimate
            raise RuntimeError("double series did not converge")


def _beta_quad(k: mp.mpf, a: mp.mpf, b: mp.mpf, u: mp.mpf) -> mp.mpf:
    # int over v = logit(p) of p^(a-1) (1-p)^b (1 - (1 + p u)^-k) / B(a, b); where the bracket
    # is k u p (p <= p0) or 1 - (1 + u)^-k (1 - p <= eps) to 60 digits the integral is closed
    # form (an incomplete beta function); in between mpmath.quad with breakpoints every two
    # units of v and around the beta law's mode.
    log_beta = mp.log(mp.beta(a, b))
    log_u = mp.log(u)

    def integrand(v: mp.mpf) -> mp.mpf:
        log_p = -mp.log1p(mp.exp(-v)) if v > -30 else v - mp.log1p(mp.exp(v))
        log_q = log_p - v  # log(1 - p)
        bracket = -mp.expm1(-k * mp.log1p(mp.exp(log_p + log_u)))
        return mp.exp((a - 1) * log_p + b * log_q - log_beta) * bracket

    eps = mp.mpf(10) ** -60
    p0 = eps / ((k + 1) * u)
    left = k * u * mp.betainc(a, b, 0, p0, regularized=True)
    right = -mp.expm1(-k * mp.log1p(u)) * mp.betainc(b, a, 0, eps, regularized=True)
    v0, v1 = mp.log(p0 / (1 - p0)), mp.log((1 - eps) / eps)
    points = {v0, v1}
    v = v0
    while v < v1:
        points.add(v)
        v += 2
    mode = mp.log(a / b)
    width = mp.sqrt(1 / a + 1 / b)
    for s in (-30, -20, -12, -8, -5, -3, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 5, 8, 12, 20, 30):
        v = mode + s * min(width, 1)
        if v0 < v < v1:
            points.add(v)
    with mp.workdps(QUAD_DPS):
        middle = mp.quad(integrand, sorted(points))
    return left + middle + right


def bgnbd_probability_alive(params: tuple[float, ...], x: float, tx: float, T: float, s: int = 0):
    """P(alive at T) (FHL 2008, note 021, eq. 2; MBG/NBD with ``s = 1``)."""
    with mp.workdps(DPS):
        r, alpha, a, b = _f(*params)
        x, tx, T = _f(x, tx, T)
        if x == 0 and s == 0:
            return mp.mpf(1)
        ratio = a / (b + x - 1 + s) * ((alpha + T) / (alpha + tx)) ** (r + x)
        return 1 / (1 + ratio)


def bgnbd_expected_purchases(params, t, x, tx, T, s: int = 0):
    """E[X(T, T + t] | x, t_x, T] (FHL 2005, eq. 10; MBG/NBD with ``s = 1``)."""
    r, alpha, a, b = params
    with mp.workdps(DPS):
        alive = bgnbd_probability_alive(params, x, tx, T, s)
        u = mp.mpf(t) / (mp.mpf(alpha) + mp.mpf(T))
        return alive * expected_if_alive(r + x, a, b + x + s, u)


def bgnbd_expected_purchases_new(params, t, s: int = 0):
    """E[X(t)] of a new customer (FHL 2005, eq. 9; MBG/NBD: alive at 0 w.p. b / (a + b))."""
    r, alpha, a, b = params
    with mp.workdps(DPS):
        value = expected_if_alive(r, a, b + s, mp.mpf(t) / mp.mpf(alpha))
        if s:
            value *= mp.mpf(b) / (mp.mpf(a) + mp.mpf(b))
        return value


def bgnbd_probability_of_purchases(params, n, t, s: int = 0):
    """P(X(t) = n) (FHL 2005, eq. 8; the MBG/NBD shift adds one dropout chance at time 0).

    ``X(t) = min(N(t), D)``: N the negative binomial count, D the purchase after which the
    customer drops out; written with the NB probabilities summed term by term.
    """
    with mp.workdps(DPS):
        r, alpha, a, b = _f(*params)
        n, t = int(n), mp.mpf(t)
        q = t / (alpha + t)
        log_beta = mp.log(mp.beta(a, b))

        def nb(j: int) -> mp.mpf:
            if q == 0:
                return mp.mpf(1) if j == 0 else mp.mpf(0)
            return mp.exp(
                mp.loggamma(r + j)
                - mp.loggamma(r)
                - mp.loggamma(j + 1)
                + r * mp.log1p(-q)
                + j * mp.log(q)
            )

        alive = mp.exp(mp.log(mp.beta(a, b + n + s)) - log_beta) * nb(n)
        if n == 0 and s == 0:
            return alive
        # P(N >= n) = I_q(n, r) (the negative binomial tail), 1 for n == 0
        tail = mp.mpf(1) if n == 0 else mp.betainc(n, r, 0, q, regularized=True)
        died = mp.exp(mp.log(mp.beta(a + 1, b + n - 1 + s)) - log_beta) * tail
        return alive + died


# ------------------------------------------------------------------------------- Pareto/NBD
def _log_space_quad(log_integrand, shape, lo: mp.mpf, hi: mp.mpf) -> mp.mpf:
    # int_lo^hi exp(psi(y)) dy for the log-concave Pareto/NBD integrands in y = log tau, whose
    # slope is c0 - c1 tau / (alpha + tau) - c2 tau / (beta + tau), shape = (c0, c1, alpha, c2,
    # beta): find the peak by bisection on the slope, then break the range at the peak plus
    # or minus 1/4, 1/2, 1, 2, ... of its width until psi has fallen by 150.
    c0, c1, alpha, c2, beta = shape

    def slope(y: mp.mpf) -> mp.mpf:
        tau = mp.exp(y)
        return c0 - c1 * tau / (alpha + tau) - c2 * tau / (beta + tau)

    a = lo if lo > -mp.inf else hi - 4000
    b = hi
    if slope(b) >= 0:
        peak = b
    elif slope(a) <= 0:
        peak = a
    else:
        for _ in range(200):
            m = (a + b) / 2
            if slope(m) > 0:
                a = m
            else:
                b = m
        peak = (a + b) / 2
    top = log_integrand(peak)
    tau = mp.exp(peak)
    curvature = c1 * tau * alpha / (alpha + tau) ** 2 + c2 * tau * beta / (beta + tau) ** 2
    width = 1 / mp.sqrt(curvature) if curvature > 0 else mp.mpf(1)
    points = {peak, hi}
    if lo > -mp.inf:
        points.add(lo)
    for sign in (-1, 1):
        step = width / 4
        y = peak
        while True:
            y = y + sign * step
            step *= 2
            if y <= lo or y >= hi:
                break
            points.add(y)
            if log_integrand(y) < top - 150:
                break
    ordered = sorted(points)
    if lo == -mp.inf:
        ordered = [mp.mpf(-mp.inf), *ordered]
    with mp.workdps(QUAD_DPS):
        try:
            return mp.quad(lambda y: mp.exp(log_integrand(y)), ordered)
        except ZeroDivisionError:
            # tanh-sinh's error estimate divides by a panel's value; where that value is exactly
            # 0 (found by `nox -s deep`: Pareto/NBD with r + x = 151, s = 52, t_x = 0, T = 25.7)
            # Gauss-Legendre integrates the same panels
            return mp.quad(lambda y: mp.exp(log_integrand(y)), ordered, method="gauss-legendre")


def paretonbd_probability_alive(params, x, tx, T):
    """P(alive at T) (note 009, eq. 19).

    The "died in (t_x, T]" part ``s int_{t_x}^T (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau``
    is integrated directly in ``y = log tau`` (the hypergeometric difference of the published
    form cancels when t_x is close to T).
    """
    with mp.workdps(DPS):
        r, alpha, s, beta = _f(*params)
        x, tx, T = _f(x, tx, T)
        log_alive = -(r + x) * mp.log(alpha + T) - s * mp.log(beta + T)
        if tx == T:
            return mp.mpf(1)

        def log_integrand(y: mp.mpf) -> mp.mpf:
            tau = mp.exp(y)
            return (
                mp.log(s)
                - (r + x) * mp.log(alpha + tau)
                - (s + 1) * mp.log(beta + tau)
                + y
                - log_alive
            )

        lo = mp.log(tx) if tx > 0 else mp.mpf(-mp.inf)
        shape = (1, r + x, alpha, s + 1, beta)
        ratio = _log_space_quad(log_integrand, shape, lo, mp.log(T))  # died / alive
        return 1 / (1 + ratio)


def paretonbd_expected_purchases(params, t, x, tx, T, alive=None):
    """E[X(T, T + t] | x, t_x, T] (note 009, eq. 41); ``alive``: P(alive), if already known."""
    with mp.workdps(DPS):
        if alive is None:
            alive = paretonbd_probability_alive(params, x, tx, T)
        r, alpha, s, beta = _f(*params)
        t, x, T = _f(t, x, T)
        if s == 1:
            life = (beta + T) * mp.log1p(t / (beta + T))
        else:
            life = (beta + T) / (s - 1) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
        return alive * (r + x) / (alpha + T) * life


def paretonbd_expected_purchases_new(params, t):
    """E[X(t)] (note 009, eq. 27)."""
    with mp.workdps(DPS):
        r, alpha, s, beta = _f(*params)
        t = mp.mpf(t)
        if s == 1:
            return r * beta / alpha * mp.log1p(t / beta)
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


def paretonbd_probability_of_purchases(params, n, t):
    """P(X(t) = n) (note 012): alive at t with n purchases, or died at tau < t after n.

    The second part is ``int_0^t g(tau) P(N(tau) = n) dtau`` with ``g`` the Pareto (II) death
    density, integrated in ``log tau`` by ``mpmath.quad``.
    """
    with mp.workdps(DPS):
        r, alpha, s, beta = _f(*params)
        n, t = int(n), mp.mpf(t)
        if t == 0:
            return mp.mpf(1) if n == 0 else mp.mpf(0)
        log_c = mp.loggamma(r + n) - mp.loggamma(r) - mp.loggamma(n + 1)

        def log_nb(tau: mp.mpf) -> mp.mpf:
            return log_c + r * mp.log(alpha / (alpha + tau)) + n * mp.log(tau / (alpha + tau))

        alive = mp.exp(log_nb(t) + s * mp.log(beta / (beta + t)))

        def log_integrand(y: mp.mpf) -> mp.mpf:
            tau = mp.exp(y)
            return mp.log(s) + s * mp.log(beta) - (s + 1) * mp.log(beta + tau) + log_nb(tau) + y

        shape = (n + 1, n + r, alpha, s + 1, beta)
        return alive + _log_space_quad(log_integrand, shape, mp.mpf(-mp.inf), mp.log(t))


# ------------------------------------------------------------------------------- BG/BB
def _bgbb_terms(params, x, tx, n):
    alpha, beta, gamma, delta = _f(*params)
    x, tx, n = int(x), int(tx), int(n)
    b0 = mp.beta(alpha, beta) * mp.beta(gamma, delta)
    alive = mp.beta(alpha + x, beta + n - x) * mp.beta(gamma, delta + n) / b0
    died = [
        mp.beta(alpha + x, beta + tx - x + i) * mp.beta(gamma + 1, delta + tx + i) / b0
        for i in range(n - tx)
    ]
    return alive, died


def bgbb_probability_alive(params, x, tx, n):
    """P(alive at opportunity n + 1) (FHS 2010, eq. 11)."""
    with mp.workdps(DPS):
        alpha, beta, gamma, delta = _f(*params)
        alive, died = _bgbb_terms(params, x, tx, n)
        x, n = int(x), int(n)
        b0 = mp.beta(alpha, beta) * mp.beta(gamma, delta)
        alive_next = mp.beta(alpha + x, beta + n - x) * mp.beta(gamma, delta + n + 1) / b0
        return alive_next / (alive + mp.fsum(died))


def bgbb_expected_purchases(params, t, x, tx, n):
    """E[X(n, n + t) | x, t_x, n] (FHS 2010, eq. 13)."""
    with mp.workdps(DPS):
        alpha, beta, gamma, delta = _f(*params)
        alive, died = _bgbb_terms(params, x, tx, n)
        x, n, t = int(x), int(n), int(t)
        lik = alive + mp.fsum(died)
        survive = mp.fsum(
            mp.beta(gamma, delta + n + j) / mp.beta(gamma, delta) for j in range(1, t + 1)
        )
        return mp.beta(alpha + x + 1, beta + n - x) / mp.beta(alpha, beta) * survive / lik


def bgbb_expected_purchases_new(params, t):
    """E[X(t)] (FHS 2010, eq. 8)."""
    with mp.workdps(DPS):
        alpha, beta, gamma, delta = _f(*params)
        t = int(t)
        return (
            alpha
            / (alpha + beta)
            * mp.fsum(mp.beta(gamma, delta + j) / mp.beta(gamma, delta) for j in range(1, t + 1))
        )


def bgbb_probability_of_purchases(params, x, n):
    """P(X(n) = x) for a new customer (FHS 2010, eq. 7)."""
    with mp.workdps(DPS):
        alpha, beta, gamma, delta = _f(*params)
        x, n = int(x), int(n)
        if x > n:
            return mp.mpf(0)
        b_ab, b_gd = mp.beta(alpha, beta), mp.beta(gamma, delta)
        head = (
            mp.binomial(n, x)
            * mp.beta(alpha + x, beta + n - x)
            / b_ab
            * mp.beta(gamma, delta + n)
            / b_gd
        )
        tail = mp.fsum(
            mp.binomial(i, x)
            * mp.beta(alpha + x, beta + i - x)
            / b_ab
            * mp.beta(gamma + 1, delta + i)
            / b_gd
            for i in range(x, n)
        )
        return head + tail


# ------------------------------------------------------------------------------- Gamma-Gamma
def gammagamma_expected_spend(params, x, m):
    """E[spend | x, m] (Fader & Hardie 2013, eq. 5)."""
    with mp.workdps(DPS):
        p, q, v = _f(*params)
        x, m = _f(x, m)
        return p * (v + x * m) / (p * x + q - 1)
