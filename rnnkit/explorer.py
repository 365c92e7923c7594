"""Slider explorers that work in the HTML book, with no kernel and no network.

A live ``ipywidgets.interact`` needs a running kernel, so in the built book it shows nothing.
``frame_explorer`` calls the same drawing function once for every combination of a few control
values while the book is built, keeps each figure as a PNG (and whatever the function
printed), and returns one self-contained piece of HTML: the controls (a range input for a list
of numbers, a menu for a list of names), the frame for the current choice, and a few lines of
inline JavaScript that show another frame when a control moves. Nothing is loaded from
anywhere: every frame is a ``data:`` URL inside the page.

    frame_explorer(draw_decay, {"gamma_w_target": [0.5, 1.0, 1.5], "activation": ["tanh", "relu"]},
                   labels={"gamma_w_target": "γ_w"})

``draw`` is the function the notebook's ``interact`` drives: it draws one matplotlib figure
and may call ``plt.show()`` and ``print``; both are captured here instead of displayed.
"""
import base64
import html
import io
import itertools
import json
import uuid
from contextlib import redirect_stdout
from unittest import mock

from rnnkit import editions

# The controls and the frame, laid out by the page's own styles; the classes are what the
# browser test looks for.
_STYLE = """<style>
.rnnkit-explorer {margin: 1em 0; padding: .5em; border: 1px solid #ccc; border-radius: 4px}
.rnnkit-explorer .explorer-controls {display: flex; flex-wrap: wrap; gap: .4em 1.5em;
  align-items: center; font-size: .9em}
.rnnkit-explorer label {display: flex; align-items: center; gap: .4em; margin: 0}
.rnnkit-explorer output {min-width: 3.5em; font-family: monospace}
.rnnkit-explorer img {max-width: 100%; height: auto; display: block; margin-top: .4em}
.rnnkit-explorer pre.explorer-text {white-space: pre-wrap; margin: .4em 0 0}
</style>"""

# Picks the frames of the page's edition (each edition of the book keeps only its own, see
# rnnkit.editions; a notebook has both and shows English), then reads every control's index,
# picks the frame of that combination (row-major over the controls, as ``itertools.product``
# made them) and shows it.
_SCRIPT = """<script>
(function () {
  var root = document.getElementById(%(id)s);
  var texts = %(texts)s, sizes = %(sizes)s, values = %(values)s;
  var lang = (document.documentElement.lang || "en").slice(0, 2);
  function part(selector) {
    return root.querySelector(selector + '[data-edition="' + lang + '"]')
        || root.querySelector(selector + "[data-edition]");
  }
  var frames = JSON.parse(part("script.explorer-frames").textContent);
  var img = part("img");
  root.querySelectorAll("img[data-edition], span[data-edition]").forEach(function (other) {
    if (other.dataset.edition !== img.dataset.edition) other.style.display = "none";
  });
  var controls = root.querySelectorAll("[data-control]");
  var pre = root.querySelector("pre.explorer-text");
  function show() {
    var index = 0;
    controls.forEach(function (control, k) {
      var i = Number(control.value);
      index = index * sizes[k] + i;
      var out = root.querySelector('output[data-for="' + k + '"]');
      if (out) out.textContent = values[k][i];
    });
    img.src = "data:image/png;base64," + frames[index];
    img.dataset.frame = index;
    if (pre) pre.textContent = texts[index];
  }
  controls.forEach(function (control) {
    control.addEventListener("input", show);
    control.addEventListener("change", show);
  });
  show();
})();
</script>"""


class Explorer:
    """The HTML of a frame explorer; Jupyter and MyST-NB display it through ``_repr_html_``."""

    def __init__(self, markup, texts=()):
        self.markup = markup
        self.texts = list(texts)

    def _repr_html_(self):
        """The markup, and the texts it shows that need a translation (rnnkit.editions)."""
        return self.markup, {editions.METADATA_KEY: {"texts": self.texts}}


def _label(value, fmt):
    return value if isinstance(value, str) else format(value, fmt)


def render_frame(draw, kwargs, dpi=90, colors=64):
    """Calls ``draw(**kwargs)``; returns ({edition: PNG bytes of its figure}, what it printed,
    the figure's texts that need a translation).

    The English frame is the figure as drawn; each edition of
    ``rnnkit.editions.twin_languages()`` (those the book build asks for) gets one with its
    texts translated. A PNG is reduced to a palette of ``colors`` colours, which a plot of a
    few lines loses nothing to and which makes it about four times smaller: a page carries
    every frame.
    """
    import matplotlib.pyplot as plt

    printed = io.StringIO()
    plt.close("all")
    with redirect_stdout(printed), mock.patch.object(plt, "show", lambda *a, **k: None):
        draw(**kwargs)
    fig = plt.gcf()
    pngs = {"en": _small_png(fig, dpi, colors)}
    for language in editions.twin_languages():
        with editions.translated(fig, editions.catalog(language)):
            pngs[language] = _small_png(fig, dpi, colors)
    texts = editions.words_of(fig)
    plt.close("all")
    return pngs, printed.getvalue().rstrip("\n"), texts


