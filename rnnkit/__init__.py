"""rnnkit: recurrent neural networks in numpy, written to be read beside the course book.

Each module holds one idea; the functions named in the course's API contract live in
``functional``, ``rnn``, ``lstm``, ``gru``, ``clip``, ``bptt``, ``gradcheck`` and ``jacobian``.
"""
from . import (bidirectional, bptt, charlm, clip, data, functional, gradcheck, gru, jacobian,
               layers, lstm, models, optim, output, rnn, stacked, train)

__all__ = ["bidirectional", "bptt", "charlm", "clip", "data", "functional", "gradcheck", "gru",
           "jacobian", "layers", "lstm", "models", "optim", "output", "rnn", "stacked", "train"]
__version__ = "0.1.0"
