"""The whole book, built by the real `jupyter-book build` with warnings as errors: every page
in _toc.yml has its executed outputs and its .ipynb download, no solution or hidden test
reaches the output, and every chapter has the sections the syllabus requires."""
import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from bs4 import BeautifulSoup
# `book`, the fixture that builds the book once per test session, is in conftest.py.
from conftest import RELEASED, toc_pages

ROOT = Path(__file__).resolve().parents[1]

# The section headings each chapter page must have, one per syllabus bullet, in syllabus
# order (see the course syllabus). Chapter writers add their chapter's entry.
SYLLABUS_HEADINGS = {
    "book/ch01_sequences": [
        "Data whose order matters",
        "Feed-forward and recurrent networks",
        "The unrolled RNN and shared weights",
        "The RNN equations",
        "Notation in other texts",
        "Why the activation must be nonlinear",
        "Architectures: one-to-many, many-to-one, many-to-many",
        "Tensor shapes with mini-batches",
        'A character-level model of "hello"',
        "Summary",
        "Exercises",
    ],
    "book/ch02_bptt": [
        "Gradient descent",
        "The chain rule through a composition",
        "A worked example, by hand",
        "Repeated multiplication and eigenvalues",
        "Backpropagation through time",
        "The BPTT formula",
        "Shared parameters: gradients are summed over time",
        "The gradient from the next step is added to the local one",
        "The computational-graph view",
        "The loss averaged over time",
        "Numerical gradient checking",
        'Training the "hello" model',
        "Summary",
        "Exercises",
    ],
    "book/ch03_vanishing": [
        "Slow: the steps cannot run in parallel",
        "The Jacobian of one step",
        "A bound on many steps",
        "Vanishing and exploding gradients, measured",
        "ReLU as the activation",
        "Long-term dependency",
        "Summary",
        "Exercises",
    ],
    "book/ch04_remedies": [
        "Truncated BPTT",
        "What truncation costs, and the bias it brings",
        "Training a long sequence in chunks",
        "Gradient clipping",
        "Clipping by norm or by value",
        "One global norm over all parameters",
        "Training with and without clipping",
        "Summary",
        "Exercises",
    ],
    "book/ch05_deep": [
        "Several layers inside one time step",
        "Bidirectional RNNs",
        "Which outputs does the task use?",
        "The last output: classification",
        "Every output: language models, translation, tagging",
        "Autoregressive models cannot be bidirectional",
        "Summary",
        "Exercises",
    ],
    "book/ch06_lstm": [
        "The cell state: a conveyor belt",
        "The forget gate",
        "The input gate and the candidate",
        "The cell update",
        "The output gate and the hidden state",
        "An example: forgetting the old subject's gender",
        "One matrix for four gates",
        "The backward pass of one step",
        "Through a whole sequence: two gradients flow back",
        "Checking the gradients",
        "Why gradients survive",
        "Summary",
        "Exercises",
    ],
    "book/ch07_gru": [
        "Two gates, a candidate and an interpolation",
        "The backward pass of one step",
        "What the GRU keeps and what it drops",
        "Parameter counts side by side",
        "Summary",
        "Exercises",
    ],
    "book/ch08_applications": [
        "A character-level language model",
        "A training loop with clipping",
        'Training on "hello"',
        "Training on 진달래꽃",
        "Sampling with a temperature",
        "The distribution at several temperatures",
        "Samples at several temperatures",
        "Many-to-one: a sequence classifier",
        "Many-to-many: forecasting a time series",
        "RNN, LSTM and GRU as the lag grows",
        "Summary",
        "Exercises",
    ],
}

# nbgrader's delimiters: any text between them is for the instructor only.
SOLUTION_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
HIDDEN_TESTS = re.compile(r"BEGIN HIDDEN TESTS[^\n]*\n(.*?)\n[^\n]*END HIDDEN TESTS", re.S)

pytestmark = pytest.mark.slow


def source_notebook(page):
    """The page's source read as a notebook; a notebook page has a kernelspec."""
    return jupytext.read(ROOT / f"{page}.md")


def is_notebook_page(page):
    return "kernelspec" in source_notebook(page).metadata


def squash(text):
    return " ".join(text.split())


def page_html(book, page):
    path = book / "html" / f"{page}.html"
    assert path.exists(), f"{page} is in _toc.yml but {path} was not built"
    return path, BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("page", toc_pages())
def test_page_is_built_with_executed_outputs_and_figures(book, page):
    path, soup = page_html(book, page)
    if not is_notebook_page(page):
        return
    images = soup.select(".cell_output img")
    assert images, f"{page}: no figure among the cell outputs"
    for img in images:
        if img["src"].startswith("data:"):  # an explorer's frame (rnnkit.explorer), inline
            continue
        assert (path.parent / img["src"]).exists(), f"{page}: figure {img['src']} is missing"
    executed = nbformat.read(book / "jupyter_execute" / f"{page}.ipynb", as_version=4)
    for cell in executed.cells:
        if cell.cell_type == "code" and "skip-execution" not in cell.metadata.get("tags", []):
            assert cell.execution_count is not None, (
                f"{page}: a code cell was not executed:\n{cell.source[:300]}")


