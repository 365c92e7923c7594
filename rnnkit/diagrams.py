"""The diagrams the lectures are built around, drawn with matplotlib when the book is built.

- ``lstm_cell()``: the LSTM cell of chapter 6, its gates, the cell state and where each of the
  six equations acts;
- ``gru_cell()``: the GRU cell of chapter 7 in PyTorch's form, with its four equations;
- ``rnn_step_graph()``: the computational graph of one RNN step (chapter 2), forward with the
  value on each edge and backward with the gradient that flows back along it;
- ``lstm_step_graph()``: the same for one LSTM step (chapter 6).

The symbols are the book's: $C_t$, $\\tilde C_t$ (``g`` in code), gates in the stacked order
i, f, g, o for the LSTM and r, z, n for the GRU, $U$, $W$, $V$, $z_t$, $\\delta_t$ for the RNN.
Every function returns its figure; the pages display it. A drawing is made of a few helpers:
``Node`` (a box or a circle with a label) and ``wire`` (a line with an arrowhead at its end),
placed on a grid of data units.
"""
from dataclasses import dataclass

# Colours: sigmoid gates, tanh layers, elementwise operations, parameters, and the two passes.
GATE = "#cfe2f3"
LAYER = "#fce5cd"
OP = "#ffffff"
PARAM = "#eeeeee"
STATE = "#d9ead3"
FORWARD = "#222222"
BACKWARD = "#c0392b"
EQUATION = "#1f4e79"


@dataclass
class Node:
    """A labelled shape centred on (x, y), half ``w`` wide and half ``h`` high (data units)."""
    x: float
    y: float
    w: float = 0.3
    h: float = 0.3

    def top(self, dx=0.0):
        return (self.x + dx, self.y + self.h)

    def bottom(self, dx=0.0):
        return (self.x + dx, self.y - self.h)

    def left(self, dy=0.0):
        return (self.x - self.w, self.y + dy)

    def right(self, dy=0.0):
        return (self.x + self.w, self.y + dy)

    def border_towards(self, point):
        """Where the segment from the centre to ``point`` leaves the node's box."""
        dx, dy = point[0] - self.x, point[1] - self.y
        scale = min(self.w / abs(dx) if dx else float("inf"),
                    self.h / abs(dy) if dy else float("inf"))
        return (self.x + dx * scale, self.y + dy * scale)


def canvas(width, height, figsize):
    """A figure with one axes of ``width`` × ``height`` data units, square, without axes."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def box(ax, x, y, text, w=0.45, h=0.3, color=GATE, fontsize=11, name=None):
    """A rounded box with ``text`` inside (a layer, a parameter, a state)."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w, y - h), 2 * w, 2 * h, boxstyle="round,pad=0.02",
                                facecolor=color, edgecolor="0.3", lw=1, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4, gid=name)
    return Node(x, y, w, h)


def op(ax, x, y, symbol, r=0.22, fontsize=12, name=None):
    """A circle with an operation in it: × (elementwise product), + (sum), tanh, 1−."""
    from matplotlib.patches import Circle

    ax.add_patch(Circle((x, y), r, facecolor=OP, edgecolor="0.3", lw=1, zorder=3))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=fontsize, zorder=4, gid=name)
    return Node(x, y, r, r)


def wire(ax, points, color=FORWARD, lw=1.4, arrow=True, style="-"):
    """A polyline through ``points`` with an arrowhead at its last point."""
    xs, ys = zip(*points)
    if len(points) > 2:
        ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, ls=style, zorder=2,
                solid_capstyle="butt")
    ax.annotate("", xy=points[-1], xytext=points[-2], zorder=2,
                arrowprops=dict(arrowstyle="-|>" if arrow else "-", color=color, lw=lw,
                                ls=style, shrinkA=0, shrinkB=0, mutation_scale=12))


def label(ax, x, y, text, color=FORWARD, fontsize=11, ha="center", va="center", name=None,
          **kwargs):
    """Text at (x, y): the name of a value on a wire, or an equation."""
    return ax.text(x, y, text, color=color, fontsize=fontsize, ha=ha, va=va, zorder=5,
                   gid=name, **kwargs)


