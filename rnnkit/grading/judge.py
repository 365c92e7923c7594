"""Grade one hand-in: its cells run in a sandboxed kernel, its hidden tests run here.

The instructor's notebook (the *source*) says which cells are the student's answers, which
are given (locked) and which are autograder tests. A hand-in is first put in order against it
(:func:`sanitize`): given and test cells are the instructor's again, deleted ones come back,
answer cells keep the student's code, and cells pasted from elsewhere are ordinary code. Then
the cells run in order. Every cell but a test runs in the student's kernel (:mod:`.sandbox`).
A test cell never does: its code runs in this process, in a namespace holding the given
cells' definitions and, for each function the student writes, a :class:`StudentFunction`
that runs the student's function in the kernel on the arguments the test sends and brings
back what it returned. The expected values, the comparisons and the points never leave this
process, so nothing a notebook does to its own interpreter changes its grade; it can change
only what its functions return.
"""
import ast
import base64
import builtins
import contextlib
import io
import json
import os
import signal
import threading
import time
import traceback
from pathlib import Path

import nbformat
import numpy as np
from jupyter_client import BlockingKernelClient
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbgrader import utils

from . import checks, sandbox, wire

GRACE = 10   # seconds a test call may overrun its own limit before the kernel is interrupted
CELL_OUTPUT = 2 * 2**20      # bytes of output kept per cell; the rest is cut
ALL_OUTPUT = 200 * 2**20     # bytes a hand-in may print in all before its kernel is stopped
KINDS = {"ok", "timeout", "unwritten", "missing", "error", "lost", "absent", "blocked"}


# ------------------------------------------------------------------------- the source

class Source:
    """What grading needs from the instructor's notebook of one assignment."""

    def __init__(self, nb, name):
        self.nb, self.name = nb, name
        self.cells = {}                     # grade_id -> cell, in the notebook's order
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade_id"):
                self.cells[meta["grade_id"]] = cell
        self.tests = {gid: c for gid, c in self.cells.items() if is_test(c)}
        self.given = [c.source for c in self.cells.values()
                      if c.cell_type == "code" and c.metadata.nbgrader.get("locked")
                      and not is_test(c)]
        self.student_names = set()          # what the answer cells define
        for c in self.cells.values():
            if c.cell_type == "code" and c.metadata.nbgrader.get("solution"):
                self.student_names |= defined_names(c.source)

    @classmethod
    def read(cls, path):
        return cls(nbformat.read(path, as_version=4), path.stem)


def is_test(cell):
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def defined_names(code):
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}


def sanitize(nb, source):
    """The hand-in in order against the source: (notebook, notes for the instructor)."""
    notes, seen, cells = [], set(), []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid in source.cells and gid not in seen:
            seen.add(gid)
            original = source.cells[gid]
            if original.metadata.nbgrader.get("locked") or is_test(original):
                cell = nbformat.from_dict(dict(original))
            else:   # an answer: the student's text, the instructor's metadata
                cell = nbformat.from_dict({**dict(original), "source": cell.get("source", "")})
        elif meta:
            if gid:
                notes.append(f"cell {gid!r} is not a cell of this assignment (pasted from "
                             f"elsewhere?): it runs as an ordinary cell")
            cell = nbformat.from_dict(dict(cell))
            cell.metadata.pop("nbgrader", None)
        cells.append(nbformat.from_dict(dict(cell)))
    order = list(source.cells)
    for gid, original in source.cells.items():
        meta = original.metadata.nbgrader
        if gid in seen or not (meta.get("locked") or is_test(original)):
            continue
        notes.append(f"cell {gid!r} was deleted: the instructor's copy is put back")
        present = {c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(cells)}
        earlier = [present[g] for g in order[:order.index(gid)] if g in present]
        cells.insert(max(earlier) + 1 if earlier else len(cells), nbformat.from_dict(dict(original)))
        seen.add(gid)
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.pop("attachments", None)
    out = nbformat.v4.new_notebook(cells=cells, metadata=source.nb.metadata)
    return out, notes


# ------------------------------------------------------------------------- the kernel link

