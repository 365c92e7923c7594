"""Plotting helpers shared by the book's pages (matplotlib is imported only here).

Figure code that more than one page needs lives in this module; a figure that only one page
draws stays on that page, next to the prose that explains it.
"""
from functools import cache


def use_book_style():
    """Set the figure style every page of the book uses, with a font that has Hangul glyphs.

    matplotlib's default font has no Korean glyphs and warns for each missing one, so the
    pages fall back to NanumGothic, which the koreanize-matplotlib package ships. DejaVu Sans
    stays first: NanumGothic lacks the minus sign (U+2212) and the superscripts that log-axis
    tick labels such as 10⁻³ are drawn with, and mathtext only ever uses the first family.
    (So write Hangul in plain text, never inside $…$.)

    In a Jupyter kernel it also shows every figure with its Korean twin (rnnkit.editions).
    """
    import matplotlib.pyplot as plt

    from rnnkit import editions

    _add_nanum_fonts()
    editions.install()
    plt.rcParams.update({
        "font.family": ["DejaVu Sans", "NanumGothic"],
        "figure.figsize": (6.4, 3.6),
        "figure.dpi": 110,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": False,
    })


@cache     # once per process: matplotlib keeps every font added, duplicates included
def _add_nanum_fonts():
    """Register the NanumGothic files in koreanize-matplotlib's package folder with matplotlib.

    Found without importing the package: its import uses distutils, which Python 3.12 removed.
    """
    from importlib.util import find_spec
    from pathlib import Path

    from matplotlib import font_manager

    spec = find_spec("koreanize_matplotlib")
    if spec is None:
        raise ImportError("the book's figures need koreanize-matplotlib (for its Hangul font): "
                          "pip install koreanize-matplotlib")
    for font in sorted(Path(spec.submodule_search_locations[0], "fonts").glob("*.ttf")):
        font_manager.fontManager.addfont(str(font))
