"""Shared test helpers: PyTorch fixtures and comparisons that say where they differ, and the
book built once per test session (tests/test_book.py and tests/test_browser.py share it)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Every assignment solutions/chNN/ is linked from its chapter's page book/chNN_*.md.
RELEASED = {f"book/{page.stem}": ROOT / "release" / a.name / f"{a.name}.ipynb"
            for a in sorted((ROOT / "solutions").iterdir()) if a.is_dir()
            for page in (ROOT / "book").glob(f"{a.name}_*.md")}


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


def source_of(released):
    """The instructor's source notebook that release/<a>/<a>.ipynb is generated from."""
    return ROOT / "solutions" / released.parent.name / released.name


@pytest.fixture(scope="session")
def book(tmp_path_factory):
    """Build the book once per session into a temporary folder; returns its _build/ folder."""
    # The chapters link their student notebooks for download: (re)build any missing one or
    # any older than its source, so a local edit to solutions/ is what the book delivers.
    stale = [notebook for notebook in RELEASED.values() if not notebook.exists()
             or notebook.stat().st_mtime < source_of(notebook).stat().st_mtime]
    if stale:
        # -o: this test already runs inside the venv, so never rebuild it first.
        made = subprocess.run(["make", "-o", ".venv/.ready", "assignments"], cwd=ROOT,
                              capture_output=True, text=True, timeout=900)
        assert made.returncode == 0 and all(n.exists() for n in stale), (
            f"`make assignments` did not produce {stale}:\n{made.stdout[-3000:]}"
            f"\n{made.stderr[-3000:]}")
    out = tmp_path_factory.mktemp("book") / "_build"
    # Both editions (English at html/, Korean at html/ko/), then the English text extracted
    # for tests/test_translations.py: the real `make book`, into a folder of its own.
    for what in ([], ["--templates"]):
        built = subprocess.run([BIN / "python", ROOT / "book" / "build.py", "--build-dir", out,
                                *what], capture_output=True, text=True, timeout=900)
        log = built.stdout + built.stderr
        problems = "\n".join(line for line in log.splitlines()
                             if ("WARNING" in line or "ERROR" in line) and "IPKernelApp" not in line)
        assert built.returncode == 0, (
            f"book/build.py {' '.join(what)} failed ({built.returncode}):\n"
            f"{problems or log[-5000:]}")
    return out


def toc_pages():
    """Every page of _toc.yml, in book order, as a path without suffix ("book/intro")."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            pages.append(entry["file"])
            walk(entry.get("sections", []))

    walk(toc.get("chapters", []))
    for part in toc.get("parts", []):
        walk(part["chapters"])
    return pages


def both_paths(*functions):
    """A fixture giving ``functions`` on one path at a time: their plain versions, then their
    fast twins (``f.plain``, ``f.fast``), so that every test using it runs on both."""
    @pytest.fixture(params=["plain", "fast"])
    def path(request):
        return tuple(getattr(f, request.param) for f in functions)

    return path


@pytest.fixture(params=["plain", "fast"])
def layers_on_path(request, monkeypatch):
    """Deep networks (rnnkit.layers, hence stacked and bidirectional) built on one path."""
    from rnnkit import layers

    for name in ("rnn_backward", "lstm_backward", "gru_backward"):
        monkeypatch.setattr(layers, name, getattr(getattr(layers, name), request.param))
    for cell, spec in list(layers.CELLS.items()):
        forward = getattr(spec.forward, request.param)
        monkeypatch.setitem(layers.CELLS, cell, spec._replace(forward=forward))
    return request.param
