"""Build the book in both editions from the same sources.

    python book/build.py                 # English at _build/html, Korean at _build/html/ko
    python book/build.py --catalogs      # refresh locale/ko/LC_MESSAGES/*.po from the English

Jupyter Book 1's command line builds one language into one `_build/html`; the two editions
need separate doctree folders and a shared execution cache, so this drives the same
`jupyter_book.sphinx.build_sphinx` the command line calls. Each chapter is executed once (the
English build fills `_build/.jupyter_cache`, the Korean build reads it), so code, outputs and
glued numbers are identical in both editions; figures carry their Korean twin (rnnkit.plot).

The Korean edition is built in `_build/ko/html` and copied to `_build/html/ko`: myst-nb writes
its executed notebooks beside the output folder, which must not be inside the English site.
"""
import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from jupyter_book.sphinx import build_sphinx

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
LANGUAGES = ("ko",)


def sphinx(builder, outdir, doctrees, **overrides):
    """Run one Sphinx build of the book; exits the program when it fails."""
    config = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "nitpicky": True,
        "latex_individualpages": False,
        # One cache for every build: the chapters run once, whatever the language.
        "nb_execution_cache_path": str(BUILD / ".jupyter_cache"),
        **overrides,
    }
    result = build_sphinx(ROOT, outdir, noconfig=True, path_config=str(ROOT / "_config.yml"),
                          confoverrides=config, doctreedir=doctrees, builder=builder,
                          warningiserror=True, keep_going=True)
    if result:
        sys.exit(f"the {builder} build into {outdir} failed")


def build_catalogs():
    """Extract the English messages and merge them into each language's catalogs."""
    pot = BUILD / "gettext"
    sphinx("gettext", pot, BUILD / ".doctrees-gettext")
    for language in LANGUAGES:
        subprocess.run([Path(sys.executable).parent / "sphinx-intl", "update", "-p", str(pot),
                        "-d", str(ROOT / "locale"), "-l", language, "-w", "0"], check=True)


def build_html():
    sphinx("html", BUILD / "html", BUILD / ".doctrees")
    for language in LANGUAGES:
        edition = BUILD / language
        sphinx("html", edition / "html", edition / ".doctrees", language=language)
        target = BUILD / "html" / language
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(edition / "html", target)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogs", action="store_true",
                        help="update the translation catalogs instead of building HTML")
    build_catalogs() if parser.parse_args().catalogs else build_html()
