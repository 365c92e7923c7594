"""The diagrams of rnnkit.diagrams: each draws its figure with every label the chapters' text
refers to, in the book's notation (gate order i, f, g, o and r, z, n)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnnkit import diagrams  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(fig):
    return diagrams.figure_texts(fig)


def labelled(fig, gid):
    """The texts of ``fig`` drawn with this gid (a name the drawing gives an element)."""
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_gid() == gid]


def assert_has(found, expected, what):
    missing = [e for e in expected if e not in found]
    assert not missing, f"{what} lacks {missing}; it shows {sorted(set(found))}"


def test_lstm_cell_shows_every_gate_state_and_equation():
    fig = diagrams.lstm_cell()
    found = texts(fig)
    assert_has(found, [r"$f_t$", r"$i_t$", r"$\tilde C_t$ (g)", r"$o_t$", r"$C_{t-1}$", r"$C_t$",
                       r"$h_{t-1}$", r"$h_t$", r"$x_t$"], "the LSTM cell")
    assert_has(found, diagrams.LSTM_EQUATIONS, "the LSTM cell's equation list")
    # The six equations are numbered in the list and once more where each acts.
    for k in range(1, 7):
        assert len(labelled(fig, f"eq{k}")) == 2, f"equation {k} is not marked in the cell"
    # three sigmoid layers and one tanh layer
    layers = {g: labelled(fig, f"layer_{g}") for g in "ifgo"}
    assert layers == {"i": [r"$\sigma$"], "f": [r"$\sigma$"], "g": ["tanh"], "o": [r"$\sigma$"]}
    assert any("[a_i, a_f, a_g, a_o]" in t for t in labelled(fig, "stacked"))


def test_gru_cell_shows_both_gates_the_candidate_and_four_equations():
    fig = diagrams.gru_cell()
    found = texts(fig)
    assert_has(found, [r"$r_t$", r"$z_t$", r"$n_t$", r"$1 - z_t$", r"$h_{t-1}$", r"$h_t$",
                       r"$x_t$", r"$W_{hn} h_{t-1} + b_{hn}$", r"$W_{in} x_t + b_{in}$"],
               "the GRU cell")
    assert_has(found, diagrams.GRU_EQUATIONS, "the GRU cell's equation list")
    for k in range(1, 5):
        assert len(labelled(fig, f"eq{k}")) == 2, f"equation {k} is not marked in the cell"
    assert labelled(fig, "layer_r") == labelled(fig, "layer_z") == [r"$\sigma$"]
    stacked = " ".join(labelled(fig, "stacked"))
    assert stacked.index("W_{ir}") < stacked.index("W_{iz}") < stacked.index("W_{in}")


@pytest.mark.parametrize("draw, edges", [(diagrams.rnn_step_graph, diagrams.RNN_EDGES),
                                         (diagrams.lstm_step_graph, diagrams.LSTM_EDGES)])
def test_step_graph_labels_every_edge_both_ways(draw, edges):
    fig = draw()
    forward, backward = labelled(fig, "value"), labelled(fig, "grad")
    assert forward == [e[2] for e in edges if e[2]]
    assert backward == [e[3] for e in edges if e[3]]
    # every edge is labelled in at least one direction, and drawn in both panels
    assert all(e[2] or e[3] for e in edges)
    fwd_ax, bwd_ax = fig.axes
    assert len(fwd_ax.texts) > len(edges) and len(bwd_ax.texts) > len(edges)


def test_rnn_step_graph_shows_the_backward_rules_of_chapter_2():
    backward = labelled(diagrams.rnn_step_graph(), "grad")
    assert_has(backward, [r"$\delta_t = (1 - h_t^2) \odot \partial L/\partial h_t$",
                          r"$W^\top \delta_t$", r"$V^\top \partial L/\partial o_t$", "dh_next",
                          r"$\partial L/\partial W\ {+}{=}\ \delta_t h_{t-1}^\top$",
                          r"$\partial L/\partial U\ {+}{=}\ \delta_t x_t^\top$"],
               "the RNN step's backward pass")


def test_lstm_step_graph_shows_the_backward_pass_of_chapter_6():
    fig = diagrams.lstm_step_graph()
    backward = labelled(fig, "grad")
    assert_has(backward, [r"$do_t = dh_t * \tanh(C_t)$", r"$dC_{t-1} = dC_t^{total} * f_t$",
                          r"$df_t = dC_t^{total} * C_{t-1}$", r"$di_t = dC_t^{total} * g_t$",
                          r"$dg_t = dC_t^{total} * i_t$", r"$dA_t = [da_i, da_f, da_g, da_o]$",
                          r"$dx_t = dA_t W_x$", r"$dh_{t-1} = dA_t W_h$"],
               "the LSTM step's backward pass")
    nodes = {name: labelled(fig, f"node_{name}")[0] for name in "ifgo"}
    assert nodes == {"i": r"$\sigma$", "f": r"$\sigma$", "g": "tanh", "o": r"$\sigma$"}