def equation_number(ax, x, y, number):
    """A small numbered disc that ties a place in the diagram to an equation in the list."""
    return ax.text(x, y, str(number), ha="center", va="center", fontsize=9, color="white",
                   fontweight="bold", zorder=6, gid=f"eq{number}",
                   bbox=dict(boxstyle="circle,pad=0.2", facecolor=EQUATION, edgecolor="none"))


def equation_list(ax, x, y, equations, spacing=0.62, fontsize=11):
    """The numbered equations, one a line, from (x, y) downwards."""
    for k, equation in enumerate(equations, start=1):
        equation_number(ax, x, y - k * spacing, k)
        label(ax, x + 0.3, y - k * spacing, equation, ha="left", fontsize=fontsize,
              color=EQUATION)


# ---------------------------------------------------------------------------------------------
# The LSTM cell (chapter 6)

LSTM_EQUATIONS = [
    r"$f_t = \sigma(W_f \cdot [h_{t-1}, x_t] + b_f)$",
    r"$i_t = \sigma(W_i \cdot [h_{t-1}, x_t] + b_i)$",
    r"$\tilde C_t = \tanh(W_C \cdot [h_{t-1}, x_t] + b_C)$",
    r"$C_t = f_t * C_{t-1} + i_t * \tilde C_t$",
    r"$o_t = \sigma(W_o \cdot [h_{t-1}, x_t] + b_o)$",
    r"$h_t = o_t * \tanh(C_t)$",
]


def housing(ax, x, y, width, height):
    """The shaded box that holds a cell's layers."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.1",
                                facecolor="#f7f7f7", edgecolor="0.6", lw=1, zorder=0))


def state_line(ax, y, start, ops, stop):
    """The thick line a cell's state runs along, from x=start through ``ops`` to x=stop."""
    points = [(start, y)] + [p for o in ops for p in (o.left(), o.right())] + [(stop, y)]
    for a, b in zip(points[::2], points[1::2]):
        wire(ax, [a, b], lw=2.4)


