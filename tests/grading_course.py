"""A temporary copy of the course, driven through its Makefile: `make assignments` (nbgrader's
release) and `make grade` (rnnkit.grading.autograde, which records in nbgrader's gradebook).

Shared by the test_grading*.py files (chapter 1's assignment in depth, cheating, regrading)
and test_assignments.py (every assignment): making a course, building submissions from the
instructor's and the released notebooks, one `make grade` run over all of them, and reading
back scores and feedback. Notebooks follow nbgrader's layout with one notebook per
assignment, <assignment>/<assignment>.ipynb.
"""
import copy
import csv
import html
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)   # the virtualenv running these tests (the repo's .venv under make test)

# nbgrader's delimiters: what lies between them is for the instructor only.
SECRET_BLOCKS = [("### BEGIN SOLUTION", "### END SOLUTION"),
                 ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")]


def gradebook(course):
    from nbgrader.api import Gradebook   # imported here: it is slow, and only slow tests need it
    return Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="")


def make(course, target, timeout, status=0, env=None, **variables):
    """Run a Makefile target of the temporary course with this test run's virtualenv.

    `status` is the exit status the target's command must end with: make itself then exits
    with 0, or with 2 after reporting "Error <status>" (`make grade` ends with 1 when a
    hand-in could not be graded, 2 when grading could not start). `env` replaces the
    environment. Returns make's standard output and the seconds it took; `make_result` also
    gives the whole CompletedProcess. `-o` keeps make from ever rebuilding the (shared)
    virtualenv.
    """
    result, elapsed = make_result(course, target, timeout, env=env, **variables)
    where = f"make {target} {variables}:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    if status == 0:
        assert result.returncode == 0, f"failed: {where}"
    else:
        assert result.returncode == 2 and f"Error {status}" in result.stderr, \
            f"expected the command to end with status {status}: {where}"
    return result.stdout, elapsed


def make_result(course, target, timeout, env=None, **variables):
    ready = VENV / ".ready"
    cmd = [shutil.which("make"), "-C", str(course), "-o", str(ready), target, f"VENV={VENV}"]
    cmd += [f"{k}={v}" for k, v in variables.items()]
    start = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    return result, time.monotonic() - start


def new_course(tmp_path_factory, name, solutions=None):
    """A copy of what a fresh clone holds for grading, then `make assignments`.

    With `solutions` (a folder outside the course) the instructor's notebooks live there, as
    in a private copy, and reach make as SOLUTIONS=...
    """
    course = tmp_path_factory.mktemp(name)
    for item in ["Makefile", "nbgrader_config.py", "requirements.txt", "pyproject.toml"]:
        shutil.copy2(REPO / item, course / item)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    shutil.copytree(REPO / "solutions", solutions or course / "solutions", ignore=ignore)
    make(course, "assignments", timeout=300, **({"SOLUTIONS": solutions} if solutions else {}))
    return course


# ------------------------------------------------------------------ building submissions

def cell(nb, grade_id):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return c
    raise KeyError(grade_id)


def right(solutions, grade_id):
    """The instructor's source of a cell: a right answer to hand in."""
    return cell(solutions, grade_id).source


def submission(base, code=None, insert=(), delete=()):
    """A copy of notebook `base` with solution cells replaced (grade_id -> source), extra
    code cells inserted ((index, source) pairs) and cells deleted (grade ids)."""
    nb = copy.deepcopy(base)
    for grade_id, source in (code or {}).items():
        cell(nb, grade_id).source = textwrap.dedent(source).strip()
    for grade_id in delete:
        nb.cells.remove(cell(nb, grade_id))
    for index, source in insert:
        nb.cells.insert(index, nbformat.v4.new_code_cell(textwrap.dedent(source).strip()))
    return nb


def nbgrader_cells(nb, kind):
    """The cells nbgrader marks as `kind`: "solution" or "grade"."""
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get(kind)]


