"""Expected sales of a channel holding `a` units, and its piecewise-linear concave cut.

Demand D is normal with mean mu and std sigma (sigma = sqrt(mu) for Poisson-like channels),
truncated at zero because a channel never sells a negative number of units:

    S(a) = E[min(a, max(D, 0))] = G(a) - G(0)
    G(a) = E[min(a, D)] = mu - sigma L((a - mu) / sigma)

with L(z) = phi(z) - z (1 - Phi(z)) the standard normal loss function; S(a) = min(a, mu) when
sigma is 0.
S is concave with slope P(D > a); the LP uses its chords between equally spaced breakpoints from
the channel's floor up to mu + 3 sigma, so the pieces fill in order without binary variables.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

Floats = NDArray[np.float64]

# Beyond mu + 3 sigma a channel sells another unit with probability under 0.14%.
CURVE_END_SIGMAS = 3.0
_FAR = 30.0
_NO_SPREAD = 1e-9  # a std this small is no spread: demand is its mean


def demand_sigma(mean: Floats, std: Floats) -> Floats:
    """The std to use: the given one, or sqrt(mean) where it is NaN (no std given: Poisson)."""
    return np.where(np.isnan(std), np.sqrt(mean), std)


def expected_sales(alloc: Floats, mean: Floats, sigma: Floats) -> Floats:
    """S(a) = E[min(a, max(D, 0))] elementwise, for allocations a >= 0."""
    return _limited_mean(alloc, mean, sigma) - _limited_mean(np.zeros_like(alloc), mean, sigma)


def curve_end(floor: Floats, mean: Floats, sigma: Floats) -> Floats:
    """Where the LP's curve ends: stock beyond it is surplus, placed by priority alone."""
    return np.maximum(floor, mean + CURVE_END_SIGMAS * sigma)


def sales_pieces(
    floor: Floats, mean: Floats, sigma: Floats, segments: int
) -> tuple[Floats, Floats]:
    """Widths and chord slopes (rows: channels, columns: `segments` pieces) of S between the
    channel's floor and max(floor, mu + 3 sigma); slopes are non-increasing along a row."""
    end = curve_end(floor, mean, sigma)
    steps = np.linspace(0.0, 1.0, segments + 1)
    points = floor[:, None] + (end - floor)[:, None] * steps[None, :]
    shape = points.shape
    sales = expected_sales(
        points.ravel(), np.repeat(mean, segments + 1), np.repeat(sigma, segments + 1)
    ).reshape(shape)
    widths = np.diff(points, axis=1)
    rises = np.diff(sales, axis=1)
    slopes = np.divide(rises, widths, out=np.zeros_like(rises), where=widths > 0)
    return widths, np.clip(slopes, 0.0, 1.0)


def _limited_mean(alloc: Floats, mean: Floats, sigma: Floats) -> Floats:
    """G(a) = E[min(a, D)] for normal D; min(a, mu) where sigma is (about) 0."""
    spread = sigma > _NO_SPREAD
    safe = np.where(spread, sigma, 1.0)
    z = (alloc - mean) / safe
    # Past 30 sigmas G is min(a, mu) to machine precision, and L would overflow.
    zc = np.clip(z, -_FAR, _FAR)
    loss = np.exp(-0.5 * zc * zc) / np.sqrt(2.0 * np.pi) - zc * ndtr(-zc)
    near = spread & (np.abs(z) < _FAR)
    return np.where(near, mean - safe * loss, np.minimum(alloc, mean))
