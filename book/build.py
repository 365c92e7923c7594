"""Build the book in both editions from the same sources.

    python book/build.py                 # English at _build/html, Korean at _build/html/ko
    python book/build.py --catalogs      # merge new English text into locale/ko/LC_MESSAGES
    python book/build.py --templates     # only extract the English text to _build/gettext/templates

Jupyter Book 1's command line builds one language into one `_build/html`; the two editions
need separate doctree folders and a shared execution cache, so this drives the same
`jupyter_book.sphinx.build_sphinx` the command line calls, with the same `_config.yml` and
`_toc.yml`. Each chapter is executed once (the English build fills `_build/.jupyter_cache`,
the Korean build reads it), so code, outputs and glued numbers are identical in both editions;
figures carry their Korean twin (rnnkit.editions), drawn because this script asks the kernels
for it ($RNNKIT_EDITIONS): pages executed by `jupyter-book build` alone have none, and the
Korean build stops on them.

The Korean edition is built in `_build/ko/html` and copied to `_build/html/ko`: myst-nb writes
its executed pages beside the output folder, which must not be inside the English site.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from jupyter_book.sphinx import build_sphinx

from rnnkit.editions import LANGUAGES, METADATA_KEY, TWINS_VARIABLE, template

ROOT = Path(__file__).resolve().parents[1]
# Words of the page furniture that no catalog holds: myst-nb's toggles of hidden code cells.
FURNITURE = {"ko": {"nb_code_prompt_show": "코드 셀 펼치기", "nb_code_prompt_hide": "코드 셀 접기"}}


def edition_config(language):
    """Configuration of one edition: its language, the book's title as the catalogs translate
    it (it is the first page's heading), and FURNITURE."""
    import yaml

    title = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]
    config = {"language": language, **FURNITURE.get(language, {})}
    for catalog in sorted((ROOT / "locale" / language / "LC_MESSAGES").rglob("*.po")):
        with open(catalog, "rb") as f:
            message = read_po(f).get(title)
        if message is not None and message.string and not message.fuzzy:
            config["html_title"] = message.string
            break
    return config


def sphinx(build, builder, outdir, doctrees, **overrides):
    """Run one Sphinx build of the book with warnings as errors; exits when it fails."""
    config = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "nitpicky": True,
        "latex_individualpages": False,
        # One cache for every build: the chapters run once, whatever the language.
        "nb_execution_cache_path": str(build / ".jupyter_cache"),
        **overrides,
    }
    result = build_sphinx(ROOT, outdir, noconfig=True, path_config=str(ROOT / "_config.yml"),
                          confoverrides=config, doctreedir=doctrees, builder=builder,
                          warningiserror=True, keep_going=True)
    if result:
        sys.exit(f"the {builder} build into {outdir} failed")


def figure_texts(build):
    """{text: page} of every figure text the pages showed that needs a translation, each as
    its template: numbers replaced by {0}, {1}, … (rnnkit.editions.template). Read from the
    execution cache, which holds every page's outputs however the last build went."""
    from jupyter_cache import get_cache

    cache = get_cache(build / ".jupyter_cache")
    latest = {}
    for record in sorted(cache.list_cache_records(), key=lambda r: r.created):
        latest[record.uri] = record.pk
    if not latest:
        sys.exit(f"no executed pages in {build / '.jupyter_cache'}: build the book first")
    found = {}
    for uri, pk in sorted(latest.items()):
        page = Path(uri).relative_to(ROOT) if Path(uri).is_relative_to(ROOT) else Path(uri)
        for cell in cache.get_cache_bundle(pk).nb.cells:
            for output in cell.get("outputs", []):
                for meta in output.get("metadata", {}).values():
                    if isinstance(meta, dict):
                        for text in meta.get(METADATA_KEY, {}).get("texts", []):
                            found.setdefault(template(text)[0], page)
    return found


def build_templates(build):
    """Extract the English text: the pages' messages and the figures' texts (.pot files)."""
    # In a folder of its own: myst-nb writes its pages beside the builder's output folder.
    templates = build / "gettext" / "templates"
    sphinx(build, "gettext", templates, build / "gettext" / ".doctrees")
    figures = Catalog(project="figures")
    for text, page in figure_texts(build).items():
        figures.add(text, auto_comments=[str(page)])
    with open(templates / "figures.pot", "wb") as f:
        write_po(f, figures, width=0)
    return templates


def update_catalogs(build):
    """Merge the English text into each language's catalogs: new text comes in untranslated,
    changed text fuzzy, so that tests/test_translations.py asks for its translation."""
    templates = build_templates(build)
    for language in LANGUAGES:
        subprocess.run([Path(sys.executable).parent / "sphinx-intl", "update", "-p", templates,
                        "-d", ROOT / "locale", "-l", language, "-w", "0"], check=True)


def forget_stale_figures(build):
    """Empty the execution cache when a figure catalog changed since the pages last ran.

    The Korean twin of a figure is drawn when the page runs (rnnkit.editions), so a new
    figure translation only shows after the pages run again; the cache cannot see it.
    """
    catalogs = sorted((ROOT / "locale").glob("*/LC_MESSAGES/figures.po"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in catalogs)).hexdigest()
    stamp = build / "figure-catalogs.sha256"
    if stamp.exists() and stamp.read_text() != digest:
        shutil.rmtree(build / ".jupyter_cache", ignore_errors=True)
    build.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)


def build_html(build):
    forget_stale_figures(build)
    sphinx(build, "html", build / "html", build / ".doctrees")
    for language in LANGUAGES:
        edition = build / language
        sphinx(build, "html", edition / "html", edition / ".doctrees", **edition_config(language))
        target = build / "html" / language
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(edition / "html", target)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / "_build",
                        help="where everything built goes (default: _build)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--catalogs", action="store_true",
                      help="update the translation catalogs from the English (after a build)")
    what.add_argument("--templates", action="store_true",
                      help="only extract the English text (.pot) to BUILD_DIR/gettext/templates")
    args = parser.parse_args()
    build = args.build_dir.resolve()
    # The kernels that run the pages draw every figure for the Korean edition too.
    os.environ[TWINS_VARIABLE] = ",".join(LANGUAGES)
    if args.catalogs:
        update_catalogs(build)
    elif args.templates:
        build_templates(build)
    else:
        build_html(build)
