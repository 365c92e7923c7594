"""The built book as its readers get it: every page opened in Chromium with the network cut off.

Each page of the book that tests/conftest.py builds once per session is loaded from disk
(file: URLs) by Debian's Chromium, driven by Playwright, and every request for anything not on
disk is aborted and recorded. On every page:

- nothing outside the book was asked for (MathJax, fonts, styles and scripts are all local),
  every file the page asked for exists, and the console shows no error;
- every formula is typeset by MathJax (no TeX source left in the text, no MathJax error);
- every image has loaded;
- every link into the book leads to an existing file, and to an existing anchor there;
- Hangul is drawn with a font that has Hangul glyphs (fontconfig says which fonts do), not
  as boxes;
- the page's .ipynb download opens as a valid notebook.

And the search page finds a word of the book (in Korean, whatever particle the reader types
after it). All of this for both editions, English and Korean
(ko/). The pages are visited once, in one browser, and
the tests read what the visit found.

Without /usr/bin/chromium these tests are skipped (on CI, where .ci/run installs it, they fail):
`apt-get install chromium fonts-noto-cjk`. Playwright's own `playwright install` is not needed.
"""
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from conftest import toc_pages

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
GET_CHROMIUM = "apt-get install chromium fonts-noto-cjk"

NO_CHROMIUM = (f"no Chromium at {CHROMIUM}: the browser tests need Debian's Chromium and a CJK "
               f"font, `{GET_CHROMIUM}` (as root)")
if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(NO_CHROMIUM, allow_module_level=True)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is missing: `pip install -r requirements.txt`")

pytestmark = pytest.mark.slow

# Console messages that are not errors of the book: the theme's complaint on a first visit,
# before it has stored a light/dark choice.
CONSOLE_NOISE = ("Got invalid theme mode",)
# TeX that MathJax should have replaced: delimiters and control words (\frac, \alpha, ...), or
# $...$ with TeX inside that MyST did not take for math.
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\[A-Za-z]{2,}|\$[^$\s][^$\n]*[\\^_{}][^$\n]*\$")
HANGUL = re.compile(r"[\uac00-\ud7a3]+")
# The two editions of the book (book/build.py): English at the top, Korean in ko/.
EDITIONS = ("", "ko/")
# A word of chapter 3 that each edition's search page must find, and the page it must find it
# on. 폭발로 ("through explosion") is in no page as typed: the Korean search takes its
# particle off (book/_ext/korean_search.py) and finds 폭발 in every form.
SEARCH = [("", "vanishing", "book/ch03_vanishing.html"),
          ("ko/", "소실", "ko/book/ch03_vanishing.html"),
          ("ko/", "폭발로", "ko/book/ch03_vanishing.html")]
# Words a reader may type into the Korean search page, stemmed there as the index stems them.
TYPED = ["기울기가", "은닉상태에서는", "계산합니다", "속도", "속도가", "정의", "RNN의",
         "Gradients", "vanishing"]
# At most this many distinct runs of Hangul are probed for their font on a page: a Korean page
# has thousands, and any font that has Hangul has all of its syllables.
HANGUL_PROBES_PER_PAGE = 150

BOOK_PAGES = [f"{edition}{page}.html" for edition in EDITIONS for page in toc_pages()]
# Pages Sphinx makes itself: the redirect to the first page, the index and the search page.
PAGES = BOOK_PAGES + [f"{edition}{name}" for edition in EDITIONS
                      for name in ("index.html", "genindex.html", "search.html")]

# Run in the page once it has loaded: waits for MathJax, the fonts and every image, then
# reports what a reader would see.
INSPECT = r"""async ([rawTex]) => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        await MathJax.startup.promise;
    }
    await document.fonts.ready;
    const images = [...document.images];
    for (const img of images) img.loading = "eager";
    await Promise.all(images.map(img => img.decode().catch(() => null)));

    const tex = new RegExp(rawTex);
    const skip = "pre, code, script, style, textarea, noscript, template, mjx-container";
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!node.parentElement || node.parentElement.closest(skip)) continue;
        if (tex.test(node.data)) texts.push(node.data.trim().slice(0, 200));
    }
    const untypeset = [...document.querySelectorAll("span.math, div.math")]
        .filter(m => !m.querySelector("mjx-container"))
        .map(m => m.textContent.trim().slice(0, 200));
    const errors = [...document.querySelectorAll("mjx-merror")].map(e =>
        (e.getAttribute("data-mjx-error") || e.textContent).slice(0, 200));
    return {
        raw_tex: texts,
        untypeset: untypeset,
        math_errors: errors,
        typeset: document.querySelectorAll("mjx-container").length,
        broken_images: images.filter(img => !(img.complete && img.naturalWidth > 0))
            .map(img => img.getAttribute("src")),
        images: images.length,
        links: [...document.querySelectorAll("a[href]")].map(a => a.href),
        ids: [...document.querySelectorAll("[id]")].map(e => e.id)
            .concat([...document.querySelectorAll("a[name]")].map(a => a.name)),
    };
}"""