def lstm_cell():
    """The LSTM cell: the cell-state belt on top, the four layers below it, and the six
    equations of chapter 6, each numbered where it acts."""
    fig, ax = canvas(19.5, 7.2, figsize=(11, 4.1))
    housing(ax, 1.1, 0.9, 9.6, 5.4)
    belt, bus = 5.6, 1.4

    # The cell-state belt: one elementwise product and one sum.
    forget = op(ax, 3.2, belt, "×")
    add = op(ax, 6.2, belt, "+")
    state_line(ax, belt, 0.1, [forget, add], 11.8)
    label(ax, 0.2, belt + 0.35, r"$C_{t-1}$", ha="left", name="C_prev")
    label(ax, 11.7, belt + 0.35, r"$C_t$", ha="right", name="C_t")
    label(ax, 8.3, belt + 0.45, "cell state (the belt)", fontsize=9, color="0.35")

    # [h_{t-1}, x_t] runs along the bottom and feeds the four layers.
    wire(ax, [(0.1, bus), (8.9, bus)], arrow=False)
    wire(ax, [(1.9, 0.05), (1.9, bus)], arrow=False)
    label(ax, 0.2, bus + 0.3, r"$h_{t-1}$", ha="left", name="h_prev")
    label(ax, 2.1, 0.25, r"$x_t$", ha="left", name="x_t")
    label(ax, 5.9, bus - 0.32, r"$[h_{t-1}, x_t]$", fontsize=10)

    layers = {}
    for gate, x, act, color in [("f", 3.2, r"$\sigma$", GATE), ("i", 4.6, r"$\sigma$", GATE),
                                ("g", 6.2, "tanh", LAYER), ("o", 8.2, r"$\sigma$", GATE)]:
        layers[gate] = box(ax, x, 2.6, act, w=0.42, h=0.3, color=color, name=f"layer_{gate}")
        wire(ax, [(x, bus), layers[gate].bottom()])

    # forget gate → the belt's product
    wire(ax, [layers["f"].top(), forget.bottom()])
    label(ax, 2.85, 4.0, r"$f_t$", name="f_t")
    # input gate × candidate → the belt's sum
    write = op(ax, 6.2, 4.2, "×")
    wire(ax, [layers["i"].top(), (4.6, 4.2), write.left()])
    wire(ax, [layers["g"].top(), write.bottom()])
    wire(ax, [write.top(), add.bottom()])
    label(ax, 4.25, 3.5, r"$i_t$", name="i_t")
    label(ax, 6.35, 3.4, r"$\tilde C_t$ (g)", ha="left", name="g_t")
    # output: o_t × tanh(C_t)
    squash = op(ax, 9.4, 4.4, "tanh", r=0.36, fontsize=9)
    show = op(ax, 9.4, 3.4, "×")
    wire(ax, [(9.4, belt), squash.top()])
    wire(ax, [squash.bottom(), show.top()])
    wire(ax, [layers["o"].top(), (8.2, 3.4), show.left()])
    label(ax, 7.9, 3.25, r"$o_t$", name="o_t")
    wire(ax, [show.bottom(), (9.4, 0.6), (11.8, 0.6)])
    wire(ax, [(10.3, 0.6), (10.3, 7.1)])
    label(ax, 11.7, 0.9, r"$h_t$", ha="right", name="h_t")
    label(ax, 10.45, 6.95, r"$h_t$ (to the output)", ha="left", fontsize=10)

    # Where each equation acts.
    for number, (x, y) in enumerate([(2.55, 2.6), (4.0, 2.6), (5.6, 2.6), (6.65, 5.95),
                                     (7.6, 2.6), (9.95, 3.4)], start=1):
        equation_number(ax, x, y, number)

    equation_list(ax, 12.4, 7.0, LSTM_EQUATIONS, spacing=0.75)
    label(ax, 12.4, 1.7, "rnnkit stacks the four layers in the order i, f, g, o:",
          ha="left", fontsize=9.5, color="0.3")
    label(ax, 12.4, 1.15, r"$A_t = x_t W_x^\top + h_{t-1} W_h^\top + b = [a_i, a_f, a_g, a_o]$",
          ha="left", fontsize=10, color="0.3", name="stacked")
    label(ax, 12.4, 0.5, r"$\times$: elementwise product $*$;  $\sigma$: sigmoid",
          ha="left", fontsize=9.5, color="0.3")
    fig.tight_layout(pad=0.2)
    return fig


# ---------------------------------------------------------------------------------------------
# The GRU cell (chapter 7)

GRU_EQUATIONS = [
    r"$r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr})$",
    r"$z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})$",
    r"$n_t = \tanh(W_{in} x_t + b_{in} + r_t * (W_{hn} h_{t-1} + b_{hn}))$",
    r"$h_t = (1 - z_t) * n_t + z_t * h_{t-1}$",
]


