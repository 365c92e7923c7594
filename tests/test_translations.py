"""The Korean edition cannot go stale silently.

The English text of the book as it is now (extracted by the session's book build, see
conftest.py) must be in the Korean catalogs, every message translated and not fuzzy, and each
translation must keep the math, roles (glue keys, labels, terms, citations), inline code and
links of its English original (book/translations.py says how). The same goes for the words on
the figures (locale/ko/LC_MESSAGES/figures.po) and for glued values that are words.
"""
import json
import re
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book"))

import translations  # noqa: E402  (book/translations.py)

from rnnkit.editions import LANGUAGES, has_words  # noqa: E402

pytestmark = pytest.mark.slow
TERMS = translations.glossary_terms()
# Glued values that are a model's output, the same in every edition: characters it predicts,
# the English pronoun chapter 6's LSTM picks for its English story.
GLUED_AS_IS = {"ch01_predicted", "ch08_hello_predicted", "ch08_hello_greedy",
               "ch06_story_pronoun"}


def read(path):
    with open(path, "rb") as f:
        return read_po(f)


def figure_problems(msgid, msgstr, fuzzy):
    """A figure text's translation keeps its {n} placeholders and math; a text that is only
    names or a quoted English sentence may stay as it is."""
    if fuzzy:
        return ["marked fuzzy"]
    if not msgstr:
        return ["not translated"]
    found = []
    if sorted(re.findall(r"(?<!\{)\{\d+\}", msgid)) != sorted(re.findall(r"(?<!\{)\{\d+\}", msgstr)):
        found.append("number placeholders {n} lost or altered")
    original, _ = translations.parts(msgid)
    if original["math"] != translations.parts(msgstr)[0]["math"]:
        found.append("math lost or altered")
    try:
        msgstr.format(*range(10))
    except (IndexError, KeyError, ValueError):
        found.append("not a valid template: write a literal brace as {{ or }}")
    return found


def english(book):
    """{template path relative to gettext/: [msgid, ...]} of the current English text."""
    templates = book / "gettext" / "templates"
    return {path.relative_to(templates): [m.id for m in read(path) if m.id]
            for path in sorted(templates.rglob("*.pot"))}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_english_message_has_a_checked_translation(book, language):
    found = []
    for template, msgids in english(book).items():
        catalog_path = ROOT / "locale" / language / "LC_MESSAGES" / template.with_suffix(".po")
        if not catalog_path.exists():
            found.append(f"{catalog_path.relative_to(ROOT)} is missing: run "
                         "`python book/build.py --catalogs`")
            continue
        catalog = read(catalog_path)
        for msgid in msgids:
            message = catalog.get(msgid)
            if message is None:
                found.append(f"{catalog_path.name}: {msgid[:60]!r}: new English text, not in the "
                             "catalog (run `python book/build.py --catalogs`, then translate)")
                continue
            keep = TERMS if template.stem == "glossary" else frozenset()
            if template.stem == "figures":
                issues = figure_problems(msgid, message.string, message.fuzzy)
            else:
                issues = translations.problems(msgid, message.string, message.fuzzy, keep)
            found += [f"{catalog_path.name}: {msgid[:60]!r}: {issue}" for issue in issues]
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found[:40])


def test_the_figures_of_the_book_have_words_to_translate(book):
    """The figure template is not empty: the figures' texts reach the catalog at all."""
    texts = english(book)[Path("figures.pot")]
    assert len(texts) > 50 and all(has_words(t) for t in texts), texts[:10]


@pytest.mark.parametrize("language", LANGUAGES)
def test_glued_words_have_a_translation(book, language):
    """A glued value in words ("drops", a verdict) needs its edition's version next to it."""
    missing = []
    for path in sorted((book / "jupyter_execute").rglob("*.glue.json")):
        glue = json.loads(path.read_text(encoding="utf-8"))
        for key, value in glue.items():
            text = value["data"].get("text/plain", "")
            if ("__" not in key and key not in GLUED_AS_IS and text.startswith("'")
                    and has_words(text) and f"{key}__{language}" not in glue):
                missing.append(f"{path.name}: {key} = {text}")
    assert not missing, ("glue these with rnnkit.editions.glue_words(key, english, "
                         f"{language}=...):\n" + "\n".join(missing))


# The checks themselves: each way a translation can break is caught.
ORIGINAL = ("The norm is {glue:text}`ch03_norm:.2f` for $\\gamma_w = 1$, see {ref}`ch03-bound`, "
            "{term}`slow training <Slow training (느린 속도)>` and `rnn_forward` in "
            "[the bound](#ch03-bound).")
GOOD = ("$\\gamma_w = 1$일 때 노름은 {glue:text}`ch03_norm:.2f`입니다. {ref}`ch03-bound`, "
        "{term}`느린 학습 <Slow training (느린 속도)>`, [경계](#ch03-bound)의 `rnn_forward`를 "
        "보십시오.")


def test_a_faithful_translation_passes():
    assert translations.problems(ORIGINAL, GOOD) == []


@pytest.mark.parametrize("broken, what", [
    (GOOD.replace("{glue:text}`ch03_norm:.2f`", "1.00"), "roles lost"),
    (GOOD.replace("ch03_norm:.2f", "ch03_norm:.3f"), "roles lost"),
    (GOOD.replace("$\\gamma_w = 1$", "$\\gamma_w=2$"), "math lost"),
    (GOOD.replace("$\\gamma_w = 1$", "γ_w = 1"), "math lost"),
    (GOOD.replace("<Slow training (느린 속도)>", "<느린 학습>"), "roles lost"),
    (GOOD.replace("{ref}`ch03-bound`", "{ref}`ch03-bounds`"), "roles lost"),
    (GOOD.replace("`rnn_forward`", "rnn_forward"), "code lost"),
    (GOOD.replace("(#ch03-bound)", "(#ch03-bond)"), "links lost"),
    (ORIGINAL, "left in English"),
    ("", "not translated"),
])
def test_a_broken_translation_is_caught(broken, what):
    assert any(issue.startswith(what) for issue in translations.problems(ORIGINAL, broken)), (
        translations.problems(ORIGINAL, broken))


def test_fuzzy_and_glossary_terms_are_caught():
    assert translations.problems(ORIGINAL, GOOD, fuzzy=True)[0].startswith("marked fuzzy")
    term = "Slow training (느린 속도)"
    assert translations.problems(term, "느린 학습", keep={term})
    assert not translations.problems(term, term, keep={term})
    formula = "\nh_t = \\tanh(W h_{t-1})\n"
    assert not translations.problems(formula, formula)
    assert translations.problems(formula, formula.replace("W", "U"))