# Puts each distinct run of Hangul of the page (prose and code alike) into a span of its own,
# beside the text it comes from so that it has the same font settings; returns the runs.
HANGUL_PROBES = r"""([hangul, most]) => {
    const pattern = new RegExp(hangul, "g");
    const seen = new Map();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const parent = node.parentElement;
        if (!parent || parent.closest("script, style, noscript, template, title")) continue;
        if (!parent.checkVisibility()) continue;
        const where = parent.closest("pre, code") ? "code" : "text";
        for (const run of node.data.match(pattern) || []) {
            if (!seen.has(where + run) && seen.size < most) seen.set(where + run, [parent, run, where]);
        }
    }
    const probes = [];
    for (const [parent, run, where] of seen.values()) {
        const span = document.createElement("span");
        span.className = "hangul-probe";
        span.dataset.probe = probes.length;
        span.textContent = run;
        parent.appendChild(span);
        probes.push([run, where]);
    }
    return probes;
}"""


@dataclass(repr=False)  # a failing test prints its own findings, not the whole visit
class Visit:
    """What one page showed: the INSPECT report and what happened while it loaded."""
    report: dict = field(default_factory=dict)
    blocked: list = field(default_factory=list)  # requests that would have left the machine
    failed: list = field(default_factory=list)  # local files asked for that could not be read
    console: list = field(default_factory=list)  # console errors and uncaught exceptions
    hangul: list = field(default_factory=list)  # (run, prose or code, fonts that drew it)
    notebook: str | None = None  # the text the .ipynb download opened with


def hangul_families(text):
    """The font families fontconfig has that hold every Hangul syllable of ``text``."""
    if not shutil.which("fc-list"):
        pytest.fail("fc-list is missing: `apt-get install fontconfig`", pytrace=False)
    charset = " ".join(f"{ord(c):x}" for c in sorted(set(text)))
    listed = subprocess.run(["fc-list", f":charset={charset}", "family"],
                            capture_output=True, text=True, check=True).stdout
    return {name.strip() for line in listed.splitlines() for name in line.split(",")}


def platform_fonts(cdp, selector):
    """The fonts Chromium drew the element matching ``selector`` with, and how many glyphs
    each drew (DevTools protocol, CSS.getPlatformFontsForNode)."""
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