@pytest.mark.parametrize("page", toc_pages())
def test_page_offers_itself_as_a_notebook(book, page):
    path, soup = page_html(book, page)
    target = (book / "html" / "_sources" / f"{page}.ipynb").resolve()
    links = [a["href"] for a in soup.find_all("a", href=True)
             if (path.parent / a["href"]).resolve() == target]
    assert links, f"{page}: the page has no download link to _sources/{page}.ipynb"
    assert target.exists(), f"{page}: the download link points to a missing {target}"
    offered = nbformat.read(target, as_version=4)
    nbformat.validate(offered)

    def code(nb):
        return [c.source.strip() for c in nb.cells if c.cell_type == "code"]

    assert code(offered) == code(source_notebook(page)), (
        f"{page}: the offered notebook's code cells differ from the page's source")
    if is_notebook_page(page):
        figures = [o for c in offered.cells if c.cell_type == "code"
                   for o in c.outputs if "image/png" in o.get("data", {})]
        assert figures, f"{page}: the offered notebook has no executed figures"


def test_every_assignment_has_one_chapter_page():
    assignments = sorted(a.name for a in (ROOT / "solutions").iterdir() if a.is_dir())
    pages = {a: sorted((ROOT / "book").glob(f"{a}_*.md")) for a in assignments}
    assert all(len(found) == 1 for found in pages.values()), (
        f"each solutions/chNN/ needs exactly one page book/chNN_*.md to link it: {pages}")


def test_chapters_link_their_graded_notebooks(book):
    for page, released in RELEASED.items():
        path, soup = page_html(book, page)
        targets = [(path.parent / a["href"]).resolve()
                   for a in soup.select("a.download[href]") if a["href"].endswith(".ipynb")]
        assert targets, f"{page}: no download link to its graded notebook"
        assert any(t.exists() and t.read_bytes() == released.read_bytes() for t in targets), (
            f"{page}: the graded-notebook link does not deliver {released.relative_to(ROOT)}")


def test_no_solution_or_hidden_test_reaches_the_build(book):
    hidden_blocks = []
    solution_files = sorted((ROOT / "solutions").rglob("*.ipynb"))
    for solution in solution_files:
        for cell in nbformat.read(solution, as_version=4).cells:
            hidden_blocks += [squash(b) for b in HIDDEN_TESTS.findall(cell.source) if b.strip()]
    solution_bytes = {s.read_bytes() for s in solution_files}

    for path in sorted(p for p in book.rglob("*") if p.is_file()):
        where = path.relative_to(book)
        data = path.read_bytes()
        assert data not in solution_bytes, f"{where} is a copy of a solution notebook"
        text = data.decode("utf-8", errors="ignore")
        for marker in SOLUTION_MARKERS:
            assert marker not in text, f"{where} contains nbgrader's {marker!r}"
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
        elif path.suffix == ".html":
            text = BeautifulSoup(text, "html.parser").get_text(" ")
        flat = squash(text)
        for block in hidden_blocks:
            assert block not in flat, f"{where} contains hidden test code: {block[:120]!r}"


def test_every_chapter_has_its_syllabus_sections(book):
    chapters = [p for p in toc_pages() if re.match(r"book/ch\d\d_", p)]
    missing = [p for p in chapters if p not in SYLLABUS_HEADINGS]
    assert not missing, f"add the required section headings of {missing} to SYLLABUS_HEADINGS"
    for page, required in SYLLABUS_HEADINGS.items():
        _, soup = page_html(book, page)
        for link in soup.select("a.headerlink"):
            link.decompose()
        straight = str.maketrans("“”‘’", "\"\"''")
        headings = {squash(h.get_text()).translate(straight)
                    for h in soup.find_all(["h1", "h2", "h3", "h4"])}
        absent = [h for h in required if h not in headings]
        assert not absent, f"{page} lacks the sections {absent}; it has {sorted(headings)}"


# A resource a page loads by itself (not a link the reader follows) named by a URL off disk.
OUTSIDE = re.compile(r"^(https?:)?//", re.I)
CSS_OUTSIDE = re.compile(r"""@import\s+(url\()?\s*['"]?(https?:)?//|url\(\s*['"]?(https?:)?//""", re.I)


def test_no_page_loads_anything_from_outside_the_book(book):
    """Offline readers get the whole book: scripts, styles, fonts and images are all local."""
    html = book / "html"
    outside = []
    for path in sorted(html.rglob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        resources = [t.get("src") for t in soup.find_all(["script", "img", "iframe", "source",
                                                          "audio", "video", "embed"])]
        resources += [t.get("href") for t in soup.find_all("link")
                      if not {"canonical", "alternate"} & set(t.get("rel") or [])]
        resources += [t.get("style", "") for t in soup.find_all(style=True)]
        for style in soup.find_all("style"):
            resources += [m.group(0) for m in CSS_OUTSIDE.finditer(style.get_text())]
        outside += [f"{path.relative_to(html)}: {r}" for r in resources
                    if r and (OUTSIDE.match(r) or CSS_OUTSIDE.search(r))]
    for path in sorted(html.rglob("*.css")):
        text = path.read_text(encoding="utf-8", errors="ignore")
        outside += [f"{path.relative_to(html)}: {m.group(0)}" for m in CSS_OUTSIDE.finditer(text)]
    assert not outside, f"the book loads resources from outside itself: {outside[:20]}"
