"""rnnkit's fast path: the sequence functions of ``rnn``, ``lstm`` and ``gru``, rewritten for speed.

The modules ``rnnkit.rnn``, ``rnnkit.lstm`` and ``rnnkit.gru`` are written to be read beside
the book: one line per equation. The modules of this package compute the same numbers (the
same tests run on both, and tests/test_fast.py compares them on random shapes) with tricks
that make numpy fast and the code hard to read: time-major arrays so each step's slice is
contiguous, weights stored transposed, preallocated ``out=`` buffers, and for the LSTM
reordered, halved weights so one tanh computes all four gates.

A plain sequence function that has a fast twin here is marked ``@fast_twin(...)``: calling it
by its public name (``rnnkit.lstm.lstm_forward``) runs the twin, while its body stays the
plain version that the book derives, callable as ``lstm_forward.plain``.
"""
import functools


def fast_twin(fast):
    """Decorator: calls of the decorated plain function run ``fast``, its twin in this package.

    fast takes the same arguments and returns the same values (its own kind of cache, read by
    its own backward function). The result keeps the plain function's name, docstring and
    signature (``help``, ``??`` and ``inspect.getsource`` show the plain code), and holds both
    versions: ``.plain`` and ``.fast``.
    """
    def decorate(plain):
        @functools.wraps(plain)
        def public(*args, **kwargs):
            return fast(*args, **kwargs)

        public.plain, public.fast = plain, fast
        return public

    return decorate
