"""rnnkit.data: the texts, and the shapes, meaning and reproducibility of each data set."""
import numpy as np
import pytest

from rnnkit import data


def test_the_texts():
    assert data.hello() == "hello"
    poem = data.jindallaekkot()
    assert len(poem) == 135 and len(set(poem)) == 59
    assert poem.startswith("나 보기가 역겨워\n") and poem.endswith("죽어도 아니 눈물 흘리우리다.\n")
    assert poem.count("\n\n") == 3                     # four stanzas
    assert poem.count("진달래꽃") == 1


def test_seasonal_series():
    y = data.seasonal_series(400, np.random.default_rng(0), periods=(20.0, 100.0),
                             amplitudes=(1.0, 0.5), trend=0.01, noise=0.0)
    assert y.shape == (400,)
    # without noise, the series minus the trend repeats with the common period 100
    detrended = y - 0.01 * np.arange(400)
    np.testing.assert_allclose(detrended[100:], detrended[:-100], atol=1e-12)
    noisy = data.seasonal_series(400, np.random.default_rng(0), noise=0.5)
    clean = data.seasonal_series(400, np.random.default_rng(0), noise=0.0)
    assert 0.4 < np.std(noisy - clean) < 0.6
    np.testing.assert_array_equal(noisy, data.seasonal_series(400, np.random.default_rng(0), noise=0.5))


def test_forecasting_windows_predict_the_next_value():
    x, y = data.forecasting_windows(np.arange(10.0), 4)
    assert x.shape == y.shape == (6, 4, 1)
    np.testing.assert_array_equal(x[2, :, 0], [2, 3, 4, 5])
    np.testing.assert_array_equal(y[2, :, 0], [3, 4, 5, 6])


def test_adding_problem():
    x, y = data.adding_problem(500, 30, np.random.default_rng(1))
    assert x.shape == (500, 30, 2) and y.shape == (500, 1)
    markers = x[..., 1]
    assert np.all(markers.sum(1) == 2)
    assert np.all(markers[:, :15].sum(1) == 1)          # one in each half
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * markers).sum(1), atol=1e-15)
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.03  # the mean-predictor baseline


def test_copy_task_layout():
    K, L, lag = 5, 4, 6
    x, y = data.copy_task(3, lag, np.random.default_rng(2), n_symbols=K, length=L)
    T = 2 * L + lag
    assert x.shape == (3, T, K + 2) and y.shape == (3, T) and y.dtype == np.int64
    inputs = x.argmax(-1)
    np.testing.assert_array_equal(x.sum(-1), np.ones((3, T)))
    assert np.all((inputs[:, :L] >= 1) & (inputs[:, :L] <= K))
    assert np.all(inputs[:, L:L + lag - 1] == 0) and np.all(inputs[:, L + lag - 1] == K + 1)
    assert np.all(inputs[:, L + lag:] == 0)
    assert np.all(y[:, :L + lag] == 0)
    np.testing.assert_array_equal(y[:, L + lag:], inputs[:, :L])  # each symbol L + lag steps later


def test_copy_task_baseline_is_the_loss_of_the_best_memoryless_guess():
    K, L, lag = 5, 4, 6
    _, y = data.copy_task(200, lag, np.random.default_rng(3), n_symbols=K, length=L)
    p = np.zeros(y.shape + (K + 2,))
    p[:, :L + lag, 0] = 1.0
    p[:, L + lag:, 1:K + 1] = 1.0 / K
    loss = -np.mean(np.log(np.take_along_axis(p, y[..., None], -1)))
    assert loss == pytest.approx(data.copy_task_baseline(lag, K, L), rel=1e-12)


def test_frequency_classes_are_separable_by_their_spectrum():
    x, y = data.frequency_classes(300, 64, np.random.default_rng(4), n_classes=4, noise=0.3)
    assert x.shape == (300, 64, 1) and y.shape == (300,)
    assert set(np.unique(y)) == {0, 1, 2, 3}
    # frequency (c + 1)/16 is FFT bin 4 (c + 1) for 64 steps
    peak = np.abs(np.fft.rfft(x[..., 0], axis=1)).argmax(1)
    np.testing.assert_array_equal(peak, 4 * (y + 1))


@pytest.mark.parametrize("make", [
    lambda rng: data.seasonal_series(50, rng),
    lambda rng: data.adding_problem(4, 10, rng),
    lambda rng: data.copy_task(4, 3, rng),
    lambda rng: data.frequency_classes(4, 10, rng),
])
def test_the_same_seed_gives_the_same_data(make):
    a, b = make(np.random.default_rng(7)), make(np.random.default_rng(7))
    for u, v in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("call, message", [
    (lambda: data.adding_problem(4, 10, 0), r"rng must be a numpy.random.Generator"),
    (lambda: data.adding_problem(4, 1, np.random.default_rng()), r"length must be at least 2"),
    (lambda: data.copy_task(4, 0, np.random.default_rng()), r"lag must be a positive integer, got 0"),
    (lambda: data.frequency_classes(4, 10, np.random.default_rng(), n_classes=8),
     r"n_classes must be from 2 to 7"),
    (lambda: data.seasonal_series(10, np.random.default_rng(), periods=(1.0, 2.0)),
     r"periods \(shape \(2,\)\) and amplitudes \(shape \(1,\)\)"),
    (lambda: data.forecasting_windows(np.arange(5.0), 5), r"length must be at most N − 1 = 4"),
    (lambda: data.seasonal_series(2.5, np.random.default_rng()), r"n_steps must be a positive integer"),
])
def test_bad_arguments_raise_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
