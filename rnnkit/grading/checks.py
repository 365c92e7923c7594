"""The checks of the course's graded notebooks, as a student meets them.

A failing check is a diagnosis written for a student who is stuck: it names the output that
is wrong, where (which example, time step, unit), what was expected and what came back, and,
when the answer matches a common slip (a missing tanh, ``W`` for ``W.T``), says which one.

The same functions serve two places. In a student's notebook the self-check cells call them
directly: :func:`call` runs the student's function on copies of its arguments, stops it when
it never finishes and explains an error it raises. When a notebook is graded, the hidden
tests run in the grader's own process instead (:mod:`rnnkit.grading.judge`), where the
student's functions are stand-ins that run the real ones inside the sandboxed kernel; there
:func:`call` sends the arguments over and explains what came back, and every comparison, like
the expected values, stays on the grader's side.
"""
import contextlib
import inspect
import signal
import threading
import traceback

import numpy as np

from .wire import Opaque


class WrongAnswer(AssertionError):
    """A check failed; the message says what is wrong and where."""

    def _render_traceback_(self):
        # IPython shows this instead of a traceback: the diagnosis is the whole story, and
        # frames inside this module would only bury it.
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


_results = {}   # exercise label -> whether its autograder tests passed


@contextlib.contextmanager
def graded(exercise, builds_on=()):
    """Run an autograder test block and label any failure with ``exercise``.

    ``builds_on`` lists the labels of earlier exercises whose functions this one is expected
    to call: when one of those failed, the message says to fix it first.
    """
    _results[exercise] = False
    try:
        yield
    except WrongAnswer as e:
        failed = [label for label in builds_on if _results.get(label) is False]
        hint = (f"\n  {' and '.join(failed)} failed its own tests too; if your code calls that "
                f"function, fix it first." if failed else "")
        raise WrongAnswer(f"{exercise}: {e}{hint}") from None
    _results[exercise] = True


class Blocked(BaseException):
    """Raised by a function a test switched off; a BaseException so `except Exception` in the
    student's code cannot hide the call."""