class Session:
    """The link to one hand-in's kernel: requests from the hidden tests, and their replies."""

    def __init__(self, km, classes):
        self.km = km
        self.classes = classes          # the given cells' classes, by name
        self.handles = {}               # id(value) -> (value, wire.Handle)
        self.kc = BlockingKernelClient()
        self.kc.load_connection_info(km.get_connection_info())
        self.kc.start_channels()
        self.dead = None                # why the kernel no longer answers

    def close(self):
        self.kc.stop_channels()

    def request(self, req, timeout):
        """Send one request; the reply (a dict), or None when none came in time."""
        if self.dead:
            return None
        payload = base64.b64encode(json.dumps(req).encode()).decode()
        code = f"__import__('rnnkit.grading.kernel', fromlist=['serve']).serve('{payload}')"
        msg_id = self.kc.execute(code, store_history=False, allow_stdin=False,
                                 stop_on_error=False)
        deadline = time.monotonic() + timeout
        interrupted, reply = False, None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if interrupted:
                    self.kill("the kernel stopped answering the grader")
                    return None
                run_sync(self.km.interrupt_kernel)()
                interrupted, deadline = True, time.monotonic() + GRACE
                continue
            try:
                msg = self.kc.get_iopub_msg(timeout=min(left, 1))
            except Exception:       # queue.Empty: nothing yet
                if not run_sync(self.km.is_alive)():
                    self.dead = "the kernel died"
                    return None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind in ("display_data", "execute_result") and wire.MIME in content.get("data", {}):
                reply = content["data"][wire.MIME]
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        if not isinstance(reply, str):
            return {}
        try:
            parsed = wire.loads(reply)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def kill(self, why):
        """Kill the kernel: bubblewrap's PID namespace takes every process it started along;
        without a sandbox, its process group."""
        self.dead = self.dead or why
        process = getattr(self.km.provisioner, "process", None)
        if process is not None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                process.kill()

    def probe(self, name):
        if self.dead:
            return "ok"     # the call itself says why it could not run
        reply = self.request({"op": "probe", "name": name}, timeout=GRACE) or {}
        found = reply.get("found")
        return found[:200] if isinstance(found, str) else "missing"

    def call(self, name, args, kwargs, time_limit, blocked=()):
        """Run the notebook's ``name`` in the kernel: (outcome, result), as checks.invoke."""
        if self.dead:
            return lost(f"{name} could not be run: {self.dead}, before this test."), None
        encoder = wire.Encoder(handles=self.handles, classes=self.classes)
        sent = {"op": "call", "name": name, "args": encoder.encode(list(args)),
                "kwargs": encoder.encode(dict(kwargs)), "time_limit": time_limit,
                "blocked": [str(b) for b in blocked]}
        known = {n: v for v, n in encoder.memo.values()}
        sent["sync"] = [n for n, v in known.items() if changeable(v, self.classes)]
        reply = self.request(sent, timeout=time_limit + GRACE)
        if reply is None:
            return lost(f"{name} was still running when the kernel had to be stopped "
                        f"({self.dead}); the tests after this point could not run."), None
        outcome = reply.get("outcome")
        if not isinstance(outcome, dict) or outcome.get("kind") not in KINDS:
            return lost(f"what {name} returned never reached the grader: the notebook's "
                        f"kernel did not answer the grader's request."), None
        outcome = clean(outcome)
        if outcome["kind"] == "absent":
            return lost(f"this notebook defines no `{name}` any more."), None
        decoder = wire.Decoder(classes=self.classes, known=known)
        try:
            result = decoder.decode(reply.get("result"))
            for n, tree in reply.get("after") or []:
                if n in sent["sync"]:       # only the data it was sent, never anything else
                    decoder.update(known[n], tree)
        except (ValueError, KeyError, TypeError, IndexError) as e:
            return lost(f"what {name} returned could not be read: {e}"), None
        self.remember(result, reply.get("key"), known)
        return outcome, result

    def remember(self, result, key, known):
        """Keep where the kernel holds a returned value, so that passing it back passes the
        student's own object."""
        if not isinstance(key, int):
            return
        sent = {id(v) for v in known.values()}
        parts = [(result, None)] + (list(zip(result, range(len(result))))
                                    if isinstance(result, tuple) else [])
        for value, index in parts:
            if isinstance(value, (tuple, list, dict, np.ndarray, wire.Opaque)) \
                    and id(value) not in sent:
                self.handles[id(value)] = (value, wire.Handle(key, index))


def changeable(value, classes):
    return isinstance(value, (np.ndarray, list, dict, np.random.Generator)) or \
        type(value).__name__ in classes


