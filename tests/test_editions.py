"""rnnkit.editions: each figure carries its Korean twin, drawn from the figure catalog."""
import base64
import hashlib
import io
import logging
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from rnnkit import editions  # noqa: E402
from rnnkit.plot import use_book_style  # noqa: E402

TABLE = {"loss": "손실", "norm $\\|g\\|$": "노름 $\\|g\\|$", "step {0} of {1}": "{1}개 중 {0}번째 스텝", "tanh": "tanh",
         "plain RNN": "기본 RNN"}


@pytest.fixture
def figure():
    use_book_style()  # a font with Hangul, as on every page
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [3, 2, 1], label="plain RNN")
    ax.set_title("loss")
    ax.set_xlabel("step 3 of 50")
    ax.set_ylabel("norm $\\|g\\|$")
    ax.set_xticks([0, 1, 2], ["plain RNN", "loss", "7"])
    ax.legend()
    yield fig
    plt.close(fig)


def shown(fig):
    fig.canvas.draw()
    return {t.get_text() for t in editions.texts(fig)}


def test_translated_texts_read_in_the_language_and_come_back(figure):
    before = shown(figure)
    with editions.translated(figure, TABLE):
        inside = shown(figure)
    assert {"손실", "50개 중 3번째 스텝", "기본 RNN"} <= inside
    assert not {"loss", "step 3 of 50", "plain RNN"} & inside, "English left on the figure"
    assert "노름 $\\|g\\|$" in inside and "7" in inside, "math and numbers are left alone"
    assert shown(figure) == before, "the figure is English again after the block"


def test_template_replaces_numbers_and_translate_puts_them_back():
    assert editions.template("half-life 14.3 steps, $b_f = -2$") == (
        "half-life {0} steps, $b_f = {1}$", ["14.3", "-2"])
    assert editions.template("$h_{t-1}$")[0] == "$h_{{t-{0}}}$"
    assert editions.translate("step 12 of 40", TABLE) == "40개 중 12번째 스텝"
    assert editions.translate("not in it", TABLE) is None


def test_words_of_lists_only_texts_with_words(figure):
    words = editions.words_of(figure)
    assert {"loss", "step 3 of 50", "plain RNN"} <= set(words)
    assert "7" not in words and len(words) == len(set(words))
    assert not editions.has_words("tanh, $\\gamma_w = 1.2$") and editions.has_words("the state")


def test_png_with_editions_carries_a_different_korean_twin(figure, monkeypatch, caplog):
    monkeypatch.setenv(editions.TWINS_VARIABLE, "ko")    # as book/build.py asks
    monkeypatch.setattr(editions, "catalog", lambda language: TABLE)
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("error")   # a missing glyph would warn, and fail the book build
        english, metadata = editions.png_with_editions(figure)
    assert not caplog.records, "Hangul next to $math$ is drawn with a font that has it"
    twin = base64.b64decode(metadata[editions.METADATA_KEY]["ko"])
    assert hashlib.sha256(english).digest() != hashlib.sha256(twin).digest()
    (w, h), (w2, h2) = (Image.open(io.BytesIO(png)).size for png in (english, twin))
    assert abs(w - w2) <= 0.05 * w and abs(h - h2) <= 0.05 * h, "the same figure, other words"
    assert english == editions.figure_png(figure), "the English PNG is the figure as drawn"
    assert "loss" in metadata[editions.METADATA_KEY]["texts"]


def test_outside_the_book_build_a_figure_is_drawn_once(figure, monkeypatch):
    """A reader running a page in Jupyter sees the English figure only: no twin is drawn."""
    monkeypatch.delenv(editions.TWINS_VARIABLE, raising=False)
    drawn = []
    monkeypatch.setattr(editions, "figure_png", lambda fig: drawn.append(fig) or b"png")
    assert editions.png_with_editions(figure) == b"png" and len(drawn) == 1
    monkeypatch.setenv(editions.TWINS_VARIABLE, "ko")
    english, metadata = editions.png_with_editions(figure)
    assert len(drawn) == 3 and set(metadata[editions.METADATA_KEY]) == {"ko", "texts"}


def test_asking_for_an_edition_the_book_lacks_is_an_error(monkeypatch):
    monkeypatch.setenv(editions.TWINS_VARIABLE, "ko, fr")
    with pytest.raises(ValueError, match=r"RNNKIT_EDITIONS names fr, but .* are ko"):
        editions.twin_languages()
    monkeypatch.setenv(editions.TWINS_VARIABLE, " ko ")
    assert editions.twin_languages() == ("ko",)


def test_the_korean_catalog_is_read_without_fuzzy_or_empty_entries(tmp_path, monkeypatch):
    folder = tmp_path / "ko" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "figures.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "loss"\nmsgstr "손실"\n\n#, fuzzy\nmsgid "seed"\nmsgstr "시드"\n\n'
        'msgid "step"\nmsgstr ""\n', encoding="utf-8")
    monkeypatch.setattr(editions, "CATALOGS", tmp_path)
    editions.catalog.cache_clear()
    try:
        assert editions.catalog("ko") == {"loss": "손실"}
    finally:
        editions.catalog.cache_clear()
