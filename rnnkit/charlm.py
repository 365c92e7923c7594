"""Text for a character-level language model: vocabulary, encoding, targets, batches, sampling.

Book chapter 1 (the "hello" model) and chapter 8 (a Korean poem). A character model reads
one character per step and predicts the next one, so the targets are the inputs shifted by
one: for "hello" the inputs are "hell" and the targets "ello".

Any Unicode text works: a Hangul syllable such as "꽃" is one character, one class.
"""
import numpy as np

from ._checks import check_rng, positive_number
from .functional import one_hot, softmax


class Vocabulary:
    """The characters of a text, sorted by code point, and their indices.

    ``Vocabulary("hello").chars == ("e", "h", "l", "o")``. The order depends only on the set
    of characters, so the same text always gives the same indices.
    """

    def __init__(self, text):
        if not isinstance(text, str) or not text:
            raise ValueError(f"text must be a non-empty string, got {text!r:.40}")
        self.chars = tuple(sorted(set(text)))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def __repr__(self):
        return f"Vocabulary({''.join(self.chars)!r})"

    def encode(self, text):
        """The indices of the characters of ``text``: an int64 array (N,)."""
        unknown = sorted(set(text) - self.index.keys())
        if unknown:
            raise ValueError(f"text has characters outside the vocabulary: {''.join(unknown)!r}")
        return np.fromiter((self.index[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids):
        """The text spelled by integer indices ``ids`` (N,)."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
            raise ValueError(f"ids must be a 1-D integer array, got shape {ids.shape} and dtype "
                             f"{ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"ids must lie in [0, {len(self)}), got values from {ids.min()} "
                             f"to {ids.max()}")
        return "".join(self.chars[i] for i in ids)

    def one_hot(self, ids, dtype=np.float64):
        """One-hot vectors for integer indices: (...) → (..., len(self))."""
        return one_hot(ids, len(self), dtype=dtype)


def next_char_pairs(ids):
    """Inputs and next-character targets: ids[..., :-1] and ids[..., 1:].

    ids : (..., N) integers with N ≥ 2. Returns (inputs, targets), each (..., N − 1).
    """
    ids = np.asarray(ids)
    if ids.ndim < 1 or ids.shape[-1] < 2:
        raise ValueError(f"ids must hold at least 2 characters along its last axis, got shape "
                         f"{ids.shape}")
    return ids[..., :-1], ids[..., 1:]


def batchify(ids, batch_size):
    """Cut one long text into ``batch_size`` streams read side by side.

    ids : (N,). Returns (B, N // B): stream b is the b-th contiguous piece of the text, so
    carrying the state of row b from one chunk to the next follows the text. The last
    N mod B characters are dropped.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must be 1-D (N,), got shape {ids.shape}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or not 1 <= batch_size <= ids.size // 2:
        raise ValueError(f"batch_size must be an integer from 1 to {ids.size // 2} (each stream "
                         f"needs 2 characters), got {batch_size!r}")
    L = ids.size // batch_size
    return ids[:L * batch_size].reshape(batch_size, L)


def sample_next(scores, rng, temperature=1.0):
    """Draw the next character from softmax(scores / temperature).

    scores : (..., V) unnormalised scores; rng : numpy.random.Generator;
    temperature > 0: below 1 sharpens the distribution toward the most likely character,
    above 1 flattens it toward uniform.
    Returns integer indices (...), one draw per row, all rows in one vectorised draw.
    """
    check_rng(rng)
    temperature = positive_number("temperature", temperature)
    p = softmax(np.asarray(scores, dtype=np.float64) / temperature)
    u = rng.random(p.shape[:-1] + (1,))
    # Inverse-CDF sampling; the min() guards against a cumulative sum that ends just below 1.
    return np.minimum((np.cumsum(p, axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)


def generate(model, vocab, prefix, n, rng, temperature=1.0):
    """Text from a trained character model: ``prefix`` followed by ``n`` sampled characters.

    model : a rnnkit.models.CharRNN; vocab : the Vocabulary it was trained with.
    """
    return prefix + vocab.decode(model.sample(vocab.encode(prefix), n, rng, temperature))

