"""The output layer o_t = b_o + V h_t, at every step or at the last step only, and its losses.

Book chapter 1 introduces it (the scores for the next character), chapter 2 its gradients
(dV = Σ_t do_tᵀ h_t, from the computational graph), chapter 5 the two ways to use it:

    many-to-many : o_t = h_t Vᵀ + b_o for every t      hs (B, T, H) → scores (B, T, O)
    many-to-one  : o   = h_T Vᵀ + b_o, last step only  hs (B, T, H) → scores (B, O)

φ_o is left to the loss: softmax inside softmax_cross_entropy for classes, the identity
for mean_squared_error on real values.
"""
from typing import NamedTuple

import numpy as np

from ._checks import Shapes
from .functional import softmax_cross_entropy


class OutputCache(NamedTuple):
    """What the output backward passes need: the states that went in and V."""
    hs: np.ndarray      # (B, T, H)
    V: np.ndarray       # (O, H)


def output_forward(hs, V, b_o):
    """Scores at every step: o_t = h_t Vᵀ + b_o.

    hs : (B, T, H), V : (O, H), b_o : (O,). Returns scores (B, T, O) and the cache.
    All B·T steps go through one matrix product.
    """
    hs, V, b_o = _check(hs, V, b_o)
    return hs @ V.T + b_o, OutputCache(hs, V)


def output_backward(dscores, cache):
    """Backward pass of output_forward.

    dscores : (B, T, O). Returns (dhs (B, T, H), dV (O, H), db_o (O,)); dV and db_o sum
    over the batch and over time, since V and b_o are shared by every step.
    """
    hs, V = cache
    B, T, H = hs.shape
    dscores = _like("dscores", dscores, (B, T, V.shape[0]))
    flat = dscores.reshape(B * T, -1)
    dV = flat.T @ hs.reshape(B * T, H)
    db_o = flat.sum(axis=0)
    return dscores @ V, dV, db_o


def last_output_forward(hs, V, b_o):
    """Scores from the last step only (many-to-one): o = h_T Vᵀ + b_o.

    hs : (B, T, H), V : (O, H), b_o : (O,). Returns scores (B, O) and the cache.
    """
    hs, V, b_o = _check(hs, V, b_o)
    return hs[:, -1] @ V.T + b_o, OutputCache(hs, V)


def last_output_backward(dscores, cache):
    """Backward pass of last_output_forward.

    dscores : (B, O). Returns (dhs (B, T, H), dV (O, H), db_o (O,)); dhs is zero except at
    the last step, ready for the recurrent layer's backward pass.
    """
    hs, V = cache
    dscores = _like("dscores", dscores, (hs.shape[0], V.shape[0]))
    dhs = np.zeros_like(hs)
    dhs[:, -1] = dscores @ V
    return dhs, dscores.T @ hs[:, -1], dscores.sum(axis=0)


def output_loss(hs, V, b_o, targets):
    """Scores, softmax cross-entropy and its gradients in one call.

    hs : (B, T, H), V : (O, H), b_o : (O,), targets : integer classes in [0, O), either
    (B, T) for a loss at every step (mean over all B·T steps) or (B,) for the last step only.
    Returns (loss, dhs (B, T, H), dV (O, H), db_o (O,)).
    """
    hs = np.asarray(hs)
    targets = np.asarray(targets)
    if hs.ndim == 3 and targets.shape == hs.shape[:2]:
        forward, backward = output_forward, output_backward
    elif hs.ndim == 3 and targets.shape == hs.shape[:1]:
        forward, backward = last_output_forward, last_output_backward
    else:
        raise ValueError(f"targets has shape {targets.shape} but hs has shape {hs.shape}: targets "
                         f"must be (B, T) for every step or (B,) for the last step")
    scores, cache = forward(hs, V, b_o)
    loss, dscores = softmax_cross_entropy(scores, targets)
    return (loss, *backward(dscores, cache))


def mean_squared_error(predictions, targets):
    """L = mean((o − y)²) over every entry, and ∂L/∂o = 2 (o − y) / N.

    predictions : any shape, targets : the same shape. Returns (loss, dpredictions).
    """
    predictions, targets = np.asarray(predictions), np.asarray(targets)
    if not np.issubdtype(predictions.dtype, np.floating):
        raise ValueError(f"predictions must be a float array, got dtype {predictions.dtype}")
    if targets.shape != predictions.shape:
        raise ValueError(f"targets has shape {targets.shape} but predictions has shape "
                         f"{predictions.shape}: they must match")
    for name, a in (("predictions", predictions), ("targets", targets)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} (shape {a.shape}) contains NaN or inf")
    diff = predictions - targets.astype(predictions.dtype)
    n = max(diff.size, 1)
    return float(np.sum(diff * diff) / n), 2 * diff / n


def _like(name, a, shape):
    """The upstream gradient must have the shape of the scores it belongs to."""
    a = np.asarray(a)
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape} but scores has shape {shape}: "
                         f"they must match")
    return a


def _check(hs, V, b_o):
    check = Shapes()
    V = check("V", V, "O, H")
    b_o = check("b_o", b_o, "O")
    hs = check("hs", hs, "B, T, H")
    return hs, V, b_o
