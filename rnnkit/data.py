"""The course's data sets: two texts, a time series and three synthetic sequence tasks.

Every random data set takes an explicit ``rng`` (a numpy.random.Generator), so the same seed
gives the same data, and returns float64 inputs in the batch-first layout x (B, T, D).

=========================  ==============================================  ===============
data                        returns                                         chapter
=========================  ==============================================  ===============
``hello()``                 the string "hello"                              1, 2
``jindallaekkot()``         the poem 진달래꽃 (Azaleas), 135 characters       1, 8
``seasonal_series``         a noisy sum of sines (+ trend), (N,)            8
``forecasting_windows``     next-value inputs/targets from a series         8
``adding_problem``          x (B, T, 2), y (B, 1)                           8
``copy_task``               x (B, T, K + 2) one-hot, y (B, T) classes       8
``frequency_classes``       x (B, T, 1), y (B,) classes                     5, 8
=========================  ==============================================  ===============
"""
from pathlib import Path

import numpy as np

from ._checks import check_rng, positive_int
from .functional import one_hot

_TEXTS = Path(__file__).parent / "texts"   # shipped as package data (pyproject.toml)


def hello():
    """The four-character-vocabulary text of the book's first model: "hello"."""
    return "hello"


def jindallaekkot():
    """The poem 진달래꽃 ("Azaleas") by Kim Sowol (김소월), 1925, in modern spelling.

    Four stanzas of three lines, a blank line between stanzas: 135 characters, 59 distinct
    (Hangul syllables, spaces, periods and newlines). The poet died in 1934; the poem is in
    the public domain.
    """
    return (_TEXTS / "jindallaekkot.txt").read_text(encoding="utf-8")


def seasonal_series(n_steps, rng, *, periods=(20.0,), amplitudes=(1.0,), trend=0.0, noise=0.1):
    """A seasonal time series: a sum of sines, a linear trend and Gaussian noise.

        y_t = Σ_j a_j sin(2π t / P_j + φ_j) + trend · t + ε_t,   ε_t ~ N(0, noise²),

    with each phase φ_j drawn uniformly from [0, 2π).
    n_steps : N; periods, amplitudes : equal-length sequences (P_j > 0).
    Returns y : (N,) float64.
    """
    check_rng(rng)
    n_steps = positive_int("n_steps", n_steps)
    periods, amplitudes = np.asarray(periods, float), np.asarray(amplitudes, float)
    if periods.ndim != 1 or periods.shape != amplitudes.shape or np.any(periods <= 0):
        raise ValueError(f"periods (shape {periods.shape}) and amplitudes (shape "
                         f"{amplitudes.shape}) must be equal-length 1-D, with periods > 0")
    if noise < 0:
        raise ValueError(f"noise must be ≥ 0, got {noise!r}")
    t = np.arange(n_steps)
    phases = rng.uniform(0, 2 * np.pi, size=periods.size)
    y = (amplitudes * np.sin(2 * np.pi * t[:, None] / periods + phases)).sum(axis=1)
    return y + trend * t + noise * rng.standard_normal(n_steps)


def forecasting_windows(series, length):
    """Every window of a series as a many-to-many forecasting example.

    series : (N,); length : T with 1 ≤ T ≤ N − 1.
    Returns x : (N − T, T, 1), the windows series[i : i + T], and y : (N − T, T, 1), the
    values one step later, series[i + 1 : i + T + 1]: at every step, predict the next value.
    """
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"series must be 1-D (N,), got shape {series.shape}")
    length = positive_int("length", length)
    if length > series.size - 1:
        raise ValueError(f"length must be at most N − 1 = {series.size - 1}, got {length}")
    idx = np.arange(series.size - length)[:, None] + np.arange(length)
    return series[idx][..., None], series[idx + 1][..., None]


def adding_problem(n, length, rng):
    """The adding problem: add the two numbers marked in a long sequence.

    Each step holds (value, marker): values uniform on [0, 1); exactly two markers are 1,
    one in the first half and one in the second, the rest 0. The target is the sum of the
    two marked values, so the first number must be remembered for up to ``length`` − 1
    steps. Predicting the mean, 1, for every sequence scores a mean squared error of 1/6.

    n : B sequences; length : T ≥ 2.
    Returns x : (B, T, 2) float64 and y : (B, 1) float64.
    """
    check_rng(rng)
    n, length = positive_int("n", n), positive_int("length", length)
    if length < 2:
        raise ValueError(f"length must be at least 2, got {length}")
    half = length // 2
    values = rng.random((n, length))
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, length, size=n)
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=-1), y[:, None]


def copy_task(n, lag, rng, *, n_symbols=8, length=10):
    """The copy task: read ``length`` symbols, wait, then write them out again.

    Classes: 0 blank, 1 … K the symbols (K = ``n_symbols``), K + 1 the delimiter. With
    L = ``length``, each sequence has T = 2L + lag steps:

        input  : s_1 … s_L,  blank × (lag − 1),  delimiter,  blank × L
        target : blank × (L + lag),              s_1 … s_L

    so every symbol must be held for L + lag steps. A model without memory can do no
    better than copy_task_baseline(lag, n_symbols, length).

    n : B sequences; lag ≥ 1. Returns x : (B, T, K + 2) one-hot float64 and
    y : (B, T) int64 target classes.
    """
    check_rng(rng)
    n, lag = positive_int("n", n), positive_int("lag", lag)
    n_symbols, length = positive_int("n_symbols", n_symbols), positive_int("length", length)
    T = 2 * length + lag
    symbols = rng.integers(1, n_symbols + 1, size=(n, length))
    inputs = np.zeros((n, T), dtype=np.int64)
    inputs[:, :length] = symbols
    inputs[:, length + lag - 1] = n_symbols + 1
    targets = np.zeros((n, T), dtype=np.int64)
    targets[:, length + lag:] = symbols
    return one_hot(inputs, n_symbols + 2), targets


def copy_task_baseline(lag, n_symbols=8, length=10):
    """The cross-entropy of the best memoryless guess on copy_task: L ln K / (2L + lag).

    Such a model predicts blank with certainty where the target is blank and a uniform
    symbol over the last L steps, losing ln K there and nothing elsewhere.
    """
    lag, n_symbols = positive_int("lag", lag), positive_int("n_symbols", n_symbols)
    length = positive_int("length", length)
    return length * np.log(n_symbols) / (2 * length + lag)


def frequency_classes(n, length, rng, *, n_classes=3, noise=0.3):
    """A toy many-to-one task: which frequency is this noisy wave?

    Class c is a sine of frequency (c + 1)/16 cycles per step (periods 16, 8, 5.3, …) with
    a random phase, plus Gaussian noise of standard deviation ``noise``; the label can only
    be read from the sequence as a whole.

    n : B sequences; length : T; n_classes from 2 to 7 (frequencies below 1/2).
    Returns x : (B, T, 1) float64 and y : (B,) int64 classes, balanced in expectation.
    """
    check_rng(rng)
    n, length, n_classes = positive_int("n", n), positive_int("length", length), positive_int("n_classes", n_classes)
    if not 2 <= n_classes <= 7:
        raise ValueError(f"n_classes must be from 2 to 7, got {n_classes}")
    y = rng.integers(0, n_classes, size=n)
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    t = np.arange(length)
    x = np.sin(2 * np.pi * (y[:, None] + 1) / 16 * t + phase)
    x += noise * rng.standard_normal((n, length))
    return x[..., None], y

