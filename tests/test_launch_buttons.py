"""book/_ext/launch_buttons.py: launch links only into the repository the publisher names."""
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).parents[1] / "book" / "_ext"))
from launch_buttons import configure_launch_buttons  # noqa: E402


def configured(monkeypatch, **env):
    for name in ("REPOSITORY_URL", "REPOSITORY_BRANCH"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # What Jupyter Book hands Sphinx from _config.yml when no repository is named.
    options = {"repository_url": "https://github.com/executablebooks/jupyter-book",
               "launch_buttons": {"notebook_interface": "jupyterlab",
                                  "binderhub_url": "https://mybinder.org"}}
    configure_launch_buttons(None, SimpleNamespace(html_theme_options=options))
    return options


def test_no_repository_means_no_launch_buttons(monkeypatch):
    options = configured(monkeypatch)
    assert options["launch_buttons"]["binderhub_url"] == ""
    assert options["launch_buttons"]["notebook_interface"] == "jupyterlab"


def test_a_named_repository_turns_the_configured_buttons_on(monkeypatch):
    options = configured(monkeypatch, REPOSITORY_URL="https://github.com/org/course",
                         REPOSITORY_BRANCH="gh-pages")
    assert options["repository_url"] == "https://github.com/org/course"
    assert options["repository_branch"] == "gh-pages"
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