def open_notebook_download(page):
    """Opens the page's download menu and its .ipynb entry, as a reader would; returns the
    text the browser opened, or None when the page offers no notebook."""
    menu = page.locator(".dropdown-download-buttons")
    item = menu.locator("a.btn-download-notebook-button")
    if not item.count():
        return None
    menu.locator("button.dropdown-toggle").click()
    with page.expect_popup() as popup:
        item.click()
    opened = popup.value
    opened.wait_for_load_state()
    text = opened.evaluate("() => (document.querySelector('pre') || document.body).textContent")
    opened.close()
    return text


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():  # on CI, whose .ci/run installs it
        pytest.fail(f"{NO_CHROMIUM}; .ci/run should have installed them", pytrace=False)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def offline(browser):
    """A browser context in which every request that is not for a file: URL is aborted;
    ``context.blocked`` lists them."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.blocked = []

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            context.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    yield context
    context.close()


@pytest.fixture(scope="module")
def visits(book, offline):
    """Every page of the built book, visited once offline: {page: Visit}."""
    html = book / "html"
    found = {}
    for name in PAGES:
        visit = found[name] = Visit()
        page = offline.new_page()
        page.on("console", lambda m, v=visit: m.type == "error" and v.console.append(m.text))
        page.on("pageerror", lambda e, v=visit: v.console.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r, v=visit: r.url.startswith("file:") and v.failed.append(
            f"{r.url} ({r.failure})"))
        del offline.blocked[:]
        page.goto((html / name).as_uri(), wait_until="load")
        if Path(name).name == "index.html":  # a redirect to the edition's first page
            page.wait_for_url(re.compile(r".*/book/intro\.html"))
        visit.report = page.evaluate(INSPECT, [RAW_TEX.pattern])
        probes = page.evaluate(HANGUL_PROBES, [HANGUL.pattern, HANGUL_PROBES_PER_PAGE])
        if probes:
            cdp = offline.new_cdp_session(page)
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            visit.hangul = [(run, where, platform_fonts(cdp, f'span[data-probe="{i}"]'))
                            for i, (run, where) in enumerate(probes)]
            cdp.detach()
        visit.notebook = open_notebook_download(page)
        visit.blocked = list(offline.blocked)
        page.close()
    return found


def test_every_built_page_is_visited(book):
    built = sorted(str(p.relative_to(book / "html")) for p in (book / "html").rglob("*.html")
                   if "_static" not in p.parts)
    assert sorted(PAGES) == built, "tests/test_browser.py PAGES differs from the built pages"


@pytest.mark.parametrize("page", PAGES)
def test_page_needs_no_network_and_logs_no_error(visits, page):
    blocked, failed, console = visits[page].blocked, visits[page].failed, visits[page].console
    hosts = sorted({urlsplit(url).netloc or url for url in blocked})
    assert not blocked, f"{page} asks for resources from {hosts}: {blocked[:10]}"
    assert not failed, f"{page} asks for files that are not in the book: {failed}"
    errors = [m for m in console if not any(n in m for n in CONSOLE_NOISE)]
    assert not errors, f"{page} logs errors: {errors}"


@pytest.mark.parametrize("page", PAGES)
def test_math_is_typeset(visits, page):
    report = visits[page].report
    problems = {"MathJax errors": report["math_errors"],
                "formulas MathJax left alone": report["untypeset"],
                "TeX source in the text": report["raw_tex"]}
    assert not any(problems.values()), f"{page}: {({k: v for k, v in problems.items() if v})}"


def test_a_chapter_typesets_its_formulas_offline(visits):
    typeset = visits["book/ch03_vanishing.html"].report["typeset"]
    assert typeset > 100, f"chapter 3 shows only {typeset} typeset formulas"


@pytest.mark.parametrize("page", PAGES)
def test_images_load(visits, page):
    report = visits[page].report
    assert not report["broken_images"], f"{page}: images that do not load {report['broken_images']}"


@pytest.mark.parametrize("page", PAGES)
def test_local_links_lead_somewhere(book, visits, page):
    html = (book / "html").resolve()
    ids = {name: set(v.report["ids"]) for name, v in visits.items()}
    broken = []
    for href in visits[page].report["links"]:
        url = urlsplit(href)
        if url.scheme != "file":
            continue
        target = Path(unquote(url.path)).resolve()
        if not target.is_relative_to(html):
            broken.append(f"{href} (outside the book)")
        elif not target.is_file():
            broken.append(f"{href} (no such file)")
        elif url.fragment and target.suffix == ".html":
            name = str(target.relative_to(html))
            anchor = unquote(url.fragment)
            if name not in ids:
                pytest.fail(f"{page} links {name}, which is not among PAGES")
            if anchor not in ids[name]:
                broken.append(f"{href} (no anchor #{anchor} in {name})")
    assert not broken, f"{page}: links that lead nowhere: {broken}"


def test_some_pages_have_hangul(visits):
    pages = [page for page, visit in visits.items() if visit.hangul]
    assert "book/glossary.html" in pages, f"the glossary shows no Hangul (pages with: {pages})"
    korean = [page for page in BOOK_PAGES if page.startswith("ko/")]
    assert set(korean) <= set(pages), f"Korean pages without Hangul: {set(korean) - set(pages)}"


@pytest.mark.parametrize("page", PAGES)
def test_hangul_is_drawn_with_a_font_that_has_it(visits, page):
    tofu = []
    for run, where, fonts in visits[page].hangul:
        able = hangul_families(run)
        wrong = [f["familyName"] for f in fonts if f["familyName"] not in able]
        drawn = sum(f["glyphCount"] for f in fonts)
        if wrong or drawn != len(run):
            tofu.append(f"{run!r} in {where}: drawn with {fonts}, fonts with these syllables: "
                        f"{sorted(able) or 'none'}")
    assert not tofu, f"{page}: Hangul drawn without a Hangul font (`{GET_CHROMIUM}`): {tofu}"


@pytest.mark.parametrize("page", BOOK_PAGES)
def test_notebook_download_opens_as_a_notebook(visits, page):
    text = visits[page].notebook
    assert text is not None, f"{page} offers no .ipynb in its download menu"
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    assert notebook.cells, f"{page}: the downloaded notebook has no cells"


@pytest.mark.parametrize("edition, word, expected", SEARCH)
def test_search_finds_a_word_of_the_book(book, offline, edition, word, expected):
    page = offline.new_page()
    try:
        page.goto(f"{(book / 'html' / edition / 'search.html').as_uri()}?q={word}")
        # Sphinx's search writes its summary (in the edition's language) once it has finished.
        page.wait_for_function(
            "() => document.querySelector('#search-results .search-summary')"
            "?.textContent.trim()", timeout=20_000)
        hits = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.href)")
    finally:
        page.close()
    found = {str(Path(unquote(urlsplit(h).path)).relative_to((book / "html").resolve()))
             for h in hits if h.startswith("file:")}
    assert expected in found, f"searching for {word!r} finds {sorted(found)}, not {expected}"


def test_korean_search_page_stems_a_typed_word_as_the_index_does(book, offline):
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from korean_search import SearchKorean, strip_ending

    page = offline.new_page()
    try:
        page.goto((book / "html" / "ko" / "search.html").as_uri())
        page.wait_for_function("() => typeof Stemmer === 'function'", timeout=20_000)
        typed = page.evaluate(
            "words => words.map(w => new Stemmer().stemWord(w.toLowerCase()))", TYPED)
    finally:
        page.close()
    index = SearchKorean({})
    assert typed == [index.stem(strip_ending(w.lower())) for w in TYPED]


# The slider explorers (rnnkit.explorer) of the HTML book: each answers its controls offline.
EXPLORER_PAGES = {f"{edition}book/{page}.html": 1 for edition in EDITIONS
                  for page in ("ch03_vanishing", "ch06_lstm", "ch08_applications")}

# Moves each control of every explorer on the page, one at a time from the page's initial
# choice, to its other end, as a reader would; reports what was shown before and after (the
# frame and the text under it), then moves the control back.
MOVE_CONTROLS = r"""() => [...document.querySelectorAll(".rnnkit-explorer")].map(root => {
    const img = root.querySelector("img"), pre = root.querySelector("pre.explorer-text");
    const shown = () => [img.dataset.frame, img.src, pre ? pre.textContent : ""];
    const move = (control, value) => {
        control.value = String(value);
        control.dispatchEvent(new Event("input", {bubbles: true}));
    };
    return [...root.querySelectorAll("[data-control]")].map(control => {
        const start = Number(control.value), before = shown();
        const last = control.tagName === "SELECT" ? control.options.length - 1
                                                  : Number(control.max);
        move(control, start === last ? 0 : last);
        const after = shown();
        move(control, start);
        return {control: control.dataset.control, frames: [before[0], after[0]],
                changed: before[1] !== after[1] || before[2] !== after[2],
                restored: shown()[1] === before[1]};
    });
})"""


@pytest.mark.parametrize("page", sorted(EXPLORER_PAGES))
def test_explorers_respond_to_their_controls_offline(book, offline, page):
    tab = offline.new_page()
    errors = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    try:
        tab.goto((book / "html" / page).as_uri(), wait_until="load")
        moves = tab.evaluate(MOVE_CONTROLS)
    finally:
        tab.close()
    assert not errors, f"{page}: the explorer's script fails: {errors}"
    assert len(moves) == EXPLORER_PAGES[page], f"{page} shows {len(moves)} explorers"
    for controls in moves:
        assert controls, f"{page}: an explorer without controls"
        for move in controls:
            assert move["changed"] and move["restored"], (
                f"{page}: moving {move['control']} does not change what is shown: {move}")