def gru_cell():
    """The GRU cell in PyTorch's (and rnnkit's) form: the state line on top with the update
    gate's interpolation, the reset gate acting on the hidden part of the candidate."""
    fig, ax = canvas(21.0, 7.6, figsize=(11.5, 4.2))
    housing(ax, 1.2, 0.8, 8.6, 6.0)
    top, bus = 6.3, 1.3

    keep = op(ax, 2.9, top, "×")
    mix = op(ax, 8.4, top, "+")
    state_line(ax, top, 0.1, [keep, mix], 10.9)
    label(ax, 0.2, top + 0.35, r"$h_{t-1}$", ha="left", name="h_prev")
    label(ax, 10.8, top + 0.35, r"$h_t$", ha="right", name="h_t")
    label(ax, 5.3, top + 0.35, r"$z_t * h_{t-1}$", fontsize=10)

    # h_{t-1} and x_t along the bottom
    wire(ax, [(0.7, top), (0.7, bus), (8.9, bus)], arrow=False)
    wire(ax, [(1.7, 0.05), (1.7, bus)], arrow=False)
    label(ax, 1.9, 0.25, r"$x_t$", ha="left", name="x_t")
    label(ax, 4.9, bus - 0.32, r"$h_{t-1}, x_t$", fontsize=10)

    z = box(ax, 2.9, 2.5, r"$\sigma$", w=0.42, color=GATE, name="layer_z")
    r = box(ax, 4.3, 2.5, r"$\sigma$", w=0.42, color=GATE, name="layer_r")
    hn = box(ax, 6.2, 2.5, r"$W_{hn} h_{t-1} + b_{hn}$", w=1.05, h=0.3, color=PARAM,
             fontsize=9)
    xn = box(ax, 8.4, 2.5, r"$W_{in} x_t + b_{in}$", w=0.85, h=0.3, color=PARAM, fontsize=9)
    for node in (z, r, hn, xn):
        wire(ax, [(node.x, bus), node.bottom()])

    # update gate: z_t keeps the old state, 1 − z_t lets the candidate in
    wire(ax, [z.top(), keep.bottom()])
    one_minus = op(ax, 5.3, 5.2, "1−", r=0.26, fontsize=9)
    take = op(ax, 8.4, 5.2, "×")
    wire(ax, [(2.9, 5.2), one_minus.left()])
    wire(ax, [one_minus.right(), take.left()])
    wire(ax, [take.top(), mix.bottom()])
    label(ax, 2.55, 4.1, r"$z_t$", name="z_t")
    label(ax, 6.75, 5.5, r"$1 - z_t$", fontsize=10)
    # reset gate: r_t scales the hidden part of the candidate
    reset = op(ax, 6.2, 3.5, "×")
    wire(ax, [r.top(), (4.3, 3.5), reset.left()])
    wire(ax, [hn.top(), reset.bottom()])
    label(ax, 3.95, 3.2, r"$r_t$", name="r_t")
    total = op(ax, 8.4, 3.5, "+")
    wire(ax, [reset.right(), total.left()])
    wire(ax, [xn.top(), total.bottom()])
    squash = op(ax, 8.4, 4.35, "tanh", r=0.33, fontsize=9)
    wire(ax, [total.top(), squash.bottom()])
    wire(ax, [squash.top(), take.bottom()])
    label(ax, 8.95, 4.8, r"$n_t$", name="n_t")
    # h_t out of the cell, to the output and to step t + 1
    wire(ax, [(9.4, top), (9.4, 7.5)])
    label(ax, 9.55, 7.35, r"$h_t$ (to the output)", ha="left", fontsize=10)

    for number, (x, y) in enumerate([(4.3 + 0.65, 2.5 + 0.3), (2.9 - 0.65, 2.5 + 0.3),
                                     (8.95, 4.35), (8.4, top + 0.55)], start=1):
        equation_number(ax, x, y, number)

    equation_list(ax, 11.5, 7.4, GRU_EQUATIONS, spacing=0.8)
    label(ax, 11.5, 2.9, "rnnkit stacks the gates in the order r, z, n:", ha="left",
          fontsize=9.5, color="0.3")
    label(ax, 11.5, 2.3, r"$W_x = [W_{ir}; W_{iz}; W_{in}]$,  $W_h = [W_{hr}; W_{hz}; W_{hn}]$",
          ha="left", fontsize=10, color="0.3", name="stacked")
    label(ax, 11.5, 1.5, r"$\times$: elementwise product $*$;  $\sigma$: sigmoid",
          ha="left", fontsize=9.5, color="0.3")
    label(ax, 11.5, 0.9, r"$r_t$ acts after the product $W_{hn} h_{t-1}$ (PyTorch's form)",
          ha="left", fontsize=9.5, color="0.3")
    fig.tight_layout(pad=0.2)
    return fig


# ---------------------------------------------------------------------------------------------
# Computational graphs, forward and backward

def visible_text(text):
    """``text`` without TeX markup, roughly what is seen: "$h_{t-1}$" -> "ht-1"."""
    for word in ("\\sigma", "\\tilde"):
        text = text.replace(word, "s")
    return "".join(c for c in text if c not in "$\\{}_^")


