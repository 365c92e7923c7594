"""Grading the course's notebooks: the checks students meet, and the trusted autograder.

What a notebook uses is here: ``from rnnkit import grading`` gives :func:`call`,
:func:`check_array`, :func:`need_function`, :func:`graded`, :func:`describe` and
:class:`WrongAnswer` (:mod:`.checks`), and :class:`KernelFunction` for hidden tests that hand
a student function a function of their own. The machinery that grades a class lives in the
other modules of this package and never runs inside a student's kernel:

- :mod:`.autograde` — ``make grade``: which submissions to grade, in parallel, and what is
  recorded (gradebook, autograded notebooks, feedback, grades.csv);
- :mod:`.judge` — one submission: its cells in a sandboxed kernel, the hidden tests here;
- :mod:`.sandbox` — the bubblewrap sandbox and the kernel inside it;
- :mod:`.redact` — the rnnkit a notebook sees while graded, without the graded functions;
- :mod:`.wire` and :mod:`.kernel` — how values cross between the two sides;
- :mod:`.release` — ``make assignments``: student versions of changed sources only.
"""
from .checks import (WrongAnswer, call, check_array, describe, graded, need_function)
from .wire import KernelFunction

__all__ = ["KernelFunction", "WrongAnswer", "call", "check_array", "describe", "graded",
           "need_function"]
