"""Checks used by the course's graded notebooks.

A failing check is a diagnosis written for a student who is stuck: it names the output that
is wrong, where (which example, time step, unit), what was expected and what came back, and,
when the answer matches a common slip (a missing tanh, ``W`` for ``W.T``), says which one.

Grading must also be fair to everyone else, so this module

- blocks rnnkit's own functions while a student's function runs (:func:`call`): handing in
  ``rnnkit.rnn.rnn_forward`` under another name earns nothing, whatever alias it is called by;
- stops a student's function that runs for more than a few seconds (:func:`call`), even one
  that catches KeyboardInterrupt, and says it never finished;
- keeps the numpy and builtin functions it saw when first imported. The notebook's first,
  locked cell imports this module, and the autograder imports it as the kernel starts, before
  any student code. :func:`graded` and :func:`call` put back anything replaced since
  (``np.allclose = lambda *a, **k: True``) before any comparison, and say that tampering was
  seen; the comparisons themselves use functions captured at import and ndarray methods,
  which Python code cannot replace.
"""
import builtins
import contextlib
import inspect
import signal
import sys
import threading
import traceback

import numpy as np
import numpy.testing  # loaded now, so that its functions are captured below

# Captured at import, before student code runs: the comparisons below use only these.
_asarray = np.asarray
_abs = np.absolute
_subtract = np.subtract
_isfinite = np.isfinite
_nonzero = np.nonzero

_WATCHED_BUILTINS = ("abs", "all", "any", "callable", "float", "getattr", "hasattr", "int",
                     "isinstance", "len", "max", "min", "print", "range", "repr", "round",
                     "sorted", "str", "sum", "tuple", "type", "zip")


def _snapshot():
    """(namespace, display prefix, name) -> object for every function a test might rely on."""
    spaces = [(np, "np."), (np.testing, "np.testing."), (builtins, "")]
    snap = {}
    for space, prefix in spaces:
        names = _WATCHED_BUILTINS if space is builtins else dir(space)
        for name in names:
            if name.startswith("_"):
                continue
            obj = getattr(space, name, None)
            if callable(obj):
                snap[(space, prefix, name)] = obj
    return snap


_ORIGINALS = _snapshot()
_NUMPY = np
_tampered = []   # display names of everything found replaced, in the order first seen


class WrongAnswer(AssertionError):
    """A check failed; the message says what is wrong and where."""

    def _render_traceback_(self):
        # IPython shows this instead of a traceback: the diagnosis is the whole story, and
        # frames inside this module would only bury it.
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


# ----------------------------------------------------------------------------- tampering

def restore_tampered():
    """Put back every watched numpy/builtin function that was replaced; return their names."""
    found = []
    if sys.modules.get("numpy") is not _NUMPY:
        sys.modules["numpy"] = _NUMPY
        found.append("the numpy module itself")
    for (space, prefix, name), original in _ORIGINALS.items():
        if getattr(space, name, None) is not original:
            setattr(space, name, original)
            found.append(prefix + name)
    for name in found:
        if name not in _tampered:
            _tampered.append(name)
    return found


def tampering_note():
    """The sentence every check adds once tampering has been seen ('' if it has not)."""
    if not _tampered:
        return ""
    names = ", ".join(_tampered)
    return (f"\nTampering seen: code in this notebook replaced {names}. The checks put the "
            f"original functions back and compared with them, so this changed no result; "
            f"it is reported to your instructor.")


_results = {}   # exercise label -> whether its autograder tests passed


@contextlib.contextmanager
def graded(exercise, builds_on=()):
    """Run an autograder test block: undo tampering first, and label any failure.

    Failures are re-raised as WrongAnswer starting with ``exercise`` and ending with the
    tampering note; a passing block still prints that note. ``builds_on`` lists the labels of
    earlier exercises whose functions this one is expected to call: when one of those failed,
    the message says to fix it first.
    """
    restore_tampered()
    _results[exercise] = False
    try:
        yield
    except WrongAnswer as e:
        restore_tampered()
        failed = [label for label in builds_on if _results.get(label) is False]
        hint = (f"\n  {' and '.join(failed)} failed its own tests too; if your code calls that "
                f"function, fix it first." if failed else "")
        raise WrongAnswer(f"{exercise}: {e}{hint}{tampering_note()}") from None
    _results[exercise] = True
    restore_tampered()
    if _tampered:
        print(tampering_note().strip())


