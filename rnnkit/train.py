"""Training loops: chunked truncated BPTT over one long text, and mini-batches of sequences.

Chapter 4 trains a long sequence in chunks, as Karpathy's min-char-rnn does: the forward
pass runs over ``seq_len`` steps, the backward pass goes back through those steps only, and
the last hidden state becomes the first state of the next chunk. The state carries what the
model has read so far; the gradient does not flow across the cut. Each update then costs
O(seq_len) however long the text is.

Both loops record, for every update, the loss and the global gradient norm *before*
clipping (rnnkit.clip), the two curves chapters 4 and 8 plot. A model is anything with
``params`` (a dict of arrays), ``initial_state(B)`` and ``loss(x, y, state)`` returning
``(loss, grads, state_T)``, as in rnnkit.models.

What to expect (tests/test_train.py checks both):

- "hello": CharRNN(4, 8) with Adagrad(0.1), seq_len 4, 100 updates predicts "ello" from
  "hell" with no errors (loss ≈ 1.4 → below 0.01), in a few hundredths of a second.
- 진달래꽃 (135 characters, 59 distinct): CharRNN(59, 64) with Adagrad(0.1), seq_len 25,
  max_norm 5 and 1,000 updates (half a second) takes the loss on the whole poem, read from a
  zero state, from chance, ln 59 ≈ 4.08 nats per character, to 0.011–0.053 (median 0.024)
  over seeds 0–19; the test asserts < 0.1. The one guess it may still miss comes after the
  opening lines that stanzas 1 and 4 share.
"""
from typing import NamedTuple

import numpy as np

from ._checks import check_rng, positive_int
from .charlm import batchify
from .clip import clip_grad_norm, clip_grad_value, global_norm


class History(NamedTuple):
    """What a training run recorded, one entry per update."""
    loss: np.ndarray        # (n_steps,)
    grad_norm: np.ndarray   # (n_steps,) global gradient norm before clipping


def train_chunked(model, ids, *, seq_len, n_steps, optimizer, batch_size=1, max_norm=None,
                  clip_value=None):
    """Truncated BPTT over one long text, carrying the hidden state from chunk to chunk.

    model      : a many-to-many model whose loss takes (inputs, targets, state), e.g. CharRNN
    ids        : (N,) the text as integer indices
    seq_len    : steps per chunk (the truncation length)
    n_steps    : number of updates
    optimizer  : an rnnkit.optim optimizer (updates model.params in place)
    batch_size : B streams read side by side (charlm.batchify), one state row each
    max_norm   : clip the gradients to this global norm (None: no clipping)
    clip_value : or cap each gradient entry at ±clip_value (None: no capping)

    Chunk k reads inputs streams[:, p : p + T] and targets streams[:, p + 1 : p + T + 1]
    with p = k · seq_len; the last chunk of a pass may be shorter. After the end of the text
    reading starts again at the beginning from a zero state.
    Returns a History.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be a 1-D integer array (N,), got shape {ids.shape} and dtype "
                         f"{ids.dtype}")
    seq_len, n_steps = positive_int("seq_len", seq_len), positive_int("n_steps", n_steps)
    if getattr(model, "many_to_one", False):
        raise ValueError("train_chunked needs a model with a loss at every step, got a "
                         "many-to-one model")
    clip = _clipper(max_norm, clip_value)
    streams = batchify(ids, batch_size)                 # (B, L)
    L = streams.shape[1]
    losses, norms = np.empty(n_steps), np.empty(n_steps)
    p, state = 0, model.initial_state(batch_size)
    for step in range(n_steps):
        if p + 1 >= L:                                  # end of the text: start again
            p, state = 0, model.initial_state(batch_size)
        T = min(seq_len, L - 1 - p)
        inputs, targets = streams[:, p:p + T], streams[:, p + 1:p + T + 1]
        # The state comes in as plain numbers: backward stops at the start of the chunk.
        losses[step], grads, state = model.loss(inputs, targets, state)
        grads, norms[step] = clip(grads)
        optimizer.step(model.params, grads)
        p += T
    return History(losses, norms)


def train_batches(model, x, y, *, n_steps, optimizer, batch_size, rng, max_norm=None,
                  clip_value=None):
    """Mini-batch training on a set of independent sequences, each from a zero state.

    x : (N, T, D) inputs; y : (N, …) targets as model.loss takes them; batch_size : B ≤ N;
    rng : numpy.random.Generator choosing each batch (B distinct sequences at random).
    Other arguments as in train_chunked. Returns a History.
    """
    check_rng(rng)
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 3 or y.shape[:1] != x.shape[:1]:
        raise ValueError(f"x must be (N, T, D) and y must have the same first axis: x has shape "
                         f"{x.shape}, y has shape {y.shape}")
    n_steps, batch_size = positive_int("n_steps", n_steps), positive_int("batch_size", batch_size)
    if batch_size > x.shape[0]:
        raise ValueError(f"batch_size must be at most N = {x.shape[0]}, got {batch_size}")
    clip = _clipper(max_norm, clip_value)
    losses, norms = np.empty(n_steps), np.empty(n_steps)
    for step in range(n_steps):
        batch = rng.choice(x.shape[0], size=batch_size, replace=False)
        losses[step], grads, _ = model.loss(x[batch], y[batch])
        grads, norms[step] = clip(grads)
        optimizer.step(model.params, grads)
    return History(losses, norms)


def _clipper(max_norm, clip_value):
    """grads → (grads to apply, global norm before clipping)."""
    if max_norm is not None and clip_value is not None:
        raise ValueError("give max_norm or clip_value, not both")
    if max_norm is not None:
        clip_grad_norm({}, max_norm)                    # reject a bad max_norm before training
        return lambda grads: clip_grad_norm(grads, max_norm)
    if clip_value is not None:
        clip_grad_value({}, clip_value)
        return lambda grads: (clip_grad_value(grads, clip_value), global_norm(grads))
    return lambda grads: (grads, global_norm(grads))
