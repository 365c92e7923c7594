"""Shared test helpers: PyTorch fixtures and comparisons that say where they differ."""
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def load_torch_fixture(name):
    """Arrays stored by tests/make_torch_fixtures.py for ``name`` (e.g. "rnn")."""
    path = FIXTURES / f"torch_{name}.npz"
    if not path.exists():
        pytest.fail(f"{path} is missing: run tests/make_torch_fixtures.py with torch installed")
    with np.load(path) as data:
        return dict(data)


def assert_close(name, got, expected, atol=1e-10):
    """Assert two arrays agree to ``atol``, naming the worst entry and both values on failure."""
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{name}: shape {got.shape}, expected {expected.shape}"
    err = np.abs(got - expected)
    worst = np.unravel_index(np.argmax(err), err.shape) if err.size else ()
    assert err.size == 0 or err[worst] <= atol, (
        f"{name}[{', '.join(str(int(i)) for i in worst)}]: got {got[worst]!r}, expected {expected[worst]!r} "
        f"(max abs error {err[worst]:.3e} > {atol:.0e})"
    )
