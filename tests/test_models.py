"""rnnkit.models: the models against PyTorch (recurrent layer + nn.Linear + cross-entropy),
numerical gradients in float64, state carrying, sampling and clear errors."""
import numpy as np
import pytest
from conftest import assert_close, load_torch_fixture

from rnnkit.functional import softmax_cross_entropy
from rnnkit.gradcheck import check_gradient
from rnnkit.layers import CELLS as CELL_REGISTRY
from rnnkit.layers import get_cell, layers_from_torch, torch_names
from rnnkit.models import CharRNN, SequenceClassifier, SequenceModel

# Every cell kind registered in rnnkit.layers (the models look cells up there); the PyTorch
# fixtures cover "rnn", "lstm" and "gru".
CELLS = sorted(CELL_REGISTRY)


def from_torch(f, cell, many_to_one):
    """A SequenceModel holding the fixture's PyTorch parameters."""
    B, T, D = f["x"].shape
    O, H = f["linear_weight"].shape
    model = SequenceModel(D, H, O, rng=np.random.default_rng(0), cell=cell, many_to_one=many_to_one)
    tensors = {k: v for k, v in f.items() if k.startswith(("weight_", "bias_"))}
    (params,) = layers_from_torch(tensors, cell)
    for name, p in zip(get_cell(cell).params, params):
        assert model.params[name].shape == p.shape
        model.params[name] = p
    model.params["V"], model.params["b_o"] = f["linear_weight"], f["linear_bias"]
    return model


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("many_to_one", [False, True])
def test_matches_pytorch(cell, many_to_one):
    f = load_torch_fixture(f"model_{cell}" + ("_many_to_one" if many_to_one else ""))
    model = from_torch(f, cell, many_to_one)
    scores, _, _ = model.forward(f["x"])
    assert_close("scores", scores, f["scores"])
    loss, grads, _ = model.loss(f["x"], f["y"])
    assert loss == pytest.approx(float(f["loss"]), abs=1e-12)
    assert_close("dV", grads["V"], f["dlinear_weight"])
    assert_close("db_o", grads["b_o"], f["dlinear_bias"])
    (names,) = torch_names(1, cell)
    for ours, theirs in zip(get_cell(cell).params, names):
        for t in theirs if isinstance(theirs, tuple) else (theirs,):
            # rnnkit's b is b_ih + b_hh, so each torch bias gets b's gradient
            assert_close(f"d{ours} vs d{t}", grads[ours], f["d" + t])


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("many_to_one, loss", [(False, "cross_entropy"), (True, "cross_entropy"),
                                               (False, "mse"), (True, "mse")])
def test_gradients_match_numerical_gradients(cell, many_to_one, loss):
    rng = np.random.default_rng(1)
    model = SequenceModel(3, 4, 5, rng=rng, cell=cell, many_to_one=many_to_one, loss=loss)
    x = rng.normal(size=(2, 6, 3))
    state = tuple(rng.normal(size=s.shape) for s in model.initial_state(2))
    out_shape = (2, 5) if many_to_one else (2, 6, 5)
    y = rng.integers(0, 5, size=out_shape[:-1]) if loss == "cross_entropy" else rng.normal(size=out_shape)
    _, grads, _ = model.loss(x, y, state)
    assert grads.keys() == model.params.keys()
    for name, p in model.params.items():
        check_gradient(name, grads[name], lambda: model.loss(x, y, state)[0], p)


@pytest.mark.parametrize("cell", CELLS)
def test_carrying_the_state_across_chunks_equals_one_long_forward(cell):
    rng = np.random.default_rng(2)
    model = CharRNN(7, 5, rng=rng, cell=cell)
    ids = rng.integers(0, 7, size=(3, 10))
    whole, state_whole, _ = model.forward(ids)
    first, state, _ = model.forward(ids[:, :4])
    second, state, _ = model.forward(ids[:, 4:], state)
    assert_close("scores", np.concatenate([first, second], axis=1), whole, atol=1e-14)
    for a, b in zip(state, state_whole):
        assert_close("state", a, b, atol=1e-14)


