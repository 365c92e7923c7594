"""rnnkit.explorer: the HTML a chapter shows in place of a live ipywidgets slider."""
import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnnkit import editions  # noqa: E402
from rnnkit.explorer import frame_explorer  # noqa: E402


@pytest.fixture(autouse=True)
def book_build(monkeypatch):
    """As when book/build.py runs the pages: the Korean edition's frames are drawn too."""
    monkeypatch.setenv(editions.TWINS_VARIABLE, "ko")


def draw(scale=1.0, kind="line"):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, scale] if kind == "line" else [scale, 0])
    print(f"scale {scale}, {kind}")
    plt.show()


def test_one_frame_per_combination_and_nothing_from_outside():
    page = frame_explorer(draw, {"scale": [0.5, 1.0, 2.0], "kind": ["line", "flipped"]},
                          initial={"scale": 1.0, "kind": "flipped"})._repr_html_()[0]
    frames = json.loads(re.search(r'data-edition="en">(\[.*?\])</script>', page).group(1))
    texts = json.loads(re.search(r"texts = (\[.*?\])", page).group(1))
    assert len(frames) == 6 and len(set(frames)) == 6, "every combination draws its own frame"
    assert texts[3] == "scale 1.0, flipped"        # row-major: scale index 1, kind index 1
    assert 'type="range"' in page and "<select" in page and 'value="1" selected' in page
    assert 'data-frame="3"' in page                # the initial choice is shown first
    korean = json.loads(re.search(r'data-edition="ko">(\[.*?\])</script>', page).group(1))
    assert len(korean) == 6, "each edition has its own frames (rnnkit.editions)"
    assert not re.search(r"(src|href)=\"https?:", page), "the explorer loads nothing"
    assert not plt.get_fignums(), "the frames' figures are closed"


def test_outside_the_book_build_the_frames_are_english_only(monkeypatch):
    monkeypatch.delenv(editions.TWINS_VARIABLE)
    page = frame_explorer(draw, {"scale": [1.0, 2.0]}, labels={"scale": "scale"})._repr_html_()[0]
    assert re.findall(r'data-edition="(\w+)"', page) == ["en"] * 3, "label, image, frames"
    assert len(json.loads(re.search(r'data-edition="en">(\[.*?\])</script>', page).group(1))) == 2


def test_labels_read_in_each_edition_from_the_figure_catalog(monkeypatch):
    monkeypatch.setattr(editions, "catalog", lambda language: {"scale, {0} steps": "배율, {0} 스텝"})
    page = frame_explorer(draw, {"scale": [1.0, 2.0]}, labels={"scale": "scale, 3 steps"},
                          alt="scale, 3 steps")._repr_html_()[0]
    assert '<span data-edition="en">scale, 3 steps</span>' in page
    assert '<span data-edition="ko">배율, 3 스텝</span>' in page, "numbers come back in place"
    assert 'data-edition="ko" alt="배율, 3 스텝"' in page