def points(nb):
    """grade_id -> points of every graded cell."""
    return {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
            for c in nbgrader_cells(nb, "grade")}


# ------------------------------------------------------------------ the grading run

def hand_in(course, handins):
    """Write every notebook of `handins` ({(assignment, student): notebook}) where nbgrader
    collects it: submitted/<student>/<assignment>/<assignment>.ipynb."""
    for (name, student), nb in handins.items():
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{name}.ipynb")


def grade(course, handins, assignment=None, timeout=900, status=0, **variables):
    """Hand in every notebook of `handins` ({(assignment, student): notebook}), run
    `make grade` with the make `variables` (expecting exit `status`, see make), and return
    what it left behind."""
    hand_in(course, handins)
    output, elapsed = make(course, "grade", timeout=timeout, status=status, **variables)
    return Graded(course, output, elapsed, assignment)


class Graded:
    """What one `make grade` run left behind, read back for the tests. `assignment` is the
    one the methods read when none is named."""

    def __init__(self, course, output, elapsed, assignment=None):
        self.course, self.output, self.elapsed = course, output, elapsed
        self.assignment = assignment

    def scores(self, student, assignment=None):
        """grade_id -> points earned, for every graded cell of the student's notebook."""
        name = assignment or self.assignment
        with gradebook(self.course) as gb:
            nb = gb.find_submission_notebook(name, name, student)
            return {g.name: g.score for g in nb.grades}

    def feedback(self, student, assignment=None):
        """The student's feedback page as plain text."""
        name = assignment or self.assignment
        page = (self.course / "feedback" / student / name / f"{name}.html").read_text()
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        return re.sub(r"[ \t]+", " ", text)

    def autograded(self, student, assignment=None):
        name = assignment or self.assignment
        return nbformat.read(self.course / "autograded" / student / name / f"{name}.ipynb", 4)

    def csv(self, assignment=None):
        """student -> the row of grades.csv for the assignment."""
        name = assignment or self.assignment
        with open(self.course / "grades.csv", newline="") as fh:
            return {row["student_id"]: row for row in csv.DictReader(fh)
                    if row["assignment"] == name}


# ------------------------------------------------------------------ the release

def secret_lines(solutions):
    """The lines of the instructor's notebook that appear only inside solution or hidden-test
    blocks (a line such as `import numpy as np` that is also public does not count)."""
    secret, public = set(), set()
    for c in solutions.cells:
        if c.cell_type != "code":
            continue
        outside = c.source
        for begin, end in SECRET_BLOCKS:
            if begin in outside:
                before, rest = outside.split(begin, 1)
                inside, after = rest.split(end, 1)
                secret |= {line.strip() for line in inside.splitlines() if line.strip()}
                outside = before + after
        public |= {line.strip() for line in outside.splitlines()}
    return secret - public


def assert_release_is_clean(solutions, released, text):
    """The released notebook (parsed, and its file's text) holds no line of solution or hidden
    test, no marker, a stub for every solution cell, and every graded cell with its points.
    Returns the secret lines that were looked for."""
    secret = secret_lines(solutions)
    released_lines = {line.strip() for c in released.cells if c.cell_type == "code"
                      for line in c.source.splitlines()}
    leaked = secret & released_lines
    assert not leaked, f"the released notebook holds solution or test code: {sorted(leaked)[:5]}"
    for marker in ["BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "grading.graded"]:
        assert marker not in text, f"the released notebook contains {marker!r}"
    stubs = [c for c in nbgrader_cells(released, "solution")
             if "raise NotImplementedError()" in c.source]
    assert len(stubs) == len(nbgrader_cells(solutions, "solution"))
    for c in nbgrader_cells(released, "grade"):
        assert c.metadata.nbgrader["locked"], f"{c.metadata.nbgrader['grade_id']} is not locked"
    assert points(released) == points(solutions)
    return secret