def test_models_are_thin_wrappers_with_named_parameters():
    rng = np.random.default_rng(3)
    m = CharRNN(4, 8, rng=rng)
    assert list(m.params) == ["U", "W", "b", "V", "b_o"]
    assert [p.shape for p in m.params.values()] == [(8, 4), (8, 8), (8,), (4, 8), (4,)]
    assert m.n_parameters() == 32 + 64 + 8 + 32 + 4
    assert all(np.abs(p).max() <= 1 / np.sqrt(8) for p in m.params.values())
    c = SequenceClassifier(2, 3, 4, rng=rng)
    x = rng.normal(size=(5, 6, 2))
    scores, state, _ = c.forward(x)
    assert scores.shape == (5, 4) and state[0].shape == (5, 3)
    np.testing.assert_array_equal(c.predict(x), scores.argmax(-1))
    assert "many-to-one" in repr(c)


def test_the_same_seed_gives_the_same_model():
    a = CharRNN(5, 6, rng=np.random.default_rng(4))
    b = CharRNN(5, 6, rng=np.random.default_rng(4))
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])


def test_charrnn_loss_is_the_cross_entropy_of_the_next_character():
    rng = np.random.default_rng(5)
    m = CharRNN(4, 6, rng=rng)
    ids = np.array([[1, 0, 2, 2, 3]])                  # "hello" in Vocabulary("hello")
    loss, _, _ = m.loss(ids[:, :-1], ids[:, 1:])
    scores, _, _ = m.forward(ids[:, :-1])
    assert loss == softmax_cross_entropy(scores, ids[:, 1:])[0]


def test_sampling_is_reproducible_and_follows_the_model():
    m = CharRNN(4, 6, rng=np.random.default_rng(6))
    a = m.sample(np.array([1]), 20, np.random.default_rng(7))
    b = m.sample(np.array([1]), 20, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (20,) and a.min() >= 0 and a.max() < 4
    # nearly zero temperature: each character is the argmax given everything before it
    greedy = m.sample(np.array([1, 0]), 5, np.random.default_rng(8), temperature=1e-6)
    seq = np.array([1, 0])
    for k in range(5):
        scores, _, _ = m.forward(seq[None])
        assert greedy[k] == scores[0, -1].argmax()
        seq = np.append(seq, greedy[k])


@pytest.mark.parametrize("call, message", [
    (lambda: SequenceModel(3, 4, 5, rng=0), r"rng must be a numpy.random.Generator"),
    (lambda: SequenceModel(3, 4, 5, rng=np.random.default_rng(), cell="elman"), r"cell must be one of"),
    (lambda: SequenceModel(3, 4, 5, rng=np.random.default_rng(), loss="hinge"), r"loss must be one of"),
    (lambda: SequenceModel(3, 0, 5, rng=np.random.default_rng()),
     r"hidden_size must be a positive integer"),
    (lambda: SequenceModel(3, 4, 5, rng=np.random.default_rng()).forward(np.zeros((2, 3))),
     r"x must have 3 dimensions \(B, T, D\), got shape \(2, 3\)"),
    (lambda: SequenceModel(3, 4, 5, rng=np.random.default_rng()).forward(np.zeros((2, 6, 2))),
     r"x has shape \(2, 6, 2\) but U has shape \(4, 3\)"),
    (lambda: SequenceModel(3, 4, 5, rng=np.random.default_rng()).forward(np.zeros((2, 6, 3)),
                                                                         np.zeros((2, 4))),
     r"state must be a tuple \(h0,\) as initial_state returns, got ndarray"),
    (lambda: SequenceModel(3, 4, 5, rng=np.random.default_rng()).forward(np.zeros((2, 6, 3)),
                                                                         (np.zeros((3, 4)),)),
     r"h0 has shape \(3, 4\) but x has shape \(2, 6, 3\)"),
    (lambda: CharRNN(4, 3, rng=np.random.default_rng()).forward(np.array([1, 2])),
     r"ids must have 2 dimensions \(B, T\)"),
    (lambda: CharRNN(4, 3, rng=np.random.default_rng()).forward(np.array([[1, 4]])),
     r"indices must lie in \[0, 4\)"),
    (lambda: CharRNN(4, 3, rng=np.random.default_rng()).sample(np.array([], int), 3,
                                                                np.random.default_rng()),
     r"prefix must be a non-empty 1-D array"),
    (lambda: SequenceClassifier(2, 3, 4, rng=np.random.default_rng()).loss(np.zeros((5, 6, 2)),
                                                                           np.zeros((5, 6), int)),
     r"targets has shape \(5, 6\) but scores has shape \(5, 4\)"),
])
def test_bad_input_raises_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
