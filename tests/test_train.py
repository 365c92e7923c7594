"""rnnkit.train: chunked truncated BPTT carries the state and clips as documented, and
trained character models learn "hello" and the poem 진달래꽃."""
import numpy as np
import pytest

from rnnkit.charlm import Vocabulary, generate
from rnnkit.clip import global_norm
from rnnkit.data import frequency_classes, hello, jindallaekkot
from rnnkit.functional import softmax_cross_entropy
from rnnkit.models import CharRNN, SequenceClassifier
from rnnkit.optim import SGD, Adagrad, Adam
from rnnkit.train import train_batches, train_chunked


class Spy(CharRNN):
    """A CharRNN that records what each call to loss received and returned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def loss(self, x, y, state=None):
        loss, grads, state_T = super().loss(x, y, state)
        self.calls.append((x.copy(), y.copy(), [s.copy() for s in state], state_T, grads))
        return loss, grads, state_T


class RecordingSGD(SGD):
    def __init__(self, lr):
        super().__init__(lr)
        self.applied = []

    def step(self, params, grads):
        self.applied.append({k: v.copy() for k, v in grads.items()})
        super().step(params, grads)


def test_chunks_follow_the_text_and_the_state_is_carried_between_them():
    ids = np.arange(23) % 7
    model = Spy(7, 5, rng=np.random.default_rng(0))
    train_chunked(model, ids, seq_len=4, n_steps=9, optimizer=SGD(0.1), batch_size=2)
    streams = ids[:22].reshape(2, 11)
    # one pass over streams of length 11 reads chunks [0:4], [4:8], [8:10], then starts again
    starts, lengths = [0, 4, 8, 0, 4, 8, 0, 4, 8], [4, 4, 2] * 3
    for k, ((x, y, state_in, state_T, _), p, T) in enumerate(zip(model.calls, starts, lengths)):
        np.testing.assert_array_equal(x, streams[:, p:p + T])
        np.testing.assert_array_equal(y, streams[:, p + 1:p + T + 1])
        if p == 0:
            assert not state_in[0].any(), k             # a new pass starts from zeros
        else:
            np.testing.assert_array_equal(state_in[0], model.calls[k - 1][3][0])
            assert state_in[0].any()


@pytest.mark.parametrize("clip", [{"max_norm": 0.05}, {"clip_value": 0.01}, {}])
def test_history_records_the_norm_before_clipping_and_the_update_uses_the_clipped_gradient(clip):
    ids = np.arange(40) % 5
    model = Spy(5, 6, rng=np.random.default_rng(1))
    opt = RecordingSGD(0.5)
    history = train_chunked(model, ids, seq_len=8, n_steps=6, optimizer=opt, **clip)
    for k, (call, applied) in enumerate(zip(model.calls, opt.applied)):
        raw = call[4]
        assert history.grad_norm[k] == pytest.approx(global_norm(raw), rel=1e-15)
        assert history.grad_norm[k] > 0.05
        if "max_norm" in clip:
            assert global_norm(applied) == pytest.approx(0.05, rel=1e-12)
        elif "clip_value" in clip:
            assert max(np.abs(g).max() for g in applied.values()) == pytest.approx(0.01)
        else:
            assert global_norm(applied) == global_norm(raw)
    assert history.loss.shape == history.grad_norm.shape == (6,)


def test_hello_is_learned_with_zero_errors():
    vocab = Vocabulary(hello())
    ids = vocab.encode(hello())
    model = CharRNN(len(vocab), 8, rng=np.random.default_rng(0))
    history = train_chunked(model, ids, seq_len=4, n_steps=100, optimizer=Adagrad(0.1))
    scores, _, _ = model.forward(ids[None, :-1])
    assert vocab.decode(scores[0].argmax(-1)) == "ello"
    assert history.loss[0] > 1.0 and history.loss[-1] < 0.01
    assert generate(model, vocab, "h", 4, np.random.default_rng(1), temperature=0.1) == "hello"


POEM_LOSS = 0.1   # nats per character; chance is ln 59 ≈ 4.08. Measured over seeds 0–19:
                  # 0.011–0.053 (median 0.024) after these 1,000 updates, about half a second.


def test_the_poem_loss_falls_below_the_measured_threshold():
    poem = jindallaekkot()
    vocab = Vocabulary(poem)
    ids = vocab.encode(poem)
    model = CharRNN(len(vocab), 64, rng=np.random.default_rng(0))
    history = train_chunked(model, ids, seq_len=25, n_steps=1000, optimizer=Adagrad(0.1),
                            max_norm=5.0)
    scores, _, _ = model.forward(ids[None, :-1])        # the whole poem from a zero state
    loss, _ = softmax_cross_entropy(scores, ids[None, 1:])
    assert loss < POEM_LOSS
    assert history.loss[:6].mean() > 3.0
    # at most one wrong guess: after the repeated opening lines of stanzas 1 and 4
    assert (scores[0].argmax(-1) != ids[1:]).sum() <= 1


def test_train_batches_fits_a_sequence_classifier():
    rng = np.random.default_rng(2)
    x, y = frequency_classes(600, 32, rng)
    x_test, y_test = frequency_classes(300, 32, rng)
    model = SequenceClassifier(1, 16, 3, rng=rng)
    history = train_batches(model, x, y, n_steps=300, optimizer=Adam(0.01), batch_size=32,
                            rng=rng, max_norm=5.0)
    assert history.loss[:5].mean() > 1.0 and history.loss[-20:].mean() < 0.2
    assert (model.predict(x_test) == y_test).mean() > 0.95


@pytest.mark.parametrize("call, message", [
    (lambda m: train_chunked(m, np.arange(10.0), seq_len=3, n_steps=1, optimizer=SGD(0.1)),
     r"ids must be a 1-D integer array"),
    (lambda m: train_chunked(m, np.arange(10), seq_len=0, n_steps=1, optimizer=SGD(0.1)),
     r"seq_len must be a positive integer, got 0"),
    (lambda m: train_chunked(m, np.arange(10), seq_len=3, n_steps=1, optimizer=SGD(0.1),
                             max_norm=1.0, clip_value=1.0), r"give max_norm or clip_value, not both"),
    (lambda m: train_chunked(m, np.arange(10), seq_len=3, n_steps=1, optimizer=SGD(0.1),
                             max_norm=-1.0), r"max_norm must be a positive finite number"),
    (lambda m: train_chunked(SequenceClassifier(2, 3, 4, rng=np.random.default_rng()), np.arange(10),
                             seq_len=3, n_steps=1, optimizer=SGD(0.1)), r"many-to-one"),
    (lambda m: train_batches(m, np.zeros((4, 3, 10)), np.zeros((5, 3), int), n_steps=1,
                             optimizer=SGD(0.1), batch_size=2, rng=np.random.default_rng()),
     r"x has shape \(4, 3, 10\), y has shape \(5, 3\)"),
    (lambda m: train_batches(m, np.zeros((4, 3, 10)), np.zeros((4, 3), int), n_steps=1,
                             optimizer=SGD(0.1), batch_size=5, rng=np.random.default_rng()),
     r"batch_size must be at most N = 4"),
])
def test_bad_arguments_raise_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call(CharRNN(10, 4, rng=np.random.default_rng(3)))
