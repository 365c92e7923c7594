"""Launch buttons (Binder, JupyterHub) that open a page as a live notebook.

The services to offer are set under ``launch_buttons`` in ``_config.yml``. A launch link also
needs the public URL of the repository the book is published from, which only the publisher
knows, so it comes from the environment at build time:

    make book REPOSITORY_URL=https://github.com/<org>/<repo> [REPOSITORY_BRANCH=main]

Without it the pages show no launch buttons, rather than Jupyter Book's default of links into
Jupyter Book's own repository.
"""
import os

SERVICES = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url")


def configure_launch_buttons(app, config):
    options = config.html_theme_options
    url = os.environ.get("REPOSITORY_URL", "").strip()
    if url:
        options["repository_url"] = url
        options["repository_branch"] = os.environ.get("REPOSITORY_BRANCH", "main")
    else:
        buttons = dict(options.get("launch_buttons", {}))
        options["launch_buttons"] = {**buttons, **{service: "" for service in SERVICES}}


def setup(app):
    app.connect("config-inited", configure_launch_buttons)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
