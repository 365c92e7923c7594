"""Serve MathJax from the built book itself, so that a reader without network sees typeset math.

Sphinx loads MathJax from a CDN by default; offline, a reader would see raw TeX. This
extension copies MathJax 3 into ``_static/mathjax/`` of the HTML output and points
``mathjax_path`` at that copy. MathJax comes from the pinned PyPI package
``django-static-mathjax`` (requirements.txt; it has no dependencies, Django is not needed),
which ships MathJax's own ``es5/`` build under ``mathjax/static/mathjax/es5/``.

Copied: the combined component the pages load (``tex-mml-chtml.js``) and what it loads on
demand: TeX extensions (``input/``), the CHTML fonts and the SVG renderer (``output/``), the
menu (``ui/``) and the accessibility tools with their speech rules (``a11y/``, ``sre/``).
The other combined components of the package (about 14 MB) are left out. A file is copied
only when it is missing or differs in size or date, so a rebuild costs nothing.
"""
import json
import shutil
from importlib import metadata
from pathlib import Path

from sphinx.errors import ExtensionError

PACKAGE = "django-static-mathjax"
VERSION = "3.2.2"  # MathJax's version inside the package, checked at build time
ENTRY = "tex-mml-chtml.js"
PARTS = (ENTRY, "input", "output", "ui", "a11y", "sre")
FOLDER = "mathjax"  # under _static/ of the HTML output


def mathjax_source():
    """MathJax's es5/ folder inside the installed package; fails the build when it is absent."""
    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError:
        raise ExtensionError(
            f"{PACKAGE} is not installed: `pip install -r requirements.txt` brings MathJax") from None
    root = Path(dist.locate_file("mathjax/static/mathjax"))
    es5 = root / "es5"
    if not (es5 / ENTRY).is_file():
        raise ExtensionError(f"{PACKAGE} has no {ENTRY} under {es5}")
    version = json.loads((root / "package.json").read_text(encoding="utf-8")).get("version")
    if version != VERSION:
        raise ExtensionError(f"{PACKAGE} ships MathJax {version}, the book expects {VERSION}")
    return root


def copy_if_changed(src, dst):
    src_stat = Path(src).stat()
    try:
        dst_stat = Path(dst).stat()
        if dst_stat.st_size == src_stat.st_size and dst_stat.st_mtime == src_stat.st_mtime:
            return dst
    except FileNotFoundError:
        pass
    return shutil.copy2(src, dst)


def use_local_mathjax(app, config):
    config.mathjax_path = f"{FOLDER}/{ENTRY}"  # Sphinx reads a relative path under _static/


def copy_mathjax(app):
    if app.builder.format != "html":
        return
    root = mathjax_source()
    target = Path(app.outdir, "_static", FOLDER)
    target.mkdir(parents=True, exist_ok=True)
    copy_if_changed(root / "LICENSE", target / "LICENSE")
    for part in PARTS:
        source = root / "es5" / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True,
                            copy_function=copy_if_changed)
        else:
            copy_if_changed(source, target / part)


def setup(app):
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", use_local_mathjax)
    # Before the pages are written, so that each page's script tag gets the file's checksum.
    app.connect("builder-inited", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