def graph(ax, nodes, edges, backward):
    """Draws a computational graph on ``ax``.

    nodes : {name: (x, y, text, kind)} with kind "op", "value" or "param".
    edges : [(source, target, forward label, backward label, backward place, forward place)];
        a place is (fraction along the edge, dx, dy, ha) and the forward place may be left out
        (then the label sits just above the middle). Forward, the arrow runs from source to
        target and carries the value; backward, it runs from target to source, dashed and
        red, and carries the gradient.
    """
    drawn = {}
    for name, (x, y, text, kind) in nodes.items():
        if kind == "op":
            n = len(visible_text(text))
            size = 18 if text == "·" else 12 if n < 3 else 10 if n < 6 else 9
            drawn[name] = op(ax, x, y, text, r=0.42 if n > 5 else 0.3, fontsize=size,
                             name=f"node_{name}")
        else:
            width = max(0.35, 0.095 * len(visible_text(text)) + 0.18)
            color = {"param": PARAM, "value": STATE}[kind]
            drawn[name] = box(ax, x, y, text, w=width, h=0.28, color=color, fontsize=11,
                              name=f"node_{name}")
    for source, target, forward, backward_text, *places in edges:
        a, b = drawn[source], drawn[target]
        start, end = a.border_towards((b.x, b.y)), b.border_towards((a.x, a.y))
        if backward:
            start, end = end, start
        wire(ax, [start, end], color=BACKWARD if backward else FORWARD,
             style="--" if backward else "-")
        text = backward_text if backward else forward
        if not text:
            continue
        if backward:
            fraction, dx, dy, ha = places[0]
        else:
            fraction, dx, dy, ha = places[1] if len(places) > 1 else (0.5, 0, 0.3, "center")
        x = a.x + fraction * (b.x - a.x) + dx
        y = a.y + fraction * (b.y - a.y) + dy
        label(ax, x, y, text, color=BACKWARD if backward else FORWARD, ha=ha, fontsize=10,
              name="grad" if backward else "value",
              bbox=dict(facecolor="white", edgecolor="none", alpha=0.85, pad=0.5))


RNN_NODES = {
    "x": (0.6, 0.7, r"$x_t$", "value"),
    "h_prev": (0.6, 3.0, r"$h_{t-1}$", "value"),
    "U": (2.6, -0.4, r"$U$", "param"),
    "W": (2.6, 4.1, r"$W$", "param"),
    "Ux": (2.6, 0.7, "·", "op"),
    "Wh": (2.6, 3.0, "·", "op"),
    "b_h": (4.6, 3.4, r"$b_h$", "param"),
    "z": (4.6, 1.85, "+", "op"),
    "tanh": (6.8, 1.85, "tanh", "op"),
    "h": (8.7, 1.85, r"$h_t$", "value"),
    "V": (10.5, 3.3, r"$V$", "param"),
    "Vh": (10.5, 1.85, "·", "op"),
    "b_o": (12.3, 3.3, r"$b_o$", "param"),
    "o": (12.3, 1.85, "+", "op"),
    "loss": (14.2, 1.85, r"$L_t$", "value"),
    "next": (8.7, -0.4, r"step $t+1$", "value"),
}

# (source, target, forward value, backward gradient, label place)
RNN_EDGES = [
    ("x", "Ux", r"$x_t$", r"$U^\top \delta_t$", (0.5, 0, 0.3, "center")),
    ("U", "Ux", "", r"$\partial L/\partial U\ {+}{=}\ \delta_t x_t^\top$",
     (0.5, 0.15, 0, "left")),
    ("h_prev", "Wh", r"$h_{t-1}$", r"$W^\top \delta_t$",
     (0.7, 0, -0.4, "center")),
    ("W", "Wh", "", r"$\partial L/\partial W\ {+}{=}\ \delta_t h_{t-1}^\top$",
     (0.5, -0.15, 0.05, "right")),
    ("Wh", "z", r"$W h_{t-1}$", r"$\delta_t$", (0.5, 0.15, 0.3, "left"),
     (0.5, 0.15, 0.3, "left")),
    ("Ux", "z", r"$U x_t$", r"$\delta_t$", (0.5, 0.15, -0.3, "left"),
     (0.5, 0.15, -0.3, "left")),
    ("b_h", "z", "", r"$\partial L/\partial b_h\ {+}{=}\ \delta_t$", (0.5, 0.15, 0, "left")),
    ("z", "tanh", r"$z_t$", r"$\delta_t = (1 - h_t^2) \odot \partial L/\partial h_t$",
     (0.5, 0.2, -0.45, "center")),
    ("tanh", "h", r"$h_t$", r"$\partial L/\partial h_t$", (0.5, 0, 0.35, "center")),
    ("h", "Vh", r"$h_t$", r"$V^\top \partial L/\partial o_t$", (0.5, 0.1, -0.45, "center")),
    ("V", "Vh", "", r"$\partial L/\partial V\ {+}{=}\ (\partial L/\partial o_t)\, h_t^\top$",
     (0.5, -0.15, 0.1, "right")),
    ("Vh", "o", r"$V h_t$", ""),
    ("b_o", "o", "", r"$\partial L/\partial b_o\ {+}{=}\ \partial L/\partial o_t$",
     (0.5, 0.15, 0, "left")),
    ("o", "loss", r"$o_t$", r"$\partial L/\partial o_t$", (0.5, 0, -0.4, "center")),
    ("h", "next", r"$h_t$", "dh_next", (0.5, 0.15, 0, "left"), (0.5, 0.15, 0, "left")),
]


