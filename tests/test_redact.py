"""rnnkit.grading.redact: the rnnkit a notebook's kernel imports while it is graded.

Each built copy is imported in a fresh Python with nothing but that copy on its path (as in
the sandbox), so these tests see exactly what a graded notebook sees.
"""
import site
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rnnkit.grading import judge, redact

REPO = Path(__file__).resolve().parents[1]


def built(tmp_path, assignment):
    source = judge.Source.read(REPO / "solutions" / assignment / f"{assignment}.ipynb")
    return redact.build(source, tmp_path / assignment).parent


def run(lib, code):
    """Run code in a fresh interpreter that finds rnnkit only in ``lib``, started as the
    grading kernel is (-S: no .pth file, so no editable-install finder)."""
    path = [str(lib)] + site.getsitepackages()
    return subprocess.run([sys.executable, "-I", "-S", "-c", f"import sys; sys.path[:0] = "
                           f"{path!r}; " + code], capture_output=True, text=True)


def test_chapter_1_sees_only_the_checks(tmp_path):
    lib = built(tmp_path, "ch01")
    files = sorted(str(p.relative_to(lib / "rnnkit")) for p in (lib / "rnnkit").rglob("*.py"))
    assert files == ["__init__.py", "grading/__init__.py", "grading/checks.py",
                     "grading/kernel.py", "grading/wire.py"]
    done = run(lib, "from rnnkit import grading; grading.check_array('h', [1.0], [1.0], "
                    "axes=('unit',)); import rnnkit.rnn")
    assert "No module named 'rnnkit.rnn'" in done.stderr
    assert "def rnn_forward" not in "".join(p.read_text() for p in lib.rglob("*.py"))


def test_chapter_8_keeps_its_given_tools_and_switches_off_the_answers(tmp_path):
    lib = built(tmp_path, "ch08")
    given = ("import numpy as np\n"
             "from rnnkit.data import adding_problem\n"
             "from rnnkit.models import SequenceModel\n"
             "from rnnkit.optim import Adam\n"
             "from rnnkit.train import train_batches\n"
             "rng = np.random.default_rng(0)\n"
             "x, y = adding_problem(40, 5, rng)\n"
             "m = SequenceModel(2, 4, 1, rng=rng, cell='lstm', many_to_one=True, loss='mse')\n"
             "train_batches(m, x, y, n_steps=3, optimizer=Adam(0.01), batch_size=8, rng=rng,"
             " max_norm=1.0)\n"
             "print('given tools work')\n")
    done = run(lib, given)
    assert done.returncode == 0 and "given tools work" in done.stdout, done.stderr
    for call in ["from rnnkit.train import train_chunked as f; f(None, None, seq_len=1, "
                 "n_steps=1, optimizer=None)",
                 "from rnnkit.charlm import sample_next as f; f(None, None)",
                 "from rnnkit.models import CharRNN; CharRNN(3, 2, rng=None)",
                 # the module run again from its file, and a reload, reach the same stub
                 "import rnnkit.train as t; s = {}; exec(open(t.__file__).read().replace("
                 "'from .', 'from rnnkit.'), s); s['train_chunked'](None, None, seq_len=1, "
                 "n_steps=1, optimizer=None)",
                 "import importlib, rnnkit.charlm as c; importlib.reload(c).sample_next(1, 2)"]:
        done = run(lib, call)
        assert "switched off while notebooks are graded" in done.stderr, (call, done.stderr)


def test_listed_names_must_name_modules(tmp_path):
    source = judge.Source.read(REPO / "solutions" / "ch08" / "ch08.ipynb")
    source.nb.metadata["rnnkit_grading"] = {"switched_off": ["rnnkit.nothing.f"]}
    with pytest.raises(ValueError, match="rnnkit.nothing.f"):
        redact.build(source, tmp_path)


def test_a_switched_off_function_keeps_its_signature():
    code = "def f(a, b=2, *c, d, **e):\n    '''doc'''\n    return a\n\n\nclass K:\n" \
           "    def m(self):\n        return 1\n"
    out = redact.switch_off(code, {"f", "K"}, "rnnkit.x")
    scope = {}
    exec(out, scope)
    with pytest.raises(RuntimeError, match=r"rnnkit\.x\.f is rnnkit's own"):
        scope["f"](1, d=3)
    with pytest.raises(RuntimeError, match=r"rnnkit\.x\.K\.m"):
        scope["K"]().m()
    with pytest.raises(TypeError):
        scope["f"]()            # the signature is the original's


# The public sequence functions run their fast twins in rnnkit.fast (rnnkit/fast/__init__.py):
# switching off rnnkit.lstm.lstm_forward's body alone would leave the answer one call away.
CALLS_REACHING_AN_ANSWER = [
    "import rnnkit.lstm as m; m.lstm_forward(*args)",
    "import rnnkit.lstm as m; m.lstm_forward.plain(*args)",
    "import rnnkit.lstm as m; m.lstm_forward.fast(*args)",
    "from rnnkit.fast.lstm import lstm_forward as f; f(*args)",
    "import importlib, rnnkit.fast.lstm as m; importlib.reload(m).lstm_forward(*args)",
]
LSTM_ARGS = ("import numpy as np; z = np.zeros; args = (z((1, 2, 3)), z((1, 4)), z((1, 4)), "
             "z((16, 3)), z((16, 4)), z(16)); ")


def test_a_switched_off_sequence_function_takes_its_fast_twin_along(tmp_path):
    # ch06's hidden tests import rnnkit.lstm's functions; given code that needs rnnkit.lstm
    # (here: the models) brings rnnkit/lstm.py and rnnkit/fast/lstm.py into the copy.
    source = judge.Source.read(REPO / "solutions" / "ch06" / "ch06.ipynb")
    source.nb.cells.insert(0, nbformat.v4.new_code_cell("import rnnkit.models"))
    lib = redact.build(source, tmp_path / "ch06").parent
    assert (lib / "rnnkit" / "fast" / "lstm.py").is_file()
    for call in CALLS_REACHING_AN_ANSWER:
        done = run(lib, LSTM_ARGS + call)
        assert "switched off while notebooks are graded" in done.stderr, (call, done.stderr)
    # What the hidden tests do not import still works, on both paths.
    done = run(lib, LSTM_ARGS.replace("16", "12") + "import rnnkit.gru as m; "
               "m.gru_forward(*args[:2], *args[3:], args[-1]); print('gru works')")
    assert "gru works" in done.stdout, done.stderr


def test_a_listed_sequence_function_takes_its_fast_twin_along(tmp_path):
    source = judge.Source.read(REPO / "solutions" / "ch08" / "ch08.ipynb")
    source.nb.metadata["rnnkit_grading"] = {"switched_off": ["rnnkit.lstm.lstm_forward"]}
    lib = redact.build(source, tmp_path / "ch08").parent
    for call in CALLS_REACHING_AN_ANSWER:
        done = run(lib, LSTM_ARGS + call)
        assert "switched off while notebooks are graded" in done.stderr, (call, done.stderr)


def test_fast_twins_are_the_names_the_fast_module_defines():
    off = redact.with_fast_twins({"lstm.py": {"lstm_forward", "lstm_step_forward"},
                                  "train.py": {"train_chunked"}})
    assert off == {"lstm.py": {"lstm_forward", "lstm_step_forward"},
                   "fast/lstm.py": {"lstm_forward"},    # the step has no fast twin
                   "train.py": {"train_chunked"}}
