"""What differs between the book's English and Korean editions (built by book/build.py).

- Each page links to the same page in the other edition (a header button).
- Figures: a page's figures carry their Korean twin in their output's metadata
  (rnnkit.editions); the Korean build renders the twin in place of the figure.
- Glued values in translated text: Sphinx parses each translated paragraph with MyST alone,
  as a document of its own, where myst-nb's glue roles find no notebook; they read the page's
  glue file instead (the same data, written when the page was parsed), and take a value in
  words in the edition's language where the page glued one (rnnkit.editions.glue_words).
- HTML outputs (the frame explorers) may hold parts for one edition only, marked
  `data-edition="en"` / `"ko"` on a <script>, <span> or <img>: each build keeps its own.

The Korean edition lives in `ko/` under the English one.
"""
import dataclasses
import json
import re
from pathlib import Path

from docutils import nodes
from myst_nb.core.render import NbElementRenderer
from myst_nb.core.variables import RetrievalError, format_plain_text
from myst_nb.ext.glue.roles import PasteMarkdownRole, PasteTextRole
from myst_nb.ext.glue.utils import glue_warning
from sphinx.util import logging

from rnnkit.editions import METADATA_KEY, TWINS_VARIABLE

logger = logging.getLogger(__name__)

EDITIONS = {"en": ("", "English"), "ko": ("ko/", "한국어")}
_PART = (r'<(script|span)\b[^>]*\bdata-edition="{0}"[^>]*>.*?</\1>'
         r'|<img\b[^>]*\bdata-edition="{0}"[^>]*>')


def language(app):
    return app.config.language if app.config.language in EDITIONS else "en"


def add_edition_link(app, pagename, templatename, context, doctree):
    """A header button linking this page in the other edition."""
    if "header_buttons" not in context:
        return
    here = language(app)
    up = "../" * pagename.count("/") + ("../" if EDITIONS[here][0] else "")
    for other, (folder, name) in EDITIONS.items():
        if other != here:
            context["header_buttons"].append({
                "type": "link",
                "url": f"{up}{folder}{pagename}.html",
                "text": name,
                "tooltip": name,
                "icon": "fas fa-language",
                "label": f"edition-{other}",
            })


def not_run_for(edition, docname, what):
    """Warn (an error in the book's builds) that a page's outputs lack this edition's part."""
    logger.warning(f"{what} without its {EDITIONS[edition][1]} edition: the page ran without "
                   f"${TWINS_VARIABLE} (executed by `jupyter-book build` alone?); delete "
                   f"_build/.jupyter_cache and run `make book`", location=docname)


def use_edition_html(app, doctree):
    """Keep only this edition's parts of HTML outputs (data-edition="…")."""
    here = language(app)
    others = [re.compile(_PART.format(other), re.S) for other in EDITIONS if other != here]
    for raw in list(doctree.findall(nodes.raw)):
        markup = raw.astext()
        if 'data-edition="' not in markup:
            continue
        if f'data-edition="{here}"' not in markup:
            not_run_for(here, app.env.docname, "an explorer")
        for part in others:
            markup = part.sub("", markup)
        raw.replace(raw.children[0], nodes.Text(markup))


def images_in_the_editions_language(render_image):
    """Wrap myst-nb's image rendering: an output image with a twin for the language being
    built (rnnkit.editions puts it in the output's metadata) is rendered as that twin."""
    def render(self, data):
        env = getattr(self.renderer.document.settings, "env", None)
        here = env.config.language if env is not None else None
        twin = data.output_metadata.get(data.mime_type, {}).get(METADATA_KEY, {}).get(here)
        if not twin and here in EDITIONS and here != "en" and data.mime_type == "image/png":
            not_run_for(here, env.docname, "a figure")
        return render_image(self, dataclasses.replace(data, content=twin) if twin else data)
    render.original = render_image
    return render


def page_glue(env, key):
    """The glued value `key` of the page being built, in the edition's language if the page
    glued one (rnnkit.editions.glue_words), read from the glue file myst-nb wrote for it."""
    *folders, name = env.docname.split("/")
    path = Path(env.mystnb_config.output_folder, *folders, f"{name}.glue.json")
    glue = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for candidate in (f"{key}__{env.config.language}", key):
        if candidate in glue:
            return glue[candidate]["data"]
    raise RetrievalError(f"No key {key!r} found in the glue data of {env.docname}.")


def glue_in_translations(role, paste):
    """Let a glue role work in a translated paragraph, which Sphinx parses with MyST alone
    as a document of its own: without the page's notebook, so read the page's glue file.
    `paste(role, data, fmt)` turns the glued data into nodes."""
    run = role.run

    def run_anywhere(self):
        if "nb_renderer" in self.document or not hasattr(self.document.settings, "env"):
            return run(self)  # the page's own text
        key, _, fmt = self.text.rpartition(":") if ":" in self.text else (self.text, "", "")
        try:
            return paste(self, page_glue(self.document.settings.env, key), fmt), []
        except (RetrievalError, KeyError, ValueError) as exc:
            return [], [glue_warning(f"{exc} (in a translated paragraph)", self.document,
                                     self.line)]
    run_anywhere.original = run
    role.run = run_anywhere


def paste_text(role, data, fmt):
    text = format_plain_text(data["text/plain"], fmt or "s")
    return [nodes.inline(text, text, classes=["pasted-text"])]


def paste_markdown(role, data, fmt):
    pasted, _ = role.inliner.parse(data["text/markdown"], role.line, role.inliner,
                                   role.inliner.parent)
    return pasted


def setup(app):
    if not hasattr(NbElementRenderer.render_image, "original"):
        NbElementRenderer.render_image = images_in_the_editions_language(
            NbElementRenderer.render_image)
    if not hasattr(PasteTextRole.run, "original"):
        glue_in_translations(PasteTextRole, paste_text)
        glue_in_translations(PasteMarkdownRole, paste_markdown)
    app.connect("html-page-context", add_edition_link, priority=502)
    app.connect("doctree-read", use_edition_html)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
