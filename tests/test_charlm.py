"""rnnkit.charlm: vocabulary, encoding, shifted targets, streams and temperature sampling."""
import numpy as np
import pytest

from rnnkit.charlm import Vocabulary, batchify, next_char_pairs, sample_next
from rnnkit.data import jindallaekkot


def test_vocabulary_of_hello_is_sorted_and_round_trips():
    v = Vocabulary("hello")
    assert v.chars == ("e", "h", "l", "o") and len(v) == 4
    ids = v.encode("hello")
    assert ids.dtype == np.int64
    np.testing.assert_array_equal(ids, [1, 0, 2, 2, 3])
    assert v.decode(ids) == "hello"
    one = v.one_hot(ids)
    assert one.shape == (5, 4)
    np.testing.assert_array_equal(one.argmax(1), ids)


def test_korean_vocabulary_is_stable_and_round_trips():
    poem = jindallaekkot()
    v = Vocabulary(poem)
    assert v.chars == tuple(sorted(set(poem)))
    assert "꽃" in v.chars and "\n" in v.chars
    assert Vocabulary(poem[::-1]).chars == v.chars      # depends on the set, not the order
    assert v.decode(v.encode(poem)) == poem


def test_targets_are_the_inputs_shifted_by_one():
    v = Vocabulary("hello")
    inputs, targets = next_char_pairs(v.encode("hello"))
    assert v.decode(inputs) == "hell" and v.decode(targets) == "ello"
    batch = np.arange(12).reshape(2, 6)
    x, y = next_char_pairs(batch)
    np.testing.assert_array_equal(x, batch[:, :-1])
    np.testing.assert_array_equal(y, batch[:, 1:])


def test_batchify_cuts_the_text_into_contiguous_streams():
    streams = batchify(np.arange(11), 3)
    np.testing.assert_array_equal(streams, [[0, 1, 2], [3, 4, 5], [6, 7, 8]])


def test_sample_next_follows_softmax_of_scores_over_temperature():
    rng = np.random.default_rng(0)
    scores = np.log(np.array([0.1, 0.2, 0.7]))
    draws = sample_next(np.tile(scores, (200_000, 1)), rng)
    freq = np.bincount(draws, minlength=3) / draws.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.005)
    # temperature 1/2 squares the probabilities (then normalises)
    draws = sample_next(np.tile(scores, (200_000, 1)), rng, temperature=0.5)
    p = np.array([0.01, 0.04, 0.49]) / 0.54
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / draws.size, p, atol=0.005)


def test_sampling_is_reproducible_with_the_same_seed_and_low_temperature_is_greedy():
    scores = np.random.default_rng(1).normal(size=(50, 7))
    a = sample_next(scores, np.random.default_rng(2), 1.5)
    b = sample_next(scores, np.random.default_rng(2), 1.5)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (50,)
    np.testing.assert_array_equal(sample_next(scores, np.random.default_rng(3), 1e-3),
                                  scores.argmax(-1))
    assert sample_next(scores[0], np.random.default_rng(4)).shape == ()


@pytest.mark.parametrize("call, message", [
    (lambda: Vocabulary(""), r"text must be a non-empty string"),
    (lambda: Vocabulary("hello").encode("help"), r"text has characters outside the vocabulary: 'p'"),
    (lambda: Vocabulary("hello").decode([0, 4]), r"ids must lie in \[0, 4\), got values from 0 to 4"),
    (lambda: Vocabulary("hello").decode([[0]]), r"ids must be a 1-D integer array, got shape \(1, 1\)"),
    (lambda: next_char_pairs(np.array([3])), r"ids must hold at least 2 characters"),
    (lambda: batchify(np.arange(5), 3), r"batch_size must be an integer from 1 to 2"),
    (lambda: sample_next(np.zeros(3), np.random.default_rng(0), 0), r"temperature must be a positive"),
    (lambda: sample_next(np.zeros(3), 0), r"rng must be a numpy.random.Generator"),
])
def test_bad_input_raises_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
