"""book/_ext/editions.py: the Korean build stops on outputs that lack their Korean part.

A page executed without $RNNKIT_EDITIONS (by `jupyter-book build` alone rather than
book/build.py) has figures and explorers in English only, and its execution cache would give
the Korean edition English figures: the build says so instead (its warnings are errors).
"""
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from docutils import nodes
from docutils.utils import new_document

sys.path.insert(0, str(Path(__file__).parents[1] / "book" / "_ext"))
import editions as book_editions  # noqa: E402

from rnnkit.editions import METADATA_KEY  # noqa: E402


@dataclass
class Output:
    """The fields of myst-nb's MimeData that the image renderer reads."""
    content: str
    mime_type: str = "image/png"
    output_metadata: dict = field(default_factory=dict)


def render_in(language, output):
    """Render `output` as myst-nb would in a build of `language`: (content shown, warnings)."""
    env = SimpleNamespace(config=SimpleNamespace(language=language), docname="book/ch01")
    renderer = SimpleNamespace(document=SimpleNamespace(settings=SimpleNamespace(env=env)))
    render = book_editions.images_in_the_editions_language(lambda self, data: data.content)
    return render(SimpleNamespace(renderer=renderer), output)


@pytest.fixture
def warnings_(caplog):
    caplog.set_level(logging.WARNING, logger="sphinx.editions")
    return lambda: [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_figure_with_a_twin_is_shown_as_its_twin(warnings_):
    twin = Output("english", output_metadata={"image/png": {METADATA_KEY: {"ko": "korean"}}})
    assert render_in("ko", twin) == "korean" and render_in("en", twin) == "english"
    assert not warnings_()


def test_a_figure_without_its_twin_stops_the_korean_build(warnings_):
    assert render_in("en", Output("english")) == "english" and not warnings_()
    render_in("ko", Output("english"))
    assert any("a figure without its 한국어 edition" in w and "RNNKIT_EDITIONS" in w
               and "make book" in w for w in warnings_())


def explorer_page(markup):
    document = new_document("book/ch03")
    document += nodes.raw("", markup, format="html")
    return document


def test_an_explorer_without_the_editions_part_stops_its_build(warnings_):
    app = SimpleNamespace(config=SimpleNamespace(language="ko"),
                          env=SimpleNamespace(docname="book/ch03"))
    both = '<img data-edition="en" src="a"><img data-edition="ko" src="b">'
    page = explorer_page(both)
    book_editions.use_edition_html(app, page)
    assert not warnings_() and 'data-edition="en"' not in page.astext()
    book_editions.use_edition_html(app, explorer_page('<img data-edition="en" src="a">'))
    assert any("an explorer without its 한국어 edition" in w for w in warnings_())