class _TimeUp(BaseException):
    """Raised by the alarm; a BaseException so that `except Exception` cannot swallow it."""


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise _TimeUp in the running code after ``seconds`` (where the OS allows alarms)."""
    if not seconds or not hasattr(signal, "setitimer") or \
            threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        # Keep firing: a loop that catches one _TimeUp with a bare `except:` meets the next.
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------- calling student code

def need_function(namespace, name):
    """The function (or class) ``name`` of the notebook; fail clearly when it is gone."""
    fn = namespace.get(name)
    probe = getattr(fn, "_grading_probe", None)
    found = probe() if probe else ("ok" if callable(fn) else "missing" if fn is None
                                   else describe(fn))
    if found == "missing":
        raise WrongAnswer(
            f"this notebook defines no `{name}`: the cell that defines it was deleted, renamed "
            f"or not run before this one. Put `def {name}(...)` back (download a fresh copy of "
            f"the notebook to see the original), run it, then run this cell.")
    if found != "ok":
        raise WrongAnswer(f"`{name}` is no longer a function but {found}: a later cell "
                          f"assigned to the name `{name}`. Rename that variable.")
    return fn


def call(fn, *args, returns=None, time_limit=5, copy_args=True, blocked=None, **kwargs):
    """Call a student's function on copies of the arguments and explain any failure.

    ``returns`` names the outputs when the contract asks for a tuple, e.g. ``("h", "cache")``;
    the result is then checked to be a tuple of that length. A call still running after
    ``time_limit`` seconds (an endless loop) is stopped and fails with a message saying so,
    even when the loop catches KeyboardInterrupt; the exercises' inputs are tiny, so a right
    answer takes milliseconds. ``copy_args=False`` hands over the array arguments themselves,
    for a function whose contract is to change an array in place and put it back (a numerical
    gradient perturbs the very array its loss function reads); the test then checks that
    array afterwards. ``blocked`` maps names of the notebook's own functions to why this
    exercise must not use them (a gradient check must not call the backward pass it checks):
    while fn runs, each of them raises instead, whatever alias reaches it.
    """
    name = getattr(fn, "__name__", "your function")
    if copy_args:
        args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        kwargs = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    remote = getattr(fn, "_grading_invoke", None)
    outcome, result = (remote or invoke)(fn, list(args), dict(kwargs), time_limit,
                                         blocked=sorted(blocked or ()))
    if outcome["kind"] == "blocked" and blocked:
        outcome["why"] = blocked.get(outcome.get("who"), "")
    if outcome["kind"] != "ok":
        raise WrongAnswer(explain(name, outcome, args, kwargs)) from None
    if returns:
        _check_tuple(name, result, returns)
    return result


def invoke(fn, args, kwargs, time_limit, blocked=(), namespace=None):
    """Run ``fn(*args, **kwargs)`` here: (outcome, result). The outcome is plain data that says
    how the call ended (and can cross the wire): kind "ok", "timeout", "unwritten" (still
    raises NotImplementedError), "missing" (an rnnkit module that grading switches off) or
    "error", "blocked" (it called a function in ``blocked``, names looked up in
    ``namespace``, by default fn's globals); and the names of fn's parameters, for messages
    about its arguments."""
    try:
        params = [str(p)[:40] for p in inspect.signature(fn).parameters][:20]
    except (TypeError, ValueError):
        params = []
    outcome = {"kind": "ok", "params": params}
    try:
        with _switched_off(blocked, getattr(fn, "__globals__", {}) if namespace is None
                           else namespace), _time_limit(time_limit):
            return outcome, fn(*args, **kwargs)
    except Blocked as e:
        outcome.update(kind="blocked", who=str(e))
    except _TimeUp:
        outcome.update(kind="timeout", seconds=time_limit)
    except NotImplementedError as e:
        named = [f.name for f in traceback.extract_tb(e.__traceback__)[1:]  # after invoke's
                 if not f.name.startswith("<")]            # not a lambda or comprehension
        outcome.update(kind="unwritten", who=named[-1] if named else "")
    except ModuleNotFoundError as e:
        if (e.name or "").startswith("rnnkit"):
            outcome.update(kind="missing", module=e.name)
        else:
            outcome.update(_error(e))
    except BaseException as e:  # a student's bug (even SystemExit): report it with its inputs
        outcome.update(_error(e))
    return outcome, None


@contextlib.contextmanager
def _switched_off(names, namespace):
    """Swap the code of the functions ``names`` for one that raises Blocked, so that every
    alias of them does; put it back afterwards."""
    saved = []
    for name in names:
        fn = namespace.get(name)
        if inspect.isfunction(fn):
            # the stub runs with fn's globals: it finds Blocked through an import
            scope = {}
            exec(f"def stub(*args, **kwargs):\n    raise __import__({__name__!r}, "
                 f"fromlist=['Blocked']).Blocked({name!r})\n", scope)
            saved.append((fn, fn.__code__))
            fn.__code__ = scope["stub"].__code__
    try:
        yield
    finally:
        for fn, code in saved:
            fn.__code__ = code


def _error(e):
    return {"kind": "error", "type": type(e).__name__, "message": str(e)[:1000],
            "line": _where(e)}


def explain(name, outcome, args, kwargs):
    """The message for a call that did not return normally (see :func:`invoke`)."""
    kind = outcome["kind"]
    if kind == "timeout":
        return (f"{name} was stopped after {outcome['seconds']} s: it never finished. Look for a "
                f"loop whose condition never becomes false (a `while` loop, or a `for` loop over "
                f"something that keeps growing).")
    if kind == "unwritten":
        unwritten = outcome.get("who") or name
        who = name if unwritten == name else f"{name} calls {unwritten}, which"
        return (f"{who} is not written yet: it still raises NotImplementedError. Replace the "
                f"lines `# YOUR CODE HERE` and `raise NotImplementedError()` in {unwritten} "
                f"with your code.")
    if kind == "missing":
        return (f"{name} imports {outcome['module']}, which is switched off while notebooks "
                f"are graded. This exercise asks you to compute the answer yourself with numpy "
                f"(and your own functions from earlier in this notebook).")
    if kind == "lost":
        return outcome["message"]
    if kind == "blocked":
        return (f"{name} called your {outcome.get('who')}, which this exercise must not use. "
                f"{outcome.get('why', '')}").strip()
    lines = [f"{name} raised {outcome['type']}: {outcome['message']}",
             f"  It was called with {_describe_args(outcome.get('params', []), args, kwargs)}.",
             f"  The error came from this line of your code: {outcome['line']}"
             if outcome.get("line") else ""]
    return "\n".join(line for line in lines if line)


def _describe_args(names, args, kwargs):
    parts = []
    for i, a in enumerate(args):
        label = names[i] if i < len(names) else f"argument {i + 1}"
        parts.append(f"{label} {describe(a)}")
    parts += [f"{k} {describe(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _where(exc):
    """The student's own line that raised, or '' when the error came from elsewhere."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if f.filename != __file__ and "site-packages" not in f.filename
            and "/numpy/" not in f.filename]
    if not mine:
        return ""
    return (mine[-1].line or "").strip()[:300]


