"""Argument checks shared by every forward function.

A wrong shape in numpy often broadcasts into a silent wrong answer, so every public
function states the shapes it expects and checks them here before computing.
"""
import re

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
        dims = [d.strip() for d in spec.split(",")] if spec else []
        a = np.asarray(a)
        if a.ndim != len(dims):
            raise ValueError(
                f"{name} must have {len(dims)} dimension(s) ({spec}), got shape {a.shape}"
            )
        if not np.issubdtype(a.dtype, np.floating):
            raise ValueError(f"{name} must be a float array, got dtype {a.dtype}")
        for dim, size in zip(dims, a.shape):
            factor, letter = _parse(dim)
            if size % factor:
                raise ValueError(f"{name} has shape {a.shape}: {dim} must be a multiple of {factor}")
            size //= factor
            if letter in self._bound and self._bound[letter][0] != size:
                size0, other, shape0 = self._bound[letter]
                raise ValueError(
                    f"{name} has shape {a.shape} but {other} has shape {shape0}: "
                    f"they disagree on {letter} ({size} vs {size0})"
                )
            self._bound.setdefault(letter, (size, name, a.shape))
        if finite and not np.all(np.isfinite(a)):
            raise ValueError(f"{name} (shape {a.shape}) contains NaN or inf")
        return a

    def size(self, letter):
        return self._bound[letter][0]


def _parse(dim):
    match = _DIM.match(dim)
    if not match:
        raise ValueError(f"bad dimension spec {dim!r}")
    return int(match.group(1) or 1), match.group(2)


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