def rnn_step_graph():
    """One step of the tanh RNN of chapter 2 as a computational graph: above, the forward
    pass with the value on each edge; below, the backward pass with the gradient that flows
    back along each edge (dashed, red)."""
    return forward_and_backward(
        RNN_NODES, RNN_EDGES, height=7.4, xlim=(-0.2, 15.0), ylim=(-0.9, 4.6), fontsize=11,
        forward=r"forward: $z_t = b_h + W h_{t-1} + U x_t$,  $h_t = \tanh(z_t)$,  "
                r"$o_t = b_o + V h_t$",
        backward=r"backward: the gradient of the loss along each edge "
                 r"($\partial L/\partial h_t = V^\top \partial L/\partial o_t$ + dh_next)")


LSTM_NODES = {
    "x": (0.5, 0.5, r"$x_t$", "value"),
    "h_prev": (0.5, 3.3, r"$h_{t-1}$", "value"),
    "params": (2.6, 3.5, r"$W_x, W_h, b$", "param"),
    "affine": (2.6, 1.9, "affine", "op"),
    "split": (4.6, 1.9, "split", "op"),
    "f": (7.2, 4.1, r"$\sigma$", "op"),
    "i": (7.2, 2.9, r"$\sigma$", "op"),
    "g": (7.2, 1.7, "tanh", "op"),
    "o": (7.2, 0.0, r"$\sigma$", "op"),
    "C_prev": (0.5, 5.6, r"$C_{t-1}$", "value"),
    "forget": (8.9, 5.6, "×", "op"),
    "write": (8.9, 2.3, "×", "op"),
    "add": (10.4, 5.6, "+", "op"),
    "C": (12.2, 5.6, r"$C_t$", "value"),
    "tanhC": (12.2, 2.4, "tanh", "op"),
    "show": (12.2, 0.0, "×", "op"),
    "h": (14.2, 0.0, r"$h_t$", "value"),
    "C_next": (14.8, 5.6, r"step $t+1$", "value"),
}

