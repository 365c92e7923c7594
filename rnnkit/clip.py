"""Gradient clipping: rescale the whole gradient by its global norm, or cap each entry (chapter 4).

Clipping by norm replaces the update W ← W − η g with

    W ← W − η (γ / ‖g‖) g      when ‖g‖ > γ,

where g is *every* parameter's gradient taken together, ‖g‖ = sqrt(Σ_p Σ_i g_{p,i}²), and
γ = ``max_norm``. All arrays are scaled by the same factor, so the update keeps its
direction and only its length shrinks. Clipping by value caps each entry at ±``limit``
on its own, which can change the direction.

Both functions return new arrays and never modify the gradients they are given.
"""
from collections.abc import Mapping

import numpy as np

from ._checks import positive_number


def global_norm(grads):
    """The one Euclidean norm of all arrays in ``grads`` taken together: sqrt(Σ_p ‖g_p‖²).

    grads : dict name → float array (any shapes). Returns a Python float.
    """
    _check_grads(grads)
    # Summed in float64 so that float32 gradients near 1e19 do not overflow when squared.
    return float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads.values())))


def clip_grad_norm(grads, max_norm):
    """Scale all gradients by one factor so that their global norm is at most ``max_norm``.

    grads    : dict name → float array (any shapes)
    max_norm : γ > 0

    Returns ``(clipped, total_norm)``: a new dict with the same keys, each array
    g · min(1, γ / ‖g‖) in its own dtype, and ‖g‖, the global norm *before* clipping
    (a float, worth recording: it is what explodes).
    """
    max_norm = positive_number("max_norm", max_norm)
    total_norm = global_norm(grads)
    scale = max_norm / total_norm if total_norm > max_norm else 1.0
    clipped = {name: (g * scale).astype(g.dtype, copy=False) for name, g in grads.items()}
    return clipped, total_norm


def clip_grad_value(grads, limit):
    """Cap every gradient entry to the interval [−limit, limit].

    grads : dict name → float array (any shapes); limit > 0.
    Returns a new dict with the same keys and shapes.
    """
    limit = positive_number("limit", limit)
    _check_grads(grads)
    return {name: np.clip(g, -limit, limit) for name, g in grads.items()}


def _check_grads(grads):
    if not isinstance(grads, Mapping):
        raise ValueError(f"grads must be a dict of name → array, got {type(grads).__name__}")
    for name, g in grads.items():
        if not isinstance(g, np.ndarray) or not np.issubdtype(g.dtype, np.floating):
            raise ValueError(f"grads[{name!r}] must be a float numpy array, got "
                             f"{type(g).__name__} {getattr(g, 'dtype', '')}".rstrip())
        if not np.all(np.isfinite(g)):
            # Scaling cannot rescue an inf or NaN: γ/∞ = 0 and 0·∞ = NaN.
            raise ValueError(f"grads[{name!r}] (shape {g.shape}) contains NaN or inf")
