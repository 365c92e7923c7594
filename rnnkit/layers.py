"""The layers of a deep recurrent network: their parameters, and one layer run in one direction.

Book chapter 5 builds stacked and bidirectional networks (``rnnkit.stacked``,
``rnnkit.bidirectional``) out of the sequence functions of chapters 1, 6 and 7
(``rnn_forward``, ``lstm_forward``, ``gru_forward``). This module holds what both need:

The layer list
--------------
A network with ``L`` layers and ``n`` directions (1, or 2 when bidirectional) keeps its
parameters in a list ``layers`` of ``n·L`` tuples. Entry ``k = n·l + d`` belongs to layer
``l`` and direction ``d`` (0 forward in time, 1 over reversed time): the same index as the
initial and final states ``h0[k]`` and ``h_n[k]``, and PyTorch's order. Each tuple holds the
arguments of the cell's sequence function after the states, in the order of ``rnnkit``'s API:

=========  =====================  ==========================================
cell       ``layers[k]``           shapes (``D_l`` is the layer's input size)
=========  =====================  ==========================================
``"rnn"``  ``(U, W, b)``           U (H, D_l), W (H, H), b (H,)
``"lstm"`` ``(Wx, Wh, b)``         Wx (4H, D_l), Wh (4H, H), b (4H,); gates i, f, g, o
``"gru"``  ``(Wx, Wh, bx, bh)``    Wx (3H, D_l), Wh (3H, H), bx (3H,), bh (3H,); gates r, z, n
=========  =====================  ==========================================

``D_0 = D``, the size of the input x; every later layer reads the outputs of the layer below,
so ``D_l = n·H`` (``H``, or ``2H`` when bidirectional, the two directions side by side).

How it maps to PyTorch (``torch.nn.RNN``, ``LSTM``, ``GRU``) with ``suffix = f"l{l}"`` for
direction 0 and ``f"l{l}_reverse"`` for direction 1 (see ``torch_names``)::

    U or Wx    = weight_ih_{suffix}
    W or Wh    = weight_hh_{suffix}
    b          = bias_ih_{suffix} + bias_hh_{suffix}     (RNN, LSTM: only the sum matters)
    bx, bh     = bias_ih_{suffix}, bias_hh_{suffix}      (GRU: b_hn sits inside r ⊙ (…))

States
------
The RNN and GRU carry one state h; the LSTM two, h and its cell c. As in PyTorch, a network's
``h0`` is an array (n·L, B, H) for the RNN and GRU and the pair ``(h0, c0)`` of such arrays for
the LSTM; its final states come back in the same form.

One layer, one direction
------------------------
``layer_forward`` runs one cell's sequence function and also returns the state after the
last step; ``layer_backward`` takes the gradient of that final state as well as of every h_t.
Since h_T is hs[:, −1], its gradient is simply added to dhs[:, −1].
"""
from typing import Callable, NamedTuple

import numpy as np

from ._checks import Shapes, blocks_of, like, sizes_of
from .gru import gru_backward, gru_forward
from .lstm import lstm_backward, lstm_forward
from .rnn import rnn_backward, rnn_forward


class Cell(NamedTuple):
    """What a deep network needs to know about one kind of recurrent cell."""
    forward: Callable    # the sequence function: (x, *state0, *params) -> (hs, cache)
    backward: Callable   # (dhs, cache, dstate_T) -> (dx, *dstate0, *dparams)
    final_state: Callable  # (hs, cache) -> the tuple of states after the last step
    params: tuple        # parameter names, in the order of layers[k]
    shapes: tuple        # their shapes; "D" is the layer's input size
    states: tuple        # state names: ("h",) or ("h", "c")
    torch: tuple         # PyTorch names per parameter (a pair when torch keeps two that add up)


def _last_h(hs, cache):
    return (hs[:, -1],)


def _last_h_c(hs, cache):
    return (hs[:, -1], cache.c_T)


def _rnn_backward(dhs, cache, dstate_T):
    (dh_T,) = dstate_T
    return rnn_backward(_add_last(dhs, dh_T), cache)


def _lstm_backward(dhs, cache, dstate_T):
    dh_T, dc_T = dstate_T
    return lstm_backward(_add_last(dhs, dh_T), cache, dc_T=dc_T)


def _gru_backward(dhs, cache, dstate_T):
    (dh_T,) = dstate_T
    return gru_backward(_add_last(dhs, dh_T), cache)


def _add_last(dhs, dh_T):
    """dhs with dh_T added at the last step: h_T = hs[:, −1] reaches the loss both ways."""
    if dh_T is None:
        return dhs
    dhs = np.array(dhs, dtype=np.result_type(dhs, dh_T))
    dhs[:, -1] += dh_T
    return dhs