# (source, target, forward value, backward gradient, backward label place[, forward place])
LSTM_EDGES = [
    ("x", "affine", r"$x_t$", r"$dx_t = dA_t W_x$", (0, -0.5, -0.6, "left"),
     (0.5, -0.1, 0.3, "center")),
    ("h_prev", "affine", r"$h_{t-1}$", r"$dh_{t-1} = dA_t W_h$", (0, -0.5, -1.2, "left"),
     (0.5, -0.2, -0.3, "center")),
    ("params", "affine", "",
     r"$dW_x = dA_t^\top x_t,\ dW_h = dA_t^\top h_{t-1},\ db = \sum dA_t$",
     (0, -2.6, 0.62, "left")),
    ("affine", "split", r"$A_t$", r"$dA_t = [da_i, da_f, da_g, da_o]$",
     (0.5, 0.5, -0.75, "center")),
    ("split", "f", r"$a_f$", r"$da_f = df_t * f_t(1-f_t)$", (0.6, -0.25, 0.3, "right"),
     (0.6, -0.2, 0.25, "right")),
    ("split", "i", r"$a_i$", r"$da_i = di_t * i_t(1-i_t)$", (0.35, 0, 0.4, "center"),
     (0.6, 0, 0.3, "center")),
    ("split", "g", r"$a_g$", r"$da_g = dg_t * (1-g_t^2)$", (0.7, 0, -0.32, "center"),
     (0.6, 0, 0.25, "center")),
    ("split", "o", r"$a_o$", r"$da_o = do_t * o_t(1-o_t)$", (0.6, -0.2, -0.3, "right"),
     (0.6, -0.2, -0.25, "right")),
    ("C_prev", "forget", r"$C_{t-1}$", r"$dC_{t-1} = dC_t^{total} * f_t$",
     (0.5, 0, 0.4, "center")),
    ("f", "forget", r"$f_t$", r"$df_t = dC_t^{total} * C_{t-1}$", (0.5, -0.2, 0.1, "right"),
     (0.5, -0.15, 0.1, "right")),
    ("i", "write", r"$i_t$", r"$di_t = dC_t^{total} * g_t$", (1, 0.35, 0.3, "left"),
     (0.5, 0, 0.3, "center")),
    ("g", "write", r"$g_t = \tilde C_t$", r"$dg_t = dC_t^{total} * i_t$",
     (0.5, 0.25, -0.4, "left"), (0.5, 0.2, -0.3, "left")),
    ("forget", "add", r"$f_t * C_{t-1}$", r"$dC_t^{total}$", (0.5, 0, 0.4, "center")),
    ("write", "add", r"$i_t * g_t$", r"$dC_t^{total}$", (0.5, 0.25, 0, "left"),
     (0.5, 0.25, 0, "left")),
    ("add", "C", r"$C_t$", r"$dC_t^{total}$", (0.5, 0, 0.4, "center")),
    ("C", "tanhC", "", r"$dh_t * o_t * (1-\tanh^2 C_t)$", (0.5, 0.2, 0, "left")),
    ("tanhC", "show", r"$\tanh(C_t)$", r"$dh_t * o_t$", (0.5, 0.2, 0, "left"),
     (0.5, 0.2, 0, "left")),
    ("o", "show", r"$o_t$", r"$do_t = dh_t * \tanh(C_t)$", (0.5, 0, 0.35, "center")),
    ("show", "h", r"$h_t$", r"$dh_t$ (from above + dh_next)", (1, 0.75, -0.5, "right")),
    ("C", "C_next", r"$C_t$", r"$dC_t$ (dc_next)", (0.5, 0, 0.4, "center")),
]


def lstm_step_graph():
    """One LSTM step of chapter 6 as a computational graph, forward (values) above and
    backward (the gradient along each edge, dashed, red) below, in rnnkit's gate order
    i, f, g, o with g the candidate $\\tilde C_t$."""
    return forward_and_backward(
        LSTM_NODES, LSTM_EDGES, height=9.6, xlim=(-0.2, 15.9), ylim=(-0.75, 6.1), fontsize=10.5,
        forward=r"forward: $A_t = x_t W_x^\top + h_{t-1} W_h^\top + b$, split into "
                r"$a_i, a_f, a_g, a_o$;  $C_t = f_t * C_{t-1} + i_t * g_t$,  "
                r"$h_t = o_t * \tanh(C_t)$",
        backward=r"backward: the gradient along each edge; where a value is used twice "
                 r"they add, $dC_t^{total} = dC_t + dh_t * o_t * (1-\tanh^2 C_t)$")


def forward_and_backward(nodes, edges, *, height, xlim, ylim, fontsize, forward, backward):
    """One graph drawn twice: the values flowing forward above, the gradients below."""
    import matplotlib.pyplot as plt

    fig, (fwd, bwd) = plt.subplots(2, 1, figsize=(10.5, height))
    for ax, going_back, title in [(fwd, False, forward), (bwd, True, backward)]:
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal")
        ax.axis("off")
        graph(ax, nodes, edges, going_back)
        ax.set_title(title, fontsize=fontsize, color=BACKWARD if going_back else FORWARD,
                     loc="left")
    fig.tight_layout(pad=0.3, h_pad=1.0)
    return fig


def figure_texts(fig):
    """Every piece of text drawn in ``fig`` (for tests and for checking a drawing)."""
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]
