"""Regenerate the PyTorch reference fixtures in tests/fixtures/ (a dev-only tool).

    .venv/bin/pip install torch==2.13.0      # a CPU wheel; never a runtime dependency
    .venv/bin/python tests/make_torch_fixtures.py

Each fixture runs a PyTorch module in float64 on seeded random data, takes the loss
L = Σ outputs ⊙ G for a random upstream gradient G (so ∂L/∂outputs = G), and stores the
inputs, the parameters, the outputs and every gradient as an .npz file. The tests load
them with numpy alone, so the suite never needs torch.
"""
import functools
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).parent / "fixtures"


def _run(module, x, h0, seed, c0=None):
    """Forward module on (x, h0), or (x, (h0, c0)) for an LSTM, backward L = Σ out ⊙ G;
    return numpy arrays by name."""
    import torch

    x, h0 = (torch.tensor(a, requires_grad=True) for a in (x, h0))
    arrays = {"x": x, "h0": h0}
    if c0 is None:
        out, h_n = module(x, h0)
    else:
        c0 = torch.tensor(c0, requires_grad=True)
        out, (h_n, c_n) = module(x, (h0, c0))
        arrays.update(c0=c0, c_n=c_n)
    G = torch.tensor(np.random.default_rng(seed).normal(size=tuple(out.shape)))
    (out * G).sum().backward()
    arrays.update(out=out, h_n=h_n, G=G, dx=x.grad, dh0=h0.grad)
    if c0 is not None:
        arrays["dc0"] = c0.grad
    for name, p in module.named_parameters():
        arrays[name] = p
        arrays["d" + name] = p.grad
    return {k: v.detach().numpy() for k, v in arrays.items()}


def rnn_fixture(seed=0, B=3, T=5, D=4, H=6):
    """One-layer tanh nn.RNN, batch_first: the reference for rnnkit.rnn."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    module = torch.nn.RNN(D, H, batch_first=True, nonlinearity="tanh").double()
    return _run(module, rng.normal(size=(B, T, D)), rng.normal(size=(1, B, H)), seed + 1)


def lstm_fixture(seed=2, B=3, T=5, D=4, H=6):
    """One-layer nn.LSTM, batch_first: the reference for rnnkit.lstm (loss Σ out ⊙ G)."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    module = torch.nn.LSTM(D, H, batch_first=True).double()
    return _run(module, rng.normal(size=(B, T, D)), rng.normal(size=(1, B, H)), seed + 1,
                c0=rng.normal(size=(1, B, H)))


def gru_fixture(seed=4, B=3, T=5, D=4, H=6):
    """One-layer nn.GRU, batch_first: the reference for rnnkit.gru."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    module = torch.nn.GRU(D, H, batch_first=True).double()
    return _run(module, rng.normal(size=(B, T, D)), rng.normal(size=(1, B, H)), seed + 1)


GENERATORS = {"rnn": rnn_fixture, "lstm": lstm_fixture, "gru": gru_fixture}


def deep_fixture(cell, num_layers, bidirectional, seed, B=3, T=5, D=4, H=6):
    """nn.RNN / nn.LSTM / nn.GRU with several layers and/or both directions, batch_first:
    the reference for rnnkit.stacked and rnnkit.bidirectional.

    The loss also weighs the final states, L = Σ out ⊙ G + Σ h_n ⊙ G_h_n (+ Σ c_n ⊙ G_c_n),
    so the gradients that enter through them are checked too.
    """
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    Module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    module = Module(D, H, num_layers=num_layers, bidirectional=bidirectional,
                    batch_first=True).double()
    K = num_layers * (2 if bidirectional else 1)
    x = torch.tensor(rng.normal(size=(B, T, D)), requires_grad=True)
    starts = {s: torch.tensor(rng.normal(size=(K, B, H)), requires_grad=True)
              for s in (["h0", "c0"] if cell == "lstm" else ["h0"])}
    out, final = module(x, tuple(starts.values()) if cell == "lstm" else starts["h0"])
    ends = dict(zip(["h_n", "c_n"], final if cell == "lstm" else [final]))
    upstream = {"G": out, **{"G_" + n: v for n, v in ends.items()}}
    upstream = {n: torch.tensor(rng.normal(size=tuple(v.shape))) for n, v in upstream.items()}
    loss = (out * upstream["G"]).sum()
    for n, v in ends.items():
        loss = loss + (v * upstream["G_" + n]).sum()
    loss.backward()
    arrays = {"x": x, "out": out, **starts, **ends, **upstream, "dx": x.grad}
    arrays.update({"d" + n: v.grad for n, v in starts.items()})
    for name, p in module.named_parameters():
        arrays[name] = p
        arrays["d" + name] = p.grad
    return {k: v.detach().numpy() for k, v in arrays.items()}


DEEP_FIXTURES = {  # name: (cell, num_layers, bidirectional), e.g. "lstm_stacked_bidirectional"
    f"{cell}_{kind}": (cell, num_layers, bidirectional)
    for cell in ("rnn", "lstm", "gru")
    for kind, num_layers, bidirectional in (("stacked", 2, False), ("bidirectional", 1, True),
                                            ("stacked_bidirectional", 2, True))
}
for _seed, (_name, _args) in enumerate(DEEP_FIXTURES.items(), start=10):
    GENERATORS[_name] = functools.partial(deep_fixture, *_args, seed=_seed)


def model_fixture(cell, many_to_one, seed, B=3, T=5, D=4, H=6, O=5):
    """A recurrent layer, nn.Linear on its states and the mean cross-entropy, from a zero
    state: the reference for rnnkit.models (SequenceModel many-to-many and many-to-one)."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    Module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    rnn = Module(D, H, batch_first=True).double()
    linear = torch.nn.Linear(H, O).double()
    x = torch.tensor(rng.normal(size=(B, T, D)), requires_grad=True)
    y = torch.tensor(rng.integers(0, O, size=(B,) if many_to_one else (B, T)))
    out, _ = rnn(x)
    scores = linear(out[:, -1] if many_to_one else out)
    loss = torch.nn.functional.cross_entropy(scores.reshape(-1, O), y.reshape(-1))
    loss.backward()
    arrays = {"x": x, "y": y, "scores": scores, "loss": loss, "dx": x.grad}
    for name, p in [*rnn.named_parameters(), *(("linear_" + n, p) for n, p in
                                              linear.named_parameters())]:
        arrays[name] = p
        arrays["d" + name] = p.grad
    return {k: v.detach().numpy() for k, v in arrays.items()}


for _seed, _cell in enumerate(("rnn", "lstm", "gru"), start=40):
    GENERATORS[f"model_{_cell}"] = functools.partial(model_fixture, _cell, False, _seed)
    GENERATORS[f"model_{_cell}_many_to_one"] = functools.partial(model_fixture, _cell, True,
                                                                 _seed + 10)


def main():
    FIXTURES.mkdir(exist_ok=True)
    for name, make in GENERATORS.items():
        path = FIXTURES / f"torch_{name}.npz"
        np.savez(path, **make())
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
