"""Figures for both editions of the book, English and Korean, from one execution of a page.

The book's pages run once (book/build.py builds the Korean edition from the English build's
execution cache), so a figure cannot be drawn again in Korean at build time. Instead every
figure a page shows is rendered twice when the page runs: once as it was drawn, and once with
each text on it (titles, axis labels, legend entries, annotations, category ticks) looked up in
the Korean figure catalog `locale/ko/LC_MESSAGES/figures.po`. The Korean PNG travels in the
output's metadata; the Korean build shows it in place of the English one
(book/_ext/editions.py). Numbers, math and names are the same in both and are never looked up.

`use_book_style` (rnnkit.plot) installs this for every page. The twins are drawn only when
the book is built: book/build.py names the editions in $RNNKIT_EDITIONS for the kernels that
run the pages, and a reader who runs a page in Jupyter gets each figure drawn once.
"""
import base64
import os
import re
from contextlib import contextmanager
from functools import cache
from pathlib import Path

LANGUAGES = ("ko",)
# The editions whose twins a process draws, comma-separated ("ko"); unset or empty for none.
TWINS_VARIABLE = "RNNKIT_EDITIONS"
CATALOGS = Path(__file__).resolve().parents[1] / "locale"
METADATA_KEY = "rnnkit_editions"

# Names spelled the same in both editions: a text made only of these needs no translation.
NAMES = frozenset({"RNN", "RNNs", "LSTM", "LSTMs", "GRU", "GRUs", "BPTT", "PyTorch", "NumPy",
                   "numpy", "rnnkit", "tanh", "ReLU", "Adam", "SGD", "Jupyter", "nbgrader"})
_MATH = re.compile(r"(?<!\\)\$.+?(?<!\\)\$", re.S)
# A number in a figure text ("half-life 14.3 steps"): the catalog holds the text with {0}, {1}…
# in place of its numbers, so that one translation serves every value a figure may show.
# A Hangul syllable: a text with one is Korean.
HANGUL = re.compile(r"[\uac00-\ud7a3]")
_NUMBER = re.compile(r"(?<![\w\\{}])[-−]?\d+(?:\.\d+)?")


def twin_languages():
    """The editions (of LANGUAGES) whose twins this process draws, from $RNNKIT_EDITIONS."""
    asked = [name.strip() for name in os.environ.get(TWINS_VARIABLE, "").split(",")
             if name.strip()]
    unknown = sorted(set(asked) - set(LANGUAGES))
    if unknown:
        raise ValueError(f"${TWINS_VARIABLE} names {', '.join(unknown)}, but the book's "
                         f"editions besides English are {', '.join(LANGUAGES)}")
    return tuple(asked)


def has_words(text):
    """Whether a figure text holds English words to translate (outside $math$ and names)."""
    return any(w not in NAMES for w in re.findall(r"[A-Za-z]{2,}", _MATH.sub(" ", text)))


def template(text):
    """(`text` with its numbers replaced by {0}, {1}, …, the numbers in order)."""
    numbers = _NUMBER.findall(text)
    counter = iter(range(len(numbers)))
    return _NUMBER.sub(lambda _: "{%d}" % next(counter), text.replace("{", "{{")
                       .replace("}", "}}")), numbers


def translate(text, table):
    """`text` in the language of `table` (a catalog), or None when the catalog lacks it.

    The text is looked up as it is, then as its template with the numbers filled back in."""
    if text in table:
        return table[text]
    pattern, numbers = template(text)
    if pattern in table:
        return table[pattern].format(*numbers)
    return None


@cache
def catalog(language):
    """{English figure text: translation} of locale/<language>/LC_MESSAGES/figures.po.

    Untranslated and fuzzy entries are left out, so their text stays English (and
    tests/test_translations.py reports them). Empty when the catalog does not exist, e.g.
    for rnnkit installed outside the course repository.
    """
    path = CATALOGS / language / "LC_MESSAGES" / "figures.po"
    if not path.exists():
        return {}
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}