def lost(message):
    return {"kind": "lost", "message": message}


def clean(outcome):
    """The kernel's outcome with only the fields the messages use, as short strings."""
    out = {"kind": outcome["kind"]}
    for key in ("type", "message", "line", "who", "module"):
        if isinstance(outcome.get(key), str):
            out[key] = outcome[key][:1000]
    if isinstance(outcome.get("seconds"), (int, float)):
        out["seconds"] = outcome["seconds"]
    params = outcome.get("params")
    out["params"] = [p[:40] for p in params if isinstance(p, str)][:20] \
        if isinstance(params, list) else []
    if out["kind"] == "error":
        out.setdefault("type", "an error")
        out.setdefault("message", "")
    if out["kind"] == "missing":
        out.setdefault("module", "an rnnkit module")
    return out


class CappedClient(NotebookClient):
    """nbclient that keeps at most CELL_OUTPUT bytes of output per cell, and stops the
    kernel of a hand-in that prints more than ALL_OUTPUT in all (a flood would otherwise
    fill this process's memory and the autograded notebook)."""

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session, self.total, self.kept = session, 0, {}

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = sum(len(v) for v in [content.get("text", "")] + list(
            content.get("data", {}).values()) if isinstance(v, str))
        self.total += size
        if self.total > ALL_OUTPUT and self.session is not None:
            self.session.kill(f"the notebook printed more than {ALL_OUTPUT // 2**20} MB")
            return None
        kept = self.kept.get(cell_index, 0)
        if kept + size > CELL_OUTPUT:
            if kept <= CELL_OUTPUT:
                self.kept[cell_index] = CELL_OUTPUT + 1
                outs.append(nbformat.v4.new_output(
                    "stream", name="stderr", text=f"[output cut by the grader: more than "
                    f"{CELL_OUTPUT // 2**20} MB]\n"))
            return None
        self.kept[cell_index] = kept + size
        return super().output(outs, msg, display_id, cell_index)


def harmless(nb):
    """No script from a hand-in runs where its feedback page or notebook is opened."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data:
                continue
            data.pop("application/javascript", None)
            if "<script" in str(data.get("text/html", "")).lower():
                data.pop("text/html")
            if not data:
                data["text/plain"] = "[a script output, removed by the grader]"


class StudentFunction:
    """Stands in, on the grader's side, for a function the student writes in the notebook."""

    def __init__(self, name, session):
        self.__name__ = self._grading_name = name
        self.session = session

    def __repr__(self):
        return f"<your {self.__name__}>"

    def _grading_probe(self):
        return self.session.probe(self.__name__)

    def _grading_invoke(self, fn, args, kwargs, time_limit, blocked=()):
        return self.session.call(self.__name__, args, kwargs, time_limit, blocked)

    def __call__(self, *args, **kwargs):
        outcome, result = self.session.call(self.__name__, args, kwargs, 5)
        if outcome["kind"] != "ok":
            raise checks.WrongAnswer(checks.explain(self.__name__, outcome, args, kwargs))
        return result


# ------------------------------------------------------------------------- one hand-in

class Result:
    def __init__(self):
        self.nb = None
        self.scores = {}        # test grade_id -> points earned
        self.notes = []         # for the instructor: what was repaired or went wrong
        self.problem = None     # why the hand-in was not graded to the end, if it was not
        self.seconds = 0.0


