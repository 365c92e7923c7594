"""rnnkit.fast: each fast twin computes what its plain function computes, on random shapes and
dtypes, forward and backward, and the public names run the twins."""
import inspect

import numpy as np
import pytest
from conftest import assert_close

from rnnkit import fast, gru, lstm, rnn

# name: (module, gate blocks G, number of biases, number of initial states)
MODELS = {"rnn": (rnn, 1, 1, 1), "lstm": (lstm, 4, 1, 2), "gru": (gru, 3, 2, 1)}
GRADIENTS = {"rnn": ["dx", "dh0", "dU", "dW", "db"],
             "lstm": ["dx", "dh0", "dc0", "dWx", "dWh", "db"],
             "gru": ["dx", "dh0", "dWx", "dWh", "dbx", "dbh"]}
TOLERANCE = {np.float64: 1e-12, np.float32: 2e-4}


def random_case(model, rng, dtype):
    """Arguments of model's forward at a random (B, T, D, H), and upstream gradients."""
    _, G, n_biases, n_states = MODELS[model]
    B, T, D, H = rng.integers(1, 9, size=4)
    x = rng.normal(size=(B, T, D))
    states = [rng.normal(size=(B, H)) for _ in range(n_states)]
    weights = [rng.normal(size=(G * H, D)) / np.sqrt(D), rng.normal(size=(G * H, H)) / np.sqrt(H)]
    biases = [rng.normal(size=G * H) for _ in range(n_biases)]
    args = [a.astype(dtype) for a in (x, *states, *weights, *biases)]
    upstream = [rng.normal(size=(B, T, H)).astype(dtype)]
    if model == "lstm":
        upstream.append(rng.normal(size=(B, H)).astype(dtype))    # dc_T
    return args, upstream


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("model", list(MODELS))
def test_fast_twin_computes_what_the_plain_function_computes(model, dtype, seed):
    module = MODELS[model][0]
    forward, backward = getattr(module, f"{model}_forward"), getattr(module, f"{model}_backward")
    args, upstream = random_case(model, np.random.default_rng(seed), dtype)
    hs_plain, cache_plain = forward.plain(*args)
    hs_fast, cache_fast = forward.fast(*args)
    atol = TOLERANCE[dtype]
    assert hs_plain.dtype == hs_fast.dtype == dtype
    assert_close("hs", hs_fast, hs_plain, atol=atol)
    assert_close("h_T", cache_fast.h_T, cache_plain.h_T, atol=atol)
    if model == "lstm":
        assert_close("c_T", cache_fast.c_T, cache_plain.c_T, atol=atol)
    grads_plain = backward.plain(upstream[0], cache_plain, *upstream[1:])
    grads_fast = backward.fast(upstream[0], cache_fast, *upstream[1:])
    assert len(grads_fast) == len(grads_plain) == len(GRADIENTS[model])
    for name, got, expected in zip(GRADIENTS[model], grads_fast, grads_plain):
        assert got.dtype == dtype, name
        assert_close(name, got, expected, atol=atol)


@pytest.mark.parametrize("model", list(MODELS))
def test_the_public_names_run_the_fast_twins_and_show_the_plain_code(model):
    module = MODELS[model][0]
    twins = getattr(fast, model)
    for kind in ("forward", "backward"):
        public = getattr(module, f"{model}_{kind}")
        assert public.fast is getattr(twins, f"{model}_{kind}")
        assert public.plain.__module__ == module.__name__
        assert inspect.signature(public) == inspect.signature(public.fast)
        assert "fast_twin" in inspect.getsource(public)   # the plain code, as the book shows
    args, _ = random_case(model, np.random.default_rng(0), np.float64)
    _, cache = getattr(module, f"{model}_forward")(*args)
    assert type(cache) is twins.SequenceCache


@pytest.mark.parametrize("model", list(MODELS))
def test_a_cache_from_the_other_path_is_refused_by_name(model):
    module = MODELS[model][0]
    forward, backward = getattr(module, f"{model}_forward"), getattr(module, f"{model}_backward")
    args, upstream = random_case(model, np.random.default_rng(1), np.float64)
    with pytest.raises(ValueError, match=rf"cache must come from rnnkit.fast.{model}"):
        backward.fast(upstream[0], forward.plain(*args)[1])
    with pytest.raises(ValueError, match=rf"cache must come from rnnkit.{model}.{model}_forward"):
        backward.plain(upstream[0], forward.fast(*args)[1])