CELLS = {
    "rnn": Cell(forward=rnn_forward, backward=_rnn_backward, final_state=_last_h,
                params=("U", "W", "b"), shapes=("H, D", "H, H", "H"), states=("h",),
                torch=("weight_ih", "weight_hh", ("bias_ih", "bias_hh"))),
    "lstm": Cell(forward=lstm_forward, backward=_lstm_backward, final_state=_last_h_c,
                 params=("Wx", "Wh", "b"), shapes=("4H, D", "4H, H", "4H"), states=("h", "c"),
                 torch=("weight_ih", "weight_hh", ("bias_ih", "bias_hh"))),
    "gru": Cell(forward=gru_forward, backward=_gru_backward, final_state=_last_h,
                params=("Wx", "Wh", "bx", "bh"), shapes=("3H, D", "3H, H", "3H", "3H"),
                states=("h",), torch=("weight_ih", "weight_hh", "bias_ih", "bias_hh")),
}


def get_cell(cell):
    """The Cell named ``cell`` ("rnn", "lstm" or "gru"), or a ValueError listing the choices."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {', '.join(map(repr, CELLS))}, got {cell!r}")
    return CELLS[cell]


class LayerCache(NamedTuple):
    """What layer_backward needs: the cell's name and its sequence cache."""
    cell: str
    cache: tuple


def layer_forward(x, state0, params, cell="rnn"):
    """Run one layer in one direction over x, returning its final state too.

    x : (B, T, D_l); state0 : tuple of (B, H) arrays, (h0,) or for the LSTM (h0, c0);
    params : the layer's parameter tuple (see the module docstring).
    Returns hs : (B, T, H), state_T : tuple like state0 (h_T and, for the LSTM, c_T), and
    the cache for layer_backward.
    """
    spec = get_cell(cell)
    if not isinstance(state0, (tuple, list)) or len(state0) != len(spec.states):
        want = ", ".join(s + "0" for s in spec.states) + ("," if len(spec.states) == 1 else "")
        raise ValueError(f"state0 must be the tuple ({want}) for cell {cell!r}, "
                         f"got {type(state0).__name__}"
                         + (f" of {len(state0)}" if isinstance(state0, (tuple, list)) else ""))
    hs, cache = spec.forward(x, *state0, *params)
    return hs, spec.final_state(hs, cache), LayerCache(cell, cache)


def layer_backward(dhs, dstate_T, cache):
    """Backward pass of layer_forward.

    dhs : (B, T, H), the gradient of every h_t from above; dstate_T : tuple like state_T of
    gradients of the final states (an entry may be None: no gradient).
    Returns (dx (B, T, D_l), dstate0 tuple like state0, dparams tuple like params).
    """
    spec = CELLS[cache.cell]
    grads = spec.backward(dhs, cache.cache, dstate_T)
    n = len(spec.states)
    return grads[0], tuple(grads[1:1 + n]), tuple(grads[1 + n:])


def split_states(h0, cell, name="h0"):
    """A network's states as a tuple of arrays: (h0,) or, for the LSTM, (h0, c0)."""
    states = get_cell(cell).states
    if len(states) == 1:
        return (h0,)
    if not isinstance(h0, (tuple, list)) or len(h0) != len(states):
        pair = ", ".join(name.replace("h", s, 1) for s in states)   # (h0, c0) or (dh_n, dc_n)
        raise ValueError(f"for cell {cell!r}, {name} must be the pair ({pair}), "
                         f"got {type(h0).__name__}")
    return tuple(h0)


def join_states(parts):
    """Inverse of split_states: one array, or a tuple when the cell has two states."""
    return parts[0] if len(parts) == 1 else tuple(parts)


def layer_label(k, directions):
    """Where layers[k] sits: 'layer 1' or 'layer 1, reverse'."""
    l, d = divmod(k, directions)
    return f"layer {l}" + (", reverse" if d else "")


def check_network(x, state0, layers, cell, directions):
    """Check x, the initial states and the layer list together; return them as arrays.

    x : (B, T, D); state0 : tuple of (n·L, B, H) arrays; layers : n·L parameter tuples.
    Every ValueError names the argument (e.g. ``layers[2][0] (U, layer 1)``) and both shapes.
    Returns (x, state0, layers) with every entry an ndarray.
    """
    spec = get_cell(cell)
    if isinstance(layers, np.ndarray) or not isinstance(layers, (list, tuple)):
        raise ValueError(f"layers must be a list of parameter tuples, got {type(layers).__name__}")
    kind = "bidirectional " if directions == 2 else ""
    if not layers or len(layers) % directions:
        raise ValueError(f"layers must hold {directions} parameter tuple(s) per layer for a "
                         f"{kind}network, got {len(layers)}")
    check = Shapes()
    checked = []
    for k, params in enumerate(layers):
        where = f"layers[{k}]"
        if not isinstance(params, (tuple, list)) or len(params) != len(spec.params):
            got = len(params) if isinstance(params, (tuple, list)) else type(params).__name__
            raise ValueError(f"{where} ({layer_label(k, directions)}) must hold "
                             f"{len(spec.params)} arrays ({', '.join(spec.params)}) for cell "
                             f"{cell!r}, got {got}")
        names = [f"{where}[{i}] ({name}, {layer_label(k, directions)})"
                 for i, name in enumerate(spec.params)]
        _check_recurrent_weight(names[1], params[1], spec.shapes[1], cell)
        input_size = "D"
        if k >= directions:
            # Layers above the first read the outputs below: H per direction, side by side.
            input_size = "H" if directions == 1 else "2H"
            _check_reads_layer_below(names[0], params[0], k, directions, check.size("H"))
        checked.append(tuple(check(name, p, shape.replace("D", input_size))
                             for name, p, shape in zip(names, params, spec.shapes)))
    x = check("x", x, "B, T, D")
    state0 = tuple(check(name + "0", s, "K, B, H") for name, s in zip(spec.states, state0))
    if len(state0[0]) != len(layers):
        n_layers = len(layers) // directions
        raise ValueError(
            f"{spec.states[0]}0 has shape {state0[0].shape} but layers holds {len(layers)} "
            f"parameter tuples ({n_layers} layer(s) × {directions} direction(s)): its first "
            f"axis must be {len(layers)}")
    return x, state0, checked


