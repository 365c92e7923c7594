"""Truncated backpropagation through time (chapter 4).

Full BPTT sends the loss at step s back to every earlier step:

    ∂E_s/∂W = Σ_{t=1}^{s} ∂E_s/∂o_s · ∂o_s/∂h_s · Π_{k=t}^{s−1} ∂h_{k+1}/∂h_k · ∂h_t/∂W.

Truncated BPTT keeps only the last n + 1 terms, t = s − n … s: the loss at step s reaches
back through at most n step Jacobians, and the gradient is the sum of these cut sums over s.
The same cut applies to every quantity step t feeds (U, W, b, x_t, and h_0 through step 1).

This is the per-step truncation of the formula. In practice one usually truncates by
*chunks* instead: run the forward pass over k steps, backpropagate through those k steps
only and carry h forward to the next chunk (rnnkit.train.train_chunked). There the loss
at step s reaches back s − (start of its chunk) steps, between 0 and k − 1, at the cost of
ordinary BPTT on each chunk.
"""
import numpy as np

from ._checks import check_cache, like, nonnegative_int
from .fast.rnn import SequenceCache
from .rnn import rnn_backward


def truncated_rnn_backward(dhs, cache, n):
    """BPTT for rnnkit.rnn with the loss at each step s sent back through at most n steps.

    dhs   : (B, T, H), ∂E_s/∂h_s for every step s (zero where a step has no loss)
    cache : from rnn_forward (the time-major cache of its fast twin, rnnkit.fast.rnn)
    n     : int ≥ 0, the truncation length; n = 0 keeps only each step's own term and
            n ≥ T − 1 cuts nothing, giving exactly rnn_backward's result.

    Returns (dx (B, T, D), dh0 (B, H), dU (H, D), dW (H, H), db (H,)), as rnn_backward.

    Notes
    -----
    Going backward in time, the gradients that left each step s are kept apart by their
    age a = s − t ∈ {0, …, n}, as a stack (n + 1, B, H). At step t they all pass through
    tanh' together, their sum is ∂L/∂z_t, and only the ages below n continue into h_{t−1}:

        dz_t^(a) = (dh_t^(a)) ⊙ (1 − h_t²),   dh_{t−1}^(a+1) = dz_t^(a) W,   a < n.

    Cost: each step multiplies n gradients by W instead of one, so the time is
    O(T · n · B · H²) against O(T · B · H²) for full BPTT, and the extra memory is the
    O(n · B · H) stack of gradients in flight. Per-step truncation is therefore *dearer*
    than the full sum it approximates; its use is to show what the cut changes (and with
    n ≥ T − 1 it hands over to rnn_backward). The saving comes from chunked truncation.
    """
    n = nonnegative_int("n", n)
    x_tm, hs_tm, U, W = check_cache(cache, SequenceCache, "rnnkit.rnn.rnn_forward")
    T, B, D = x_tm.shape
    H = W.shape[0]
    if n >= T - 1:
        return rnn_backward(dhs, cache)
    dhs = like("dhs", dhs, "hs", hs_tm[1:].transpose(1, 0, 2))
    dz = np.empty_like(hs_tm[1:])                        # (T, B, H): truncated ∂L/∂z_t
    in_flight = np.empty((n + 1, B, H), dtype=hs_tm.dtype)  # ∂E_{t+a}/∂h_t by age a
    in_flight[1:] = 0
    for t in range(T - 1, -1, -1):
        h = hs_tm[t + 1]
        in_flight[0] = dhs[:, t]                          # age 0: step t's own loss
        in_flight *= 1 - h * h                            # every age through tanh'
        dz[t] = in_flight.sum(axis=0)
        # Ages 0 … n−1 move one step back and grow one older; age n is cut off here.
        in_flight[1:] = in_flight[:-1] @ W
    dz_flat = dz.reshape(T * B, H)
    dU = dz_flat.T @ x_tm.reshape(T * B, D)
    dW = dz_flat.T @ hs_tm[:-1].reshape(T * B, H)
    db = dz_flat.sum(axis=0)
    dx = (dz_flat @ U).reshape(T, B, D).transpose(1, 0, 2)
    dh0 = dz[0] @ W
    return dx, dh0, dU, dW, db
