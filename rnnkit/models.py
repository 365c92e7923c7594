"""Models: one recurrent layer and an output layer, parameters kept in a dict (chapters 2, 8).

A model is a thin object over rnnkit's functions. It owns only its parameters, ``params``,
a dict name → array that optimizers update in place; a forward pass returns a cache and the
backward pass returns the gradients as a dict with the same names, so nothing about one
batch is ever stored on the model.

    h_t = cell(x_t, h_{t−1})                    rnnkit.layers.layer_forward ("rnn", "lstm", "gru")
    o_t = b_o + V h_t                           every step (many-to-many) or the last (many-to-one)
    L   = cross-entropy of softmax(o), or the mean squared error of o

The cell kind is looked up by name in rnnkit.layers.CELLS, so a model can use every cell
registered there. Parameter names: the cell's own (``U, W, b`` for "rnn"; ``Wx, Wh, b`` for
"lstm"; ``Wx, Wh, bx, bh`` for "gru") and ``V``, ``b_o``. Initial values are drawn, as in
PyTorch, uniformly on ±1/√H from an explicit ``rng``.
"""
from typing import NamedTuple

import numpy as np

from ._checks import check_rng, positive_int
from .charlm import sample_next
from .functional import one_hot, softmax_cross_entropy
from .layers import get_cell, init_layers, layer_backward, layer_forward
from .output import (last_output_backward, last_output_forward, mean_squared_error,
                     output_backward, output_forward)

LOSSES = ("cross_entropy", "mse")


class ModelCache(NamedTuple):
    """What SequenceModel.backward needs: the recurrent layer's cache and the output layer's."""
    layer: tuple
    output: tuple


class SequenceModel:
    """A recurrent layer read by an output layer, at every step or at the last step only.

    input_size D, hidden_size H, output_size O; rng : numpy.random.Generator for the initial
    weights; cell : "rnn", "lstm" or "gru" (any name in rnnkit.layers.CELLS);
    many_to_one : score only the last step; loss : "cross_entropy" (targets are classes) or
    "mse" (targets are values shaped like the outputs).
    """

    def __init__(self, input_size, hidden_size, output_size, *, rng, cell="rnn",
                 many_to_one=False, loss="cross_entropy", dtype=np.float64):
        check_rng(rng)
        spec = get_cell(cell)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        input_size = positive_int("input_size", input_size)
        hidden_size = positive_int("hidden_size", hidden_size)
        output_size = positive_int("output_size", output_size)
        self.cell, self.many_to_one, self.loss_name = cell, bool(many_to_one), loss
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        (cell_params,) = init_layers(input_size, hidden_size, cell=cell, rng=rng, dtype=dtype)
        bound = 1 / np.sqrt(hidden_size)
        self.params = dict(zip(spec.params, cell_params))
        self.params["V"] = rng.uniform(-bound, bound, (output_size, hidden_size)).astype(dtype)
        self.params["b_o"] = rng.uniform(-bound, bound, output_size).astype(dtype)
        self._cell_names = spec.params

    def __repr__(self):
        kind = "many-to-one" if self.many_to_one else "many-to-many"
        return (f"{type(self).__name__}(cell={self.cell!r}, D={self.input_size}, "
                f"H={self.hidden_size}, O={self.output_size}, {kind}, loss={self.loss_name!r})")

    def n_parameters(self):
        """How many numbers the model learns."""
        return sum(p.size for p in self.params.values())

    def initial_state(self, batch_size):
        """Zero states for a batch: (h0,), or (h0, c0) for the LSTM, each (B, H)."""
        dtype = self.params["V"].dtype
        n_states = len(get_cell(self.cell).states)
        return tuple(np.zeros((batch_size, self.hidden_size), dtype) for _ in range(n_states))

    def forward(self, x, state=None):
        """Scores for a batch of sequences.

        x : (B, T, D); state : the tuple from initial_state (zeros when None), or the final
        state of the previous chunk to carry it on.
        Returns (outputs, state_T, cache): outputs (B, T, O), or (B, O) when many_to_one;
        state_T the tuple of states after the last step.
        """
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError(f"x must have 3 dimensions (B, T, D), got shape {x.shape}")
        state = self.initial_state(x.shape[0]) if state is None else self._check_state(state)
        hs, state_T, layer_cache = layer_forward(x, state, self._cell_params(), self.cell)
        forward = last_output_forward if self.many_to_one else output_forward
        outputs, output_cache = forward(hs, self.params["V"], self.params["b_o"])
        return outputs, state_T, ModelCache(layer_cache, output_cache)

    def backward(self, doutputs, cache):
        """Gradients of every parameter from the gradient of the outputs.

        doutputs : shaped like the outputs of forward. Returns a dict shaped like params.
        The final state is treated as a constant (what carrying it to a next chunk means).
        """
        backward = last_output_backward if self.many_to_one else output_backward
        dhs, dV, db_o = backward(doutputs, cache.output)
        n_states = len(get_cell(self.cell).states)
        _, _, dparams = layer_backward(dhs, (None,) * n_states, cache.layer)
        grads = dict(zip(self._cell_names, dparams))
        grads["V"], grads["b_o"] = dV, db_o
        return grads

    def loss(self, x, y, state=None):
        """Forward, loss and backward in one call.

        x : (B, T, D); y : targets, (B, T) or (B,) classes for cross-entropy, or values shaped
        like the outputs for "mse". Returns (loss, grads, state_T).
        """
        outputs, state_T, cache = self.forward(x, state)
        if self.loss_name == "cross_entropy":
            loss, doutputs = softmax_cross_entropy(outputs, y)
        else:
            loss, doutputs = mean_squared_error(outputs, y)
        return loss, self.backward(doutputs, cache), state_T

    def _check_state(self, state):
        states = get_cell(self.cell).states
        if not isinstance(state, tuple) or len(state) != len(states):
            names = ", ".join(f"{s}0" for s in states) + ("," if len(states) == 1 else "")
            raise ValueError(f"state must be a tuple ({names}) as initial_state returns, got "
                             f"{type(state).__name__}")
        return state

    def _cell_params(self):
        return tuple(self.params[name] for name in self._cell_names)


