"""The two editions of the book (book/build.py): the Korean one at html/ko/ mirrors the English.

Both come from one execution of each page, so whatever a page computed reads the same in both:
code, text outputs and glued numbers. What is in words differs: the prose (from the Korean
catalogs, tests/test_translations.py), the figures (their Korean twins, rnnkit.editions) and
the labels of the explorers. Each page links to itself in the other edition.
"""
import re
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import toc_pages

from rnnkit.editions import LANGUAGES

pytestmark = pytest.mark.slow
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
EDITIONS = [("en", "")] + [(language, f"{language}/") for language in LANGUAGES]


def soup_of(book, folder, page):
    path = book / "html" / folder / f"{page}.html"
    assert path.exists(), f"{path} was not built"
    return path, BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def outputs(soup):
    """The text outputs of the page's code cells and the code itself, in order."""
    return ([squash(pre.get_text()) for pre in soup.select(".cell_input pre")],
            [squash(pre.get_text()) for pre in soup.select(".cell_output pre")])


def squash(text):
    return " ".join(text.split())


def glued_numbers(soup):
    return Counter(s.get_text() for s in soup.select("span.pasted-text")
                   if not re.search(r"[^\W\d_]", s.get_text()))


@pytest.mark.parametrize("language, folder", EDITIONS[1:])
@pytest.mark.parametrize("page", toc_pages())
def test_a_page_reads_the_same_computations_in_both_editions(book, page, language, folder):
    _, english = soup_of(book, "", page)
    _, edition = soup_of(book, folder, page)
    assert edition.html["lang"] == language
    assert outputs(edition) == outputs(english), f"{page}: code or outputs differ"
    assert glued_numbers(edition) == glued_numbers(english), (
        f"{page}: the glued numbers differ between the editions")


@pytest.mark.parametrize("language, folder", EDITIONS[1:])
@pytest.mark.parametrize("page", toc_pages())
def test_the_prose_is_in_the_editions_language(book, page, language, folder):
    """Most words of the article outside code and math are in the edition's script."""
    _, edition = soup_of(book, folder, page)
    article = edition.select_one("article")
    for tag in article.select("pre, code, .math, script, .cell_output, .citation, .bibtex"):
        tag.decompose()
    text = article.get_text(" ")
    hangul = len(re.findall(r"[\uac00-\ud7a3]+", text))
    latin = len(LATIN_WORD.findall(text))
    assert hangul > 2 * latin, (
        f"{page}: {hangul} Korean words against {latin} English ones in the {language} edition")


@pytest.mark.parametrize("language, folder", EDITIONS[1:])
def test_the_page_furniture_is_in_the_editions_language(book, language, folder):
    """The book's title and the toggles of hidden code cells, outside the catalogs' pages."""
    for page in toc_pages():
        _, soup = soup_of(book, folder, page)
        assert HANGUL.search(soup.title.get_text()), f"{page}: title {soup.title.get_text()!r}"
        assert "Show code cell" not in soup.get_text(), f"{folder}{page}: English code toggles"


@pytest.mark.parametrize("page", toc_pages())
def test_each_page_links_to_itself_in_the_other_editions(book, page):
    for _, folder in EDITIONS:
        path, soup = soup_of(book, folder, page)
        for other, other_folder in EDITIONS:
            if other_folder == folder:
                continue
            links = soup.select(f"a.btn-edition-{other}, .btn-edition-{other} a, "
                                f"a[class*='edition-{other}']")
            assert links, f"{path.relative_to(book)}: no link to the {other} edition"
            target = (path.parent / links[0]["href"]).resolve()
            assert target == (book / "html" / other_folder / f"{page}.html").resolve(), (
                f"{path.relative_to(book)}: the {other} link leads to {target}")


@pytest.mark.parametrize("language, folder", EDITIONS[1:])
@pytest.mark.parametrize("page", [p for p in toc_pages() if re.match(r"book/ch\d\d_", p)])
def test_figures_are_drawn_in_the_editions_language(book, page, language, folder):
    """Same number of figures; those with words on them are the Korean twins, files that exist."""
    en_path, english = soup_of(book, "", page)
    path, edition = soup_of(book, folder, page)
    en_images = [i["src"] for i in english.select(".cell_output img") if "data-edition" not in i.attrs]
    images = [i["src"] for i in edition.select(".cell_output img") if "data-edition" not in i.attrs]
    assert len(images) == len(en_images), f"{page}: {len(images)} figures, {len(en_images)} in English"
    for src in images:
        assert (path.parent / src).exists(), f"{page}: figure {src} is missing"
    swapped = sum(Path(a).name != Path(b).name for a, b in zip(images, en_images))
    assert swapped >= len(images) // 2, (
        f"{page}: only {swapped} of {len(images)} figures differ from the English ones")


@pytest.mark.parametrize("language, folder", EDITIONS)
def test_explorers_carry_only_their_editions_frames(book, language, folder):
    for page in ("book/ch03_vanishing", "book/ch06_lstm", "book/ch08_applications"):
        _, soup = soup_of(book, folder, page)
        explorer = soup.select_one(".rnnkit-explorer")
        editions = {tag["data-edition"] for tag in explorer.select("[data-edition]")}
        assert editions == {language}, f"{folder}{page}: explorer parts for {editions}"