def glue_words(key, english, **editions):
    """Glue a value that is words, e.g. "drops" or "rises", under `key` and its translations.

    Numbers read the same in both editions, but a verdict in words does not: the Korean
    build shows the value glued as `<key>__ko` (book/_ext/editions.py), given here as
    ko="...", in the Korean sentence around it.
    """
    from myst_nb import glue

    glue(key, english, display=False)
    for language, text in editions.items():
        glue(f"{key}__{language}", text, display=False)


def texts(fig):
    """Every non-empty text artist of a figure, tick labels and legends included."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_text()]


def _tick_formatters(fig, kind):
    """The tick formatters of `fig` of class `kind`: FixedFormatter holds category names
    (set_xticklabels), FuncFormatter computes each label (set_xticks(ticks, labels))."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for formatter in (axis.get_major_formatter(), axis.get_minor_formatter()):
                if isinstance(formatter, kind):
                    yield formatter


def _translating(func, table):
    """A tick-label function that gives `func`'s labels in the language of `table`."""
    def label(x, pos=None):
        text = func(x, pos)
        return translate(text, table) or text
    return label


@contextmanager
def translated(fig, table):
    """Within the block, every text of `fig` found in `table` reads as its translation."""
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    changed = [(t, t.get_text(), translate(t.get_text(), table)) for t in texts(fig)]
    changed = [entry for entry in changed if entry[2] is not None]
    fixed = [(f, list(f.seq)) for f in _tick_formatters(fig, FixedFormatter)]
    functions = [(f, f.func) for f in _tick_formatters(fig, FuncFormatter)]
    families = [(artist, artist.get_fontfamily()) for artist, _, translation in changed
                if "$" in translation and HANGUL.search(translation)]
    try:
        for artist, _, translation in changed:
            artist.set_text(translation)
        # matplotlib draws a text with $math$ in it all as mathtext, whose plain parts use
        # only the first font family: DejaVu Sans, which has no Hangul. Such a text is drawn
        # with the Hangul font first (its math still comes from mathtext's own fonts).
        for artist, family in families:
            artist.set_fontfamily(["NanumGothic", *family])
        for formatter, seq in fixed:
            formatter.seq = [translate(s, table) or s for s in seq]
        for formatter, func in functions:
            formatter.func = _translating(func, table)
        yield fig
    finally:
        for artist, text, _ in changed:
            artist.set_text(text)
        for artist, family in families:
            artist.set_fontfamily(family)
        for formatter, seq in fixed:
            formatter.seq = seq
        for formatter, func in functions:
            formatter.func = func


def words_of(fig):
    """The figure's texts that need a translation, in drawing order, each once."""
    from matplotlib.ticker import FixedFormatter

    found = [t.get_text() for t in texts(fig)]
    found += [s for f in _tick_formatters(fig, FixedFormatter) for s in f.seq]
    return list(dict.fromkeys(s for s in found if has_words(s)))


def figure_png(fig):
    """PNG bytes of `fig` exactly as the Jupyter inline backend renders it."""
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png", bbox_inches="tight")


def png_with_editions(fig):
    """IPython image/png formatter: the English PNG, with each edition's twin in metadata.

    Only the editions of twin_languages() are drawn; with none, the PNG alone. The metadata
    also lists the figure's texts that need a translation, so that a test can
    tell a text missing from the catalog from one that needs none.
    """
    english = figure_png(fig)
    languages = twin_languages()
    if not languages:
        return english
    editions = {}
    for language in languages:
        with translated(fig, catalog(language)):
            editions[language] = base64.b64encode(figure_png(fig)).decode("ascii")
    return english, {METADATA_KEY: {**editions, "texts": words_of(fig)}}


def install():
    """Show every matplotlib figure of the running IPython kernel through png_with_editions."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # matplotlib loads its backend at the first figure, and the inline backend then sets its
    # own PNG formatter: load it now (no figure is open yet), so that ours comes after.
    plt.switch_backend(plt.get_backend())
    formatter = shell.display_formatter.formatters["image/png"]

    def use_editions(*args):
        formatter.for_type(Figure, png_with_editions)

    # The inline backend may also configure itself after the cell that loaded it (a
    # post_run_cell hook): set ours again before every cell.
    use_editions()
    if use_editions.__qualname__ not in {f.__qualname__ for f in
                                          shell.events.callbacks["pre_run_cell"]}:
        shell.events.register("pre_run_cell", use_editions)