class _TimeUp(BaseException):
    """Raised by the alarm; a BaseException so that `except Exception` cannot swallow it."""


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise _TimeUp in the running code after ``seconds`` (where the OS allows alarms)."""
    if not seconds or not hasattr(signal, "setitimer") or not _in_main_thread():
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


def _in_main_thread():
    return threading.current_thread() is threading.main_thread()


# ------------------------------------------------------------------- calling student code

def need_function(namespace, name):
    """Fail clearly when the notebook no longer defines the function ``name``."""
    fn = namespace.get(name)
    if fn is None:
        raise WrongAnswer(
            f"this notebook defines no `{name}`: the cell that defines it was deleted, renamed "
            f"or not run before this one. Put `def {name}(...)` back (download a fresh copy of "
            f"the notebook to see the original), run it, then run this cell.")
    if not callable(fn):
        raise WrongAnswer(f"`{name}` is no longer a function but {describe(fn)}: a later cell "
                          f"assigned to the name `{name}`. Rename that variable.")
    return fn


class ReferenceCalled(Exception):
    """Raised in place of an rnnkit function while a student's function is being graded."""


def _blocked(qualname):
    raise ReferenceCalled(qualname)


_STUB_NAME = "__rnnkit_grading_blocked__"


def _reference_functions():
    """Every plain function defined in a loaded rnnkit module (this one excepted)."""
    found = []
    for modname, module in list(sys.modules.items()):
        if not (modname == "rnnkit" or modname.startswith("rnnkit.")) or modname == __name__:
            continue
        for owner_name, owner in list(vars(module).items()):
            if inspect.isfunction(owner) and owner.__module__ == modname:
                found.append((module, owner, f"{modname}.{owner_name}"))
            elif inspect.isclass(owner) and owner.__module__ == modname:
                for attr, fn in vars(owner).items():
                    if inspect.isfunction(fn) and not attr.startswith("_"):
                        found.append((module, fn, f"{modname}.{owner_name}.{attr}"))
    return [(m, f, q) for m, f, q in found if f.__closure__ is None]


@contextlib.contextmanager
def _references_blocked():
    """While active, calling any rnnkit function raises ReferenceCalled naming it.

    Each function's code is swapped, not its name, so every alias (``from rnnkit.rnn import
    rnn_forward as f``) reaches the stub. The stub looks up the raiser in the function's own
    module globals, where it is put for the duration.
    """
    targets = _reference_functions()
    modules = {id(m): m for m, _, _ in targets}
    saved = [(fn, fn.__code__) for _, fn, _ in targets]
    for module in modules.values():
        setattr(module, _STUB_NAME, _blocked)
    try:
        for _, fn, qualname in targets:
            fn.__code__ = _stub_code(qualname, inspect.isgeneratorfunction(fn))
        yield
    finally:
        for fn, code in saved:
            fn.__code__ = code
        for module in modules.values():
            if hasattr(module, _STUB_NAME):
                delattr(module, _STUB_NAME)


_stub_cache = {}


def _stub_code(qualname, generator):
    """The code of a stub that raises ReferenceCalled(qualname); a generator for a generator
    function, since Python 3.13 deprecates swapping a generator's code for a plain one's."""
    if (qualname, generator) not in _stub_cache:
        scope = {}
        body = "yield" if generator else "return"
        exec(f"def stub(*args, **kwargs):\n    {body} {_STUB_NAME}({qualname!r})\n", scope)
        _stub_cache[qualname, generator] = scope["stub"].__code__
    return _stub_cache[qualname, generator]