def _small_png(fig, dpi, colors):
    from PIL import Image

    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=dpi)
    small = io.BytesIO()
    Image.open(png).convert("RGB").quantize(colors).save(small, format="png", optimize=True)
    return small.getvalue()


def _translate(text, language):
    """`text` as the edition's figure catalog translates it (numbers as {0}…), else as is."""
    return editions.translate(text, editions.catalog(language)) or text


def _in_each_edition(text):
    """HTML showing `text` in the reader's edition: one span per edition."""
    spans = [f'<span data-edition="en">{html.escape(text)}</span>']
    spans += [f'<span data-edition="{language}">'
              f'{html.escape(_translate(text, language))}</span>'
              for language in editions.twin_languages()]
    return "".join(spans)


def frame_explorer(draw, controls, initial=None, labels=None, formats=None, dpi=90,
                   alt="figure"):
    """Precompute ``draw`` on the grid of ``controls`` and return an ``Explorer`` to display.

    controls : {argument name: list of values}, in the order the controls appear. A list of
        numbers becomes a slider over those values, a list of strings a menu. Each frame takes
        about half a second to draw and the book allows a cell 120 s: keep the grid under
        about 100 combinations.
    initial  : {argument name: value} shown first (default: the first value of each list);
        the nearest value of the list is used.
    labels   : {argument name: text before the control} (default: the name).
    formats  : {argument name: format spec for the value shown beside a slider} (".2g").
    """
    names = list(controls)
    grids = [list(controls[name]) for name in names]
    initial, labels, formats = initial or {}, labels or {}, formats or {}
    frames = {language: [] for language in ("en", *editions.twin_languages())}
    texts, words = [], [alt, *(labels.get(name, name) for name in names)]
    for combination in itertools.product(*grids):
        pngs, printed, shown_words = render_frame(draw, dict(zip(names, combination)), dpi=dpi)
        for language, png in pngs.items():
            frames[language].append(base64.b64encode(png).decode("ascii"))
        texts.append(printed)
        words += shown_words

    uid = f"explorer-{uuid.uuid4().hex[:12]}"
    parts = [_STYLE, f'<div class="rnnkit-explorer" id="{uid}">',
             '<div class="explorer-controls">']
    shown = []
    for k, (name, grid) in enumerate(zip(names, grids)):
        text = _in_each_edition(labels.get(name, name))
        values = [_label(v, formats.get(name, ".2g")) for v in grid]
        shown.append(values)
        start = _nearest(grid, initial.get(name, grid[0]))
        if all(isinstance(v, str) for v in grid):
            # An <option> holds text only: the menu's entries stay in English (names such as
            # tanh and relu, the same in both editions).
            options = "".join(f'<option value="{i}"{" selected" if i == start else ""}>'
                              f"{html.escape(v)}</option>" for i, v in enumerate(grid))
            parts.append(f'<label>{text} <select data-control="{html.escape(name)}">'
                         f"{options}</select></label>")
        else:
            parts.append(f'<label>{text} <input type="range" data-control="{html.escape(name)}"'
                         f' min="0" max="{len(grid) - 1}" step="1" value="{start}">'
                         f'<output data-for="{k}">{html.escape(values[start])}</output></label>')
    first = sum(_nearest(grid, initial.get(name, grid[0])) * _stride(grids, k)
                for k, (name, grid) in enumerate(zip(names, grids)))
    parts.append("</div>")
    for language, pngs in frames.items():
        said = alt if language == "en" else _translate(alt, language)
        parts.append(f'<img data-edition="{language}" alt="{html.escape(said)}" '
                     f'data-frame="{first}" src="data:image/png;base64,{pngs[first]}">')
    if any(texts):
        parts.append(f'<pre class="explorer-text">{html.escape(texts[first])}</pre>')
    for language, pngs in frames.items():
        parts.append(f'<script type="application/json" class="explorer-frames" '
                     f'data-edition="{language}">{json.dumps(pngs)}</script>')
    parts.append("</div>")
    parts.append(_SCRIPT % dict(id=json.dumps(uid), texts=json.dumps(texts),
                                sizes=json.dumps([len(g) for g in grids]),
                                values=json.dumps(shown)))
    words = [w for w in dict.fromkeys(words) if editions.has_words(w)]
    return Explorer("\n".join(parts), words)


def _nearest(grid, value):
    if isinstance(value, str):
        return grid.index(value)
    return min(range(len(grid)), key=lambda i: abs(grid[i] - value))


def _stride(grids, k):
    stride = 1
    for grid in grids[k + 1:]:
        stride *= len(grid)
    return stride
