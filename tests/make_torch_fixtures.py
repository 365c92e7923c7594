"""Regenerate the PyTorch reference fixtures in tests/fixtures/ (a dev-only tool).

    .venv/bin/pip install torch==2.13.0      # a CPU wheel; never a runtime dependency
    .venv/bin/python tests/make_torch_fixtures.py

Each fixture runs a PyTorch module in float64 on seeded random data, takes the loss
L = Σ outputs ⊙ G for a random upstream gradient G (so ∂L/∂outputs = G), and stores the
inputs, the parameters, the outputs and every gradient as an .npz file. The tests load
them with numpy alone, so the suite never needs torch.
"""
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).parent / "fixtures"


def _run(module, x, h0, seed):
    """Forward module on (x, h0), backward L = Σ out ⊙ G; return numpy arrays by name."""
    import torch

    x = torch.tensor(x, requires_grad=True)
    h0 = torch.tensor(h0, requires_grad=True)
    out, h_n = module(x, h0)
    G = torch.tensor(np.random.default_rng(seed).normal(size=tuple(out.shape)))
    (out * G).sum().backward()
    arrays = {"x": x, "h0": h0, "out": out, "h_n": h_n, "G": G, "dx": x.grad, "dh0": h0.grad}
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


GENERATORS = {"rnn": rnn_fixture}


def main():
    FIXTURES.mkdir(exist_ok=True)
    for name, make in GENERATORS.items():
        path = FIXTURES / f"torch_{name}.npz"
        np.savez(path, **make())
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
