"""Activations that overwrite their argument, for the per-step loops of the gated models.

A recurrent loop runs its elementwise work once per time step on small (B, H) arrays, where
numpy's cost is the call and the temporary array rather than the arithmetic; these versions
make no temporaries. The readable definitions are in ``rnnkit.functional``.
"""
import numpy as np


def sigmoid_(a):
    """a ← σ(a) in place, computed as σ(a) = ½ (1 + tanh(a/2)).

    a : float array of any shape (a view is fine). Returns a.
    The tanh form never exponentiates a large number, so it cannot overflow or warn.
    """
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a
