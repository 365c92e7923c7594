"""rnnkit: recurrent neural networks in numpy, written to be read beside the course book.

Each module holds one idea; the functions named in the course's API contract live in
``functional``, ``rnn``, ``lstm``, ``gru``, ``clip``, ``bptt``, ``gradcheck`` and ``jacobian``.
"""
from . import bidirectional, functional, gradcheck, gru, layers, lstm, rnn, stacked

__all__ = ["bidirectional", "functional", "gradcheck", "gru", "layers", "lstm", "rnn", "stacked"]
__version__ = "0.1.0"