class CharRNN(SequenceModel):
    """A character language model: reads character indices, scores the next character.

    vocab_size V (input and output size), hidden_size H. forward and loss take integer
    indices ids (B, T) and one-hot encode them; the targets are the next characters (B, T).
    """

    def __init__(self, vocab_size, hidden_size, *, rng, cell="rnn", dtype=np.float64):
        super().__init__(vocab_size, hidden_size, vocab_size, rng=rng, cell=cell, dtype=dtype)

    def forward(self, ids, state=None):
        """ids : (B, T) integers in [0, V). Returns (scores (B, T, V), state_T, cache)."""
        ids = np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"ids must have 2 dimensions (B, T), got shape {ids.shape}")
        return super().forward(one_hot(ids, self.input_size, self.params["V"].dtype), state)

    def sample(self, prefix, n, rng, temperature=1.0):
        """Read the indices ``prefix`` (P,), then draw ``n`` characters, each fed back as input.

        Returns the n sampled indices (n,); rng : numpy.random.Generator.
        """
        check_rng(rng)
        prefix = np.asarray(prefix)
        if prefix.ndim != 1 or prefix.size == 0:
            raise ValueError(f"prefix must be a non-empty 1-D array of indices, got shape "
                             f"{prefix.shape}")
        scores, state, _ = self.forward(prefix[None])
        out = np.empty(n, dtype=np.int64)
        for k in range(n):
            out[k] = sample_next(scores[0, -1], rng, temperature)
            scores, state, _ = self.forward(out[None, k:k + 1], state)
        return out


class SequenceClassifier(SequenceModel):
    """A many-to-one classifier: the last state's scores over n_classes, cross-entropy loss."""

    def __init__(self, input_size, hidden_size, n_classes, *, rng, cell="rnn", dtype=np.float64):
        super().__init__(input_size, hidden_size, n_classes, rng=rng, cell=cell,
                         many_to_one=True, dtype=dtype)

    def predict(self, x):
        """The most likely class of every sequence: x (B, T, D) → (B,) integers."""
        return self.forward(x)[0].argmax(axis=-1)
