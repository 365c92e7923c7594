"""rnnkit.plot: the book style draws Hangul, log-axis ticks and superscripts without a warning.

A warning or a matplotlib log message in a page's cell goes to stderr, which fails the book
build, so the style must draw all of these silently.
"""
import logging
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from rnnkit.plot import use_book_style  # noqa: E402


def test_book_style_draws_hangul_and_negative_exponents_silently(tmp_path, caplog):
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("error")    # setting the style up warns of nothing either
        use_book_style()
        fig, ax = plt.subplots()
        ax.semilogy([1e-3, 1e-1, 10.0])           # tick labels 10⁻³ … need U+2212 in mathtext
        ax.set_title("진달래꽃: ‖hᵗ‖ against t, λ₁ = −1.1")
        fig.savefig(tmp_path / "style.png")
    plt.close(fig)
    assert not caplog.records, [r.getMessage() for r in caplog.records]