def _check_tuple(name, result, returns):
    want = ", ".join(returns)
    if not isinstance(result, tuple) or len(result) != len(returns):
        got = describe(result)
        if result is None:
            got += " (is a `return` line missing?)"
        raise WrongAnswer(f"{name} must return {len(returns)} values, ({want}), as in "
                          f"`return {want}`; it returned {got}.")


def describe(value):
    """A short description of a value for messages: type, and shape/dtype for arrays."""
    if value is None:
        return "None"
    if isinstance(value, Opaque):
        return f"a {value.type_name}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} ({value.dtype})"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} item(s)"
    if isinstance(value, (int, float, np.number)):
        return f"the number {value!r}"
    return f"a {type(value).__name__}"


# ------------------------------------------------------------------------ checking results

def check_array(name, got, expected, *, axes, labels=None, case="", atol=1e-8, rtol=1e-6,
                mistakes=None, nan_hint=""):
    """Compare an output with the expected array and explain the first difference.

    name     : what the output is called in the exercise ("h", "hs", "scores")
    axes     : one word per axis of ``expected`` ("example", "time step", "hidden unit")
    labels   : optional dict axis position -> list of labels for its indices ("input 'h'")
    case     : the inputs of this test, for the message ("B=2, T=3, D=4, H=5")
    mistakes : optional dict description -> array that a known slip would produce; when the
               student's output equals one of them the message names the slip
    nan_hint : sentence added when the output has NaN or inf where the expected has none
    """
    expected = np.asarray(expected)
    where = f" (test case {case})" if case else ""
    if got is None:
        raise WrongAnswer(f"{name} is None{where}: is a `return` line missing?")
    try:
        got = np.asarray(got)
    except Exception:
        raise WrongAnswer(f"{name} should be an array, got {describe(got)}{where}.") from None
    if got.dtype == object or not (np.issubdtype(got.dtype, np.number)
                                   or np.issubdtype(got.dtype, np.bool_)):
        raise WrongAnswer(f"{name} should be an array of numbers, got {describe(got)}{where}.")
    if got.shape != expected.shape:
        raise WrongAnswer(_shape_message(name, got.shape, expected.shape, axes, where))
    if np.issubdtype(expected.dtype, np.floating) and not np.issubdtype(got.dtype, np.floating):
        raise WrongAnswer(
            f"{name} holds {got.dtype} values{where}; it should hold floats like "
            f"{expected.dtype}. Build it as a float array (np.zeros(..., dtype=float)) or "
            f"convert it with .astype(float).")
    wrong = _wrong_mask(got, expected, atol, rtol)
    if not wrong.any():
        return
    lines = [f"{name} is wrong{where}."]
    first = tuple(int(i[0]) for i in np.nonzero(wrong)) if wrong.ndim else ()
    if first:
        lines.append(f"  First wrong entry: {name}{_index(first)} "
                     f"({_position(first, axes, labels)})")
    lines.append(f"    expected {_num(expected[first])}")
    lines.append(f"    got      {_num(got[first])}")
    if wrong.size > 1:                # for a single entry the lines above say it all
        if wrong.all():
            lines.append(f"  All {wrong.size} entries are wrong.")
        else:
            lines.append(f"  {int(wrong.sum())} of {wrong.size} entries are wrong.")
            lines += _axis_summaries(wrong, axes)
    if nan_hint and not np.isfinite(got).all() and np.isfinite(expected).all():
        lines.append(f"  {name} contains NaN or inf. {nan_hint}")
    for description, alternative in (mistakes or {}).items():
        alternative = np.asarray(alternative)
        if alternative.shape == got.shape and not _wrong_mask(got, alternative, atol, rtol).any():
            lines.append(f"  Your result for {name} is exactly what you get if {description}.")
            break
    raise WrongAnswer("\n".join(lines))