def call(fn, *args, returns=None, time_limit=5, copy_args=True, **kwargs):
    """Call a student's function on copies of the arguments and explain any failure.

    ``returns`` names the outputs when the contract asks for a tuple, e.g. ``("h", "cache")``;
    the result is then checked to be a tuple of that length. rnnkit's own functions are
    blocked during the call. A call still running after ``time_limit`` seconds (an endless
    loop) is stopped and fails with a message saying so, even when the loop catches
    KeyboardInterrupt; the exercises' inputs are tiny, so a right answer takes milliseconds.
    ``copy_args=False`` hands over the array arguments themselves, for a function whose
    contract is to change an array in place and put it back (a numerical gradient perturbs
    the very array its loss function reads); the test then checks that array afterwards.
    """
    name = getattr(fn, "__name__", "your function")
    if copy_args:
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        kw = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    else:
        copies, kw = list(args), dict(kwargs)
    try:
        with _references_blocked(), _time_limit(time_limit):
            result = fn(*copies, **kw)
    except _TimeUp:
        raise WrongAnswer(
            f"{name} was stopped after {time_limit} s: it never finished. Look for a loop "
            f"whose condition never becomes false (a `while` loop, or a `for` loop over "
            f"something that keeps growing).") from None
    except NotImplementedError as e:
        named = [f.name for f in traceback.extract_tb(e.__traceback__)[1:]  # after call's
                 if not f.name.startswith("<")]            # not a lambda or comprehension
        unwritten = named[-1] if named else name
        who = name if unwritten == name else f"{name} calls {unwritten}, which"
        raise WrongAnswer(
            f"{who} is not written yet: it still raises NotImplementedError. "
            f"Replace the lines `# YOUR CODE HERE` and `raise NotImplementedError()` in "
            f"{unwritten} with your code.") from None
    except ReferenceCalled as e:
        raise WrongAnswer(
            f"{name} called {e.args[0]}, rnnkit's own implementation. This exercise asks you "
            f"to compute the answer yourself with numpy (and your own functions from earlier in "
            f"this notebook), so that call is switched off while your function is graded."
        ) from None
    except Exception as e:  # a student's bug: report it with the inputs that caused it
        lines = [f"{name} raised {type(e).__name__}: {e}",
                 f"  It was called with {_describe_args(fn, copies, kw)}.", _where(e)]
        raise WrongAnswer("\n".join(line for line in lines if line)) from None
    finally:
        restore_tampered()   # the function itself may have replaced something
    if returns:
        _check_tuple(name, result, returns)
    return result


def _describe_args(fn, args, kwargs):
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
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
    frame = mine[-1]
    line = (frame.line or "").strip()
    return f"  The error came from this line of your code: {line}" if line else ""


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
    expected = _asarray(expected)
    where = f" (test case {case})" if case else ""
    if got is None:
        raise WrongAnswer(f"{name} is None{where}: is a `return` line missing?")
    try:
        got = _asarray(got)
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
    first = tuple(int(i[0]) for i in _nonzero(wrong)) if wrong.ndim else ()
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
    if nan_hint and not _isfinite(got).all() and _isfinite(expected).all():
        lines.append(f"  {name} contains NaN or inf. {nan_hint}")
    for description, alternative in (mistakes or {}).items():
        alternative = _asarray(alternative)
        if alternative.shape == got.shape and not _wrong_mask(got, alternative, atol, rtol).any():
            lines.append(f"  Your result for {name} is exactly what you get if {description}.")
            break
    raise WrongAnswer("\n".join(lines))


def _wrong_mask(got, expected, atol, rtol):
    with np.errstate(invalid="ignore", over="ignore"):
        diff = _abs(_subtract(got.astype(float), expected.astype(float)))
        ok = diff <= atol + rtol * _abs(expected.astype(float))
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
        bad = [int(i) for i in _nonzero(wrong.any(axis=others))[0]]
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
