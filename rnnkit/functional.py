"""Activations, their derivatives, softmax, one-hot vectors and the cross-entropy loss.

Defined in the book's chapter 1 (activations, softmax, one-hot) and chapter 2 (the loss).
The derivatives take the activation's *output*, as the backward passes have it to hand:
σ'(z) = σ(1 − σ) and tanh'(z) = 1 − tanh².
"""
import numpy as np


def sigmoid(z):
    """σ(z) = 1 / (1 + e^(−z)), computed without overflow for large |z|.

    z : any shape. Returns the same shape and dtype.
    """
    # exp(-log(1 + e^(-z))) never exponentiates a large positive number.
    return np.exp(-np.logaddexp(0, -np.asarray(z)))


def tanh(z):
    """tanh(z). z : any shape."""
    return np.tanh(z)


def relu(z):
    """max(0, z). z : any shape."""
    return np.maximum(z, 0)


def dsigmoid(s):
    """σ'(z) written in terms of the output s = σ(z): s (1 − s)."""
    return s * (1 - s)


def dtanh(t):
    """tanh'(z) written in terms of the output t = tanh(z): 1 − t²."""
    return 1 - t * t


def drelu(r):
    """relu'(z) written in terms of the output r = relu(z): 1 where r > 0, else 0."""
    r = np.asarray(r)
    return (r > 0).astype(r.dtype)


def softmax(z, axis=-1):
    """softmax(z)_i = e^(z_i) / Σ_j e^(z_j) along ``axis``.

    Subtracting the maximum first leaves the result unchanged and keeps exp from overflowing.
    z : (..., C). Returns the same shape; entries along ``axis`` sum to 1.
    """
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        raise ValueError(f"z must be a float array, got dtype {z.dtype}")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def one_hot(indices, n, dtype=np.float64):
    """Turn integer class indices into one-hot vectors.

    indices : (...) integers in [0, n). Returns (..., n) floats with a single 1 per vector.
    """
    indices = np.asarray(indices)
    if not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"indices must be integers, got dtype {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(
            f"indices must lie in [0, {n}), got values from {indices.min()} to {indices.max()}"
        )
    return np.eye(n, dtype=dtype)[indices]


def log_softmax(z, axis=-1):
    """log softmax(z), computed as z − logsumexp(z) so that tiny probabilities keep their digits."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_cross_entropy(scores, targets):
    """Mean cross-entropy of softmax(scores) against integer targets, and its gradient.

    scores  : (..., C) unnormalised scores (logits)
    targets : (...)    integer classes in [0, C)

    L = −(1/N) Σ_n log softmax(scores_n)[targets_n], over all N positions, and
    ∂L/∂scores_n = (softmax(scores_n) − onehot(targets_n)) / N.

    Returns (loss, dscores) with loss a float and dscores shaped like scores.
    """
    scores = np.asarray(scores)
    targets = np.asarray(targets)
    if scores.ndim < 1 or not np.issubdtype(scores.dtype, np.floating):
        raise ValueError(f"scores must be a float array (..., C), got shape {scores.shape} "
                         f"and dtype {scores.dtype}")
    if targets.shape != scores.shape[:-1]:
        raise ValueError(f"targets has shape {targets.shape} but scores has shape {scores.shape}: "
                         f"targets must be scores.shape[:-1] = {scores.shape[:-1]}")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"scores (shape {scores.shape}) contains NaN or inf")
    C = scores.shape[-1]
    onehot = one_hot(targets, C, dtype=scores.dtype)
    n = max(targets.size, 1)
    logp = log_softmax(scores)
    loss = -(logp * onehot).sum() / n
    dscores = (np.exp(logp) - onehot) / n
    return float(loss), dscores
