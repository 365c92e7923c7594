"""Argument checks shared by every module: shapes, counts, positive numbers, generators.

A wrong shape in numpy often broadcasts into a silent wrong answer, so every public
function states the shapes it expects and checks them here before computing. The other
checks live here too, once, so that every module words the same mistake the same way.
"""
import re
from functools import lru_cache

import numpy as np

_DIM = re.compile(r"^(\d*)([A-Za-z]\w*)$")


class Shapes:
    """Binds dimension letters (B, T, D, H, ...) to sizes across several arguments.

    The first argument that uses a letter fixes its size; a later argument that disagrees
    raises a ValueError naming both arguments and both shapes. A dimension written ``"4H"``
    must be four times the size bound to ``H``.
    """

    def __init__(self):
        self._bound = {}  # letter -> (size, argument name, argument shape)

    def __call__(self, name, a, spec, *, finite=True):
        """Check that ``a`` is a float array whose shape matches ``spec`` ("B,T,D")."""
        dims = _dims(spec)
        a = np.asarray(a)
        if a.ndim != len(dims):
            raise ValueError(
                f"{name} must have {len(dims)} dimension(s) ({spec}), got shape {a.shape}"
            )
        if a.dtype.kind != "f":
            raise ValueError(f"{name} must be a float array, got dtype {a.dtype}")
        for (factor, letter, dim), size in zip(dims, a.shape):
            if size % factor:
                raise ValueError(f"{name} has shape {a.shape}: {dim} must be a multiple of {factor}")
            size //= factor
            bound = self._bound.get(letter)
            if bound is None:
                self._bound[letter] = (size, name, a.shape)
            elif bound[0] != size:
                size0, other, shape0 = bound
                raise ValueError(
                    f"{name} has shape {a.shape} but {other} has shape {shape0}: "
                    f"they disagree on {letter} ({size} vs {size0})"
                )
        if finite and not np.isfinite(a).all():
            raise ValueError(f"{name} (shape {a.shape}) contains NaN or inf")
        return a

    def size(self, letter):
        return self._bound[letter][0]


# Every call of a forward function checks the same few specs: parse each once.
@lru_cache(maxsize=None)
def _dims(spec):
    """ "4H, D" -> ((4, "H", "4H"), (1, "D", "D")): factor, letter and text of each dimension."""
    dims = []
    for dim in (d.strip() for d in spec.split(",")) if spec else ():
        match = _DIM.match(dim)
        if not match:
            raise ValueError(f"bad dimension spec {dim!r}")
        dims.append((int(match.group(1) or 1), match.group(2), dim))
    return tuple(dims)


def sizes_of(spec, sizes):
    """The shape that ``spec`` ("4H, D") stands for when ``sizes`` binds its letters: (4·H, D)."""
    return tuple(factor * sizes[letter] for factor, letter, _ in _dims(spec))


def blocks_of(spec):
    """How many blocks of its letter the first dimension of ``spec`` holds: "4H, H" -> 4."""
    return _dims(spec)[0][0]


def result_dtype(*arrays):
    """The float dtype numpy would give the computation: same dtype in, same dtype out."""
    return np.result_type(*arrays)


def like(name, a, ref_name, ref):
    """Check that an upstream gradient ``a`` has the shape of the forward value it belongs to."""
    a = np.asarray(a)
    if a.shape != np.shape(ref):
        raise ValueError(f"{name} has shape {a.shape} but {ref_name} has shape {np.shape(ref)}: "
                         f"they must match")
    return a


def positive_int(name, value):
    """``value`` as an int, or a ValueError: it must be an integer ≥ 1 (True is not one)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def nonnegative_int(name, value):
    """``value`` as an int, or a ValueError: it must be an integer ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be an integer ≥ 0, got {value!r}")
    return int(value)


def positive_number(name, value):
    """``value`` as a float, or a ValueError: it must be a finite real number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def check_rng(rng):
    """Every random draw takes an explicit numpy Generator: no hidden global state."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")
    return rng


def check_cache(cache, kind, made_by):
    """A backward pass reads the cache of its own forward pass: say so when given another."""
    if not isinstance(cache, kind):
        raise ValueError(f"cache must come from {made_by}, got a {type(cache).__module__}."
                         f"{type(cache).__qualname__}: pass each cache to the backward function "
                         f"of the forward function that made it")
    return cache
