"""Write each inline script of a page once.

Sphinx 7.4 adds an inline script (one with a body and no file) that an extension registers
after the builder has started twice to every page: once as registered, once again when
writing begins (``StandaloneHTMLBuilder.prepare_writing``, which re-adds it with the file name
``''`` instead of ``None``, so the two are not taken for the same script). sphinx-thebe's and
sphinx-togglebutton's settings are such scripts; sphinx-thebe's declares constants, and
declaring them a second time is an error in the reader's console on every page
("Identifier 'THEBE_JS_URL' has already been declared").

This drops the second copy from each page's scripts, keeping their order.
"""


def key(script):
    attributes = getattr(script, "attributes", {})
    return (getattr(script, "filename", script) or "", getattr(script, "priority", None),
            tuple(sorted(attributes.items())))


def drop_repeated_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        if key(script) not in seen:
            seen.add(key(script))
            unique.append(script)
    scripts[:] = unique  # the builder restores its own list after the page is written


def setup(app):
    # After every other handler has added its scripts to the page.
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
