"""Checks on the book's translation catalogs (locale/<language>/LC_MESSAGES/book/*.po).

A message is a paragraph, heading or list item of a page in MyST source form, so a translation
has to carry over everything in it that is not prose: math, roles (their targets: glue keys,
labels, glossary terms, citations), inline code and link addresses. `problems` lists what a
translated message lost or changed; `tests/test_translations.py` runs it on every message, and a
translator can run it on one catalog:

    .venv/bin/python book/translations.py locale/ko/LC_MESSAGES/book/ch03_vanishing.po
"""
import re
import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from rnnkit import editions

ROOT = Path(__file__).resolve().parents[1]

# {role}`content`, with the content's own target in <...> when it has one: `text <target>`.
ROLE = re.compile(r"\{([\w:+-]+)\}(`+)(.*?)\2", re.S)
TARGET = re.compile(r"<([^<>]*)>\s*$")
CODE = re.compile(r"(`+)(.+?)\1", re.S)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", re.S)
LINK = re.compile(r"\]\(([^()\s]+)\)")
# Names that are the same in both editions, as on the figures, and a word of the lecture name
# 모두의 딥러닝 Lec 11: a message made of them alone needs no translation.
NAMES = editions.NAMES | {"Lec"}


def role_target(content):
    """`text <target>` -> target; a role without explicit text is its own target."""
    match = TARGET.search(content)
    return (match.group(1) if match else content).strip()


def parts(text):
    """What a translation must keep: math, roles, code and links, each as a Counter."""
    roles = Counter((name, role_target(content)) for name, _, content in ROLE.findall(text))
    rest = ROLE.sub(" ", text)
    code = Counter(body.strip() for _, body in CODE.findall(rest))
    rest = CODE.sub(" ", rest)
    math = Counter(" ".join(m.split()) for m in DISPLAY_MATH.findall(rest))
    rest = DISPLAY_MATH.sub(" ", rest)
    math += Counter(" ".join(m.split()) for m in INLINE_MATH.findall(rest))
    rest = INLINE_MATH.sub(" ", rest)
    links = Counter(LINK.findall(rest))
    prose = LINK.sub(" ", rest)
    return {"math": math, "roles": roles, "code": code, "links": links}, prose


def is_display_math(text):
    """A display formula's message is its LaTeX between newlines, without the $$."""
    return text.startswith("\n") and text.endswith("\n")


def words(text):
    """The English words of a message, outside math, roles, code, links and names."""
    if is_display_math(text):
        return []
    _, prose = parts(text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", prose) if w not in NAMES]


def needs_translation(msgid):
    return bool(words(msgid))


def problems(msgid, msgstr, fuzzy=False, keep=frozenset()):
    """What is wrong with one translated message: a list of sentences, empty when it is fine.

    keep: messages whose translation must equal the original (the glossary's terms, which
    `{term}` roles name as their targets in both editions).
    """
    if fuzzy:
        return ["marked fuzzy: the English changed since it was translated; update it and "
                "remove the fuzzy flag"]
    if not msgstr:
        return ["not translated"]
    if msgid in keep:
        return [] if msgstr == msgid else ["a glossary term: keep it exactly as in English"]
    found = []
    if msgstr == msgid and needs_translation(msgid):
        found.append("left in English")
    elif len(words(msgid)) >= 4 and not editions.HANGUL.search(msgstr):
        found.append("has no Korean in it")
    if is_display_math(msgid):
        return [] if msgstr == msgid else ["a display formula: keep it exactly as in English"]
    original, _ = parts(msgid)
    translated, _ = parts(msgstr)
    for kind in original:
        lost = original[kind] - translated[kind]
        added = translated[kind] - original[kind]
        if lost:
            found.append(f"{kind} lost or altered: {sorted(lost)}")
        if added:
            found.append(f"{kind} not in the English: {sorted(added)}")
    return found


def glossary_terms():
    """The terms of book/glossary.md: the unindented lines of its glossary directive."""
    text = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    block = re.search(r"```\{glossary\}.*?\n(.*?)\n```", text, re.S).group(1)
    return {line.strip() for line in block.splitlines()
            if line.strip() and not line[0].isspace() and not line.startswith(":")}


def read(path):
    with open(path, "rb") as f:
        return read_po(f)


def catalog_problems(path, keep=None):
    """[(msgid, [problem, ...])] for every message of one catalog that has a problem."""
    keep = glossary_terms() if keep is None else keep
    found = []
    for message in read(path):
        if not message.id:
            continue
        issues = problems(message.id, message.string, message.fuzzy, keep)
        if issues:
            found.append((message.id, issues))
    return found


def prefill(path, keep=None):
    """Give messages with nothing to translate (display math, glossary terms) their original."""
    keep = glossary_terms() if keep is None else keep
    catalog = read(path)
    for message in catalog:
        if message.id and not message.string and (message.id in keep
                                                  or not needs_translation(message.id)):
            message.string = message.id
    with open(path, "wb") as f:
        write_po(f, catalog, width=0, omit_header=False)


if __name__ == "__main__":
    total = 0
    for name in sys.argv[1:]:
        for msgid, issues in catalog_problems(name):
            total += 1
            print(f"{name}: {msgid[:70]!r}…" if len(msgid) > 70 else f"{name}: {msgid!r}")
            for issue in issues:
                print(f"    {issue}")
    print(f"{total} message(s) with problems")
    sys.exit(1 if total else 0)