def _check_recurrent_weight(name, W, spec, cell):
    """The hidden-to-hidden weight (gates·H, H) fixes H by itself: say so before sizes clash."""
    shape = np.shape(W)
    gates = blocks_of(spec)
    if len(shape) == 2 and shape[0] != gates * shape[1]:
        need = "a square (H, H)" if gates == 1 else f"({spec}), {gates} gate blocks of H rows"
        raise ValueError(f"{name} has shape {shape}: cell {cell!r} needs {need}, e.g. "
                         f"({gates * shape[1]}, {shape[1]})")


def _check_reads_layer_below(name, weight, k, directions, H):
    """A clearer message than a clash of sizes when an upper layer's input weight is too narrow."""
    shape = np.shape(weight)
    if len(shape) == 2 and shape[1] != directions * H:
        l = k // directions
        size = "H" if directions == 1 else "2H"
        raise ValueError(f"{name} has shape {shape}: layer {l} reads the outputs of layer "
                         f"{l - 1}, {size} = {directions * H} per step, so it needs "
                         f"{directions * H} columns")


def check_final_grads(dstate_n, state_n, cell):
    """Gradients of the final states as a tuple like state_n (None where not given)."""
    names = [s + "_n" for s in get_cell(cell).states]
    if dstate_n is None:
        return (None,) * len(state_n)
    parts = split_states(dstate_n, cell, name="dh_n")
    return tuple(None if g is None else like("d" + name, g, name, s)
                 for name, g, s in zip(names, parts, state_n))


def torch_names(num_layers, cell="rnn", bidirectional=False):
    """PyTorch's parameter names for each entry of a layer list, as a list of tuples.

    Entry k holds one name per parameter, or a pair of names where PyTorch keeps two biases
    whose sum is rnnkit's b: ``torch_names(1)`` is
    ``[("weight_ih_l0", "weight_hh_l0", ("bias_ih_l0", "bias_hh_l0"))]``.
    """
    spec = get_cell(cell)
    suffixes = [f"l{l}{r}" for l in range(num_layers)
                for r in (["", "_reverse"] if bidirectional else [""])]
    return [tuple(tuple(f"{n}_{s}" for n in t) if isinstance(t, tuple) else f"{t}_{s}"
                  for t in spec.torch) for s in suffixes]


def layers_from_torch(tensors, cell="rnn"):
    """The layer list of a PyTorch RNN, LSTM or GRU from its parameters.

    tensors : mapping from PyTorch's names to arrays, e.g.
        ``{n: p.detach().numpy() for n, p in module.named_parameters()}``.
    The number of layers and the directions are read from the names.
    """
    num_layers = sum(1 for n in tensors if n.startswith("weight_ih_l") and "reverse" not in n)
    bidirectional = any(n.endswith("_reverse") for n in tensors)
    if num_layers == 0:
        raise ValueError("tensors holds no weight_ih_l0: not the parameters of a PyTorch RNN")
    return [tuple(sum(tensors[m] for m in n) if isinstance(n, tuple) else tensors[n]
                  for n in names)
            for names in torch_names(num_layers, cell, bidirectional)]


def init_layers(D, H, num_layers=1, *, cell="rnn", bidirectional=False, rng, dtype=np.float64):
    """Random parameters for a deep network, drawn as PyTorch does: uniform on ±1/√H.

    Returns the layer list (see the module docstring): num_layers × (2 if bidirectional else 1)
    parameter tuples. rng : a numpy.random.Generator.
    """
    spec = get_cell(cell)
    directions = 2 if bidirectional else 1
    bound = 1 / np.sqrt(H)
    layers = []
    for k in range(num_layers * directions):
        sizes = {"H": H, "D": D if k < directions else directions * H}
        layers.append(tuple(
            rng.uniform(-bound, bound, size=sizes_of(shape, sizes)).astype(dtype)
            for shape in spec.shapes))
    return layers
