"""Offer every page of the book as a Jupyter notebook (.ipynb) in the theme's download menu.

The pages are MyST markdown, so the download menu of sphinx-book-theme would only offer the
.md source. Before the theme builds that menu for a page, this extension writes the page as
``_sources/<page>.ipynb`` in the HTML output and names it in the page context, which is
where the theme looks for a notebook to offer (``ipynb_source``):

- a notebook page (MyST markdown with a kernelspec) is offered as the notebook MyST-NB
  executed for this build, outputs and figures included;
- any other page (plain markdown such as the glossary) is converted with jupytext, giving a
  notebook of markdown cells.

It applies to every page in _toc.yml, so a new chapter needs no work of its own.
"""
import shutil
from pathlib import Path

import jupytext
import nbformat

# sphinx-book-theme builds its download menu in an html-page-context handler of priority
# 501; handlers run in increasing priority, so this one has filled the context by then.
PRIORITY = 500


def add_notebook_download(app, pagename, templatename, context, doctree):
    if doctree is None or not context.get("page_source_suffix"):
        return  # generated pages (search, index) have no source to offer
    target = Path(app.outdir, "_sources", f"{pagename}.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    executed = Path(app.env.mystnb_config.output_folder, f"{pagename}.ipynb")
    if executed.exists():
        shutil.copyfile(executed, target)
    else:
        notebook = jupytext.read(app.env.doc2path(pagename), fmt="md:myst")
        nbformat.write(notebook, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    app.connect("html-page-context", add_notebook_download, priority=PRIORITY)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