def _wrong_mask(got, expected, atol, rtol):
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(np.subtract(got.astype(float), expected.astype(float)))
        ok = diff <= atol + rtol * np.abs(expected.astype(float))
    return ~ok   # NaN compares False, so a NaN is always wrong


def _shape_message(name, got, expected, axes, where):
    spelled = "(" + ", ".join(axes) + ")"
    msg = [f"{name} has shape {got} but should have shape {expected}, that is {spelled}{where}."]
    if len(got) == len(expected) and sorted(got) == sorted(expected) and got != expected:
        msg.append("  It has the right sizes in a different order: check which axis is which "
                   "(np.stack(..., axis=...) and .T decide the order).")
    elif len(got) == len(expected):
        bad = [f"axis {i} ({axes[i]}) is {g}, should be {e}"
               for i, (g, e) in enumerate(zip(got, expected)) if g != e]
        msg.append("  " + "; ".join(bad) + ".")
    elif len(got) < len(expected):
        msg.append(f"  It has {len(got)} axes instead of {len(expected)}: a sum, a mean or "
                   f"an index may have dropped one (keepdims=True keeps it).")
    else:
        msg.append(f"  It has {len(got)} axes instead of {len(expected)}: an extra axis was "
                   f"added somewhere.")
    return "\n".join(msg)


def _index(idx):
    return "[" + ", ".join(str(i) for i in idx) + "]"


def _position(idx, axes, labels):
    parts = []
    for axis, (word, i) in enumerate(zip(axes, idx)):
        label = (labels or {}).get(axis)
        parts.append(f"{word} {i}" + (f" = {label[i]}" if label is not None else ""))
    return ", ".join(parts)


def _axis_summaries(wrong, axes):
    """For each axis: at which indices something is wrong, when that is not all of them."""
    lines = []
    for axis, word in enumerate(axes):
        if wrong.shape[axis] < 2:
            continue
        others = tuple(a for a in range(wrong.ndim) if a != axis)
        bad = [int(i) for i in np.nonzero(wrong.any(axis=others))[0]]
        if len(bad) == wrong.shape[axis]:
            lines.append(f"  Wrong at every {word}.")
        elif bad[0] > 0 and word.startswith("time"):
            right = f"{word.capitalize()} 0 is" if bad[0] == 1 else \
                f"{word.capitalize()}s 0 to {bad[0] - 1} are"
            lines.append(f"  {right} right; the first wrong {word} is {bad[0]}. The first step "
                         f"works, so look at what is carried from one step to the next.")
        else:
            lines.append(f"  Wrong at {word}(s) {_ranges(bad)}; right at every other {word}.")
    return lines


def _ranges(indices, most=6):
    """Sorted indices as runs, e.g. [0, 1, 2, 5, 7, 8] -> '0 to 2, 5, 7, 8'."""
    runs = []
    for i in indices:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    parts = [f"{a} to {b}" if b > a + 1 else f"{a}, {b}" if b == a + 1 else f"{a}"
             for a, b in runs]
    more = f" and {len(parts) - most} more stretches" if len(parts) > most else ""
    return ", ".join(parts[:most]) + more


def _num(value):
    return f"{float(value): .6g}" if np.ndim(value) == 0 else repr(value)
