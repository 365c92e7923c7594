"""Plotting helpers shared by the book's pages (matplotlib is imported only here).

Figure code that more than one page needs lives in this module; a figure that only one page
draws stays on that page, next to the prose that explains it.
"""


def use_book_style():
    """Set the figure style every page of the book uses, with a font that has Hangul glyphs.

    matplotlib's default font has no Korean glyphs and warns for each missing one, so the
    pages switch to NanumGothic, which the koreanize-matplotlib package ships.
    """
    import koreanize_matplotlib  # noqa: F401  (importing it registers and selects NanumGothic)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "figure.figsize": (6.4, 3.6),
        "figure.dpi": 110,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": False,
    })