def grade(source, nb, *, lib, scratch, runtime, backend, memory_mb, cell_timeout, limit):
    """Grade the hand-in ``nb`` (already read) against ``source``: a Result."""
    result, start = Result(), time.monotonic()
    nb, result.notes = sanitize(nb, source)
    result.nb = nb
    km = sandbox.manager(backend, scratch=scratch, lib=lib, runtime=runtime, memory_mb=memory_mb)
    client = CappedClient(nb, km=km, timeout=cell_timeout, interrupt_on_timeout=True,
                          allow_errors=True, kernel_name="python3", startup_timeout=60)
    log = open(Path(runtime) / "kernel.log", "w+")
    client.start_new_kernel(stdout=log, stderr=log)
    client.start_new_kernel_client()
    namespace, classes = trusted_namespace(source)
    session = Session(km, classes)
    client.session = session
    for name in source.student_names:
        namespace[name] = StudentFunction(name, session)
    running = {"since": time.monotonic()}
    stop = threading.Event()
    watchdog = threading.Thread(target=watch, daemon=True,
                                args=(session, running, start, cell_timeout, limit, stop))
    watchdog.start()
    checks._results.clear()
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            # a test cell's calls have limits of their own; a student cell has CELL_TIMEOUT
            running.update(since=float("inf") if is_test(cell) else time.monotonic())
            if is_test(cell):
                gid = cell.metadata.nbgrader["grade_id"]
                passed, cell.outputs, detail = run_test(source.tests[gid].source, namespace)
                hide_tests(cell)
                if detail:
                    result.notes.append(f"the test {gid} itself failed:\n{detail}")
                result.scores[gid] = float(cell.metadata.nbgrader["points"]) if passed else 0.0
            elif session.dead:
                continue
            else:
                try:
                    client.execute_cell(cell, index)
                except DeadKernelError:
                    session.dead = session.dead or "the kernel died"
                if session.dead and result.problem is None:
                    result.problem = f"{session.dead} while running cell {index + 1} " \
                                     f"({first_line(cell.source)})"
        if session.dead and result.problem is None:
            result.problem = session.dead
        if session.dead:
            log.seek(0)
            last = log.read()[-3000:].splitlines()[-15:]
            result.notes.append("the kernel's last words:\n" + "\n".join(map(printable, last)))
    finally:
        log.close()
        stop.set()
        session.close()
        with contextlib.suppress(Exception):
            client.kc.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(km.shutdown_kernel)(now=True)
    harmless(nb)
    result.seconds = time.monotonic() - start
    return result


def printable(text):
    """A line from a hand-in, safe to print on the instructor's terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def hide_tests(cell):
    """Keep the hidden tests out of the graded notebook (and so of the feedback page): the
    test cell as released, with its checksum."""
    kept, hidden = [], False
    for line in cell.source.splitlines():
        if line.strip() == "### BEGIN HIDDEN TESTS":
            hidden = True
        elif line.strip() == "### END HIDDEN TESTS":
            hidden = False
        elif not hidden:
            kept.append(line)
    cell.source = "\n".join(kept).rstrip() + "\n"
    if "checksum" in cell.metadata.nbgrader:
        cell.metadata.nbgrader["checksum"] = utils.compute_checksum(cell)


def watch(session, running, start, cell_timeout, limit, stop):
    """Kill the kernel past the hand-in's time limit, or when a cell ignores interrupts."""
    while not stop.wait(0.5):
        now = time.monotonic()
        if now - start > limit:
            session.kill(f"the hand-in reached the time limit of {limit:g} s")
            return
        if now - running["since"] > cell_timeout + 2 * GRACE:
            session.kill(f"a cell ran longer than {cell_timeout:g} s and ignored interrupts")
            return


def first_line(code):
    lines = [line.strip() for line in code.splitlines() if line.strip()]
    return f"its first line: {lines[0][:80]}" if lines else "an empty cell"


def trusted_namespace(source):
    """The given cells' definitions, run here from the instructor's copy: (namespace, classes
    by name)."""
    namespace = {"__name__": "__grader__", "__builtins__": builtins}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for code in source.given:
            exec(compile(code, f"<given cell of {source.name}>", "exec"), namespace)
    classes = {name: value for name, value in namespace.items() if isinstance(value, type)
               and value.__module__ == "__grader__"}
    return namespace, classes


def run_test(code, namespace):
    """Run one test cell's code here: (passed, the cell's outputs, a traceback for the
    instructor when the test code itself failed)."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(code, "<autograder test>", "exec"), namespace)
    except checks.WrongAnswer as e:
        return False, outputs(printed.getvalue(), "WrongAnswer", str(e)), None
    except Exception as e:
        message = (f"the test could not check your answer: {type(e).__name__}: {e}. "
                   f"Your instructor has the details.")
        return False, outputs(printed.getvalue(), "GradingError", message), \
            traceback.format_exc(limit=-4)
    return True, outputs(printed.getvalue()), None


def outputs(printed, ename=None, message=None):
    out = []
    if printed:
        out.append(nbformat.v4.new_output("stream", name="stdout", text=printed))
    if ename:
        lines = [f"\x1b[0;31m{ename}\x1b[0m: {message}"]
        out.append(nbformat.v4.new_output("error", ename=ename, evalue=message,
                                          traceback=lines))
    return out
