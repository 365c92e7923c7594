"""`make grade` run again: hand grades stay, only what changed is graded, limits hold.

One course, three runs:
1. alice/ch01 (one exercise right), carol/ch01 (the reference), broken/ch01 (not JSON),
   alice/ch02 and bob/ch02 (untouched): exit 1 because of broken. Then the instructor types
   in grades by hand (nbgrader.api.Gradebook), on alice's notebook and on broken's, which
   could not be graded, and a comment on alice's answer.
2. alice's notebook changes (now the reference), erin hands in, broken hands in another
   unreadable file: only those three are graded; the hand grades and comment are still there.
3. FORCE=1 STUDENT=alice ASSIGNMENT=ch02: only alice/ch02 is graded again.
Also on this course, a `make grade` that finds no bwrap on its PATH refuses and changes
nothing.
"""
import hashlib
import os

import nbformat
import pytest
from grading_cheats import one_right
from grading_course import VENV, gradebook, hand_in, make, make_result, new_course, points

slow = pytest.mark.slow

FULL = 10.0
HAND = {"alice": 1.5, "broken": 2.0}    # typed in for test_rnn_step_forward (out of 2)
COMMENT = "Tidy code; say in the docstring why cache holds h."


def mtimes(course):
    return {str(p.relative_to(course / "autograded")): p.stat().st_mtime_ns
            for p in (course / "autograded").rglob("*.ipynb")}


def run(course, status, **variables):
    output, _ = make(course, "grade", timeout=600, status=status, CELL_TIMEOUT=10,
                     SUBMISSION_LIMIT=120, **variables)
    return output, mtimes(course)


def grades(course, student, assignment="ch01"):
    with gradebook(course) as gb:
        nb = gb.find_submission_notebook(assignment, assignment, student)
        return {g.name: (g.auto_score, g.manual_score, g.score) for g in nb.grades}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return new_course(tmp_path_factory, "regrade")


@pytest.fixture(scope="module")
def runs(course):
    solutions = nbformat.read(course / "solutions" / "ch01" / "ch01.ipynb", 4)
    released = nbformat.read(course / "release" / "ch01" / "ch01.ipynb", 4)
    ch02 = nbformat.read(course / "release" / "ch02" / "ch02.ipynb", 4)
    hand_in(course, {("ch01", "alice"): one_right(solutions, released),
                     ("ch01", "carol"): solutions,
                     ("ch02", "alice"): ch02, ("ch02", "bob"): ch02})
    broken = course / "submitted" / "broken" / "ch01" / "ch01.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"cells": [')
    out = {}
    out["first"] = run(course, status=1)
    out["first grades"] = {s: grades(course, s) for s in ["alice", "broken"]}

    with gradebook(course) as gb:
        for student, score in HAND.items():
            gb.find_grade("test_rnn_step_forward", "ch01", "ch01", student).manual_score = score
        gb.find_comment("rnn_step_forward", "ch01", "ch01", "alice").manual_comment = COMMENT
        gb.db.commit()

    hand_in(course, {("ch01", "alice"): solutions, ("ch01", "erin"): solutions})
    broken.write_text("print('this is a script, not a notebook')\n")
    out["second"] = run(course, status=1)
    out["second grades"] = {s: grades(course, s) for s in ["alice", "broken", "erin", "carol"]}
    out["third"] = run(course, status=0, FORCE=1, STUDENT="alice", ASSIGNMENT="ch02")
    out["third grades"] = {s: grades(course, s) for s in ["alice", "broken"]}
    return out


@slow
def test_first_run_grades_everyone_and_reports_the_unreadable_hand_in(runs):
    output, _ = runs["first"]
    for handin in ["alice/ch01", "carol/ch01", "alice/ch02", "bob/ch02"]:
        assert f"graded {handin}" in output
    assert "NOT GRADED broken/ch01: ch01.ipynb is not a valid notebook" in output
    assert runs["first grades"]["alice"]["test_rnn_step_forward"] == (2.0, None, 2.0)


@slow
def test_an_unchanged_hand_in_is_not_graded_again(runs):
    output, after = runs["second"]
    _, before = runs["first"]
    assert "3 hand-in(s) unchanged since they were last graded: kept as they are." in output
    for student, assignment in [("carol", "ch01"), ("alice", "ch02"), ("bob", "ch02")]:
        assert f"graded {student}/{assignment}" not in output
        notebook = f"{student}/{assignment}/{assignment}.ipynb"
        assert after[notebook] == before[notebook]


@slow
def test_a_changed_or_new_hand_in_is_graded(runs):
    output, after = runs["second"]
    _, before = runs["first"]
    assert "graded alice/ch01" in output and "graded erin/ch01: 10 / 10 points" in output
    assert after["alice/ch01/ch01.ipynb"] != before["alice/ch01/ch01.ipynb"]
    assert "erin/ch01/ch01.ipynb" in after
    assert "NOT GRADED broken/ch01: ch01.ipynb is not a valid notebook" in output


@slow
def test_a_grade_typed_in_by_hand_survives_the_regrading_of_its_hand_in(runs, course):
    # alice's notebook changed and was graded again: every test now passes on its own...
    alice = runs["second grades"]["alice"]
    assert {name: auto for name, (auto, _, _) in alice.items()} == \
        {name: float(p) for name, p in points(nbformat.read(
            course / "solutions" / "ch01" / "ch01.ipynb", 4)).items()}
    # ...but the instructor's 1.5 for exercise 1 stands, and is flagged to be looked at again
    assert alice["test_rnn_step_forward"] == (2.0, 1.5, 1.5)
    with gradebook(course) as gb:
        assert gb.find_submission("ch01", "alice").score == FULL - 2 + 1.5
        assert gb.find_grade("test_rnn_step_forward", "ch01", "ch01", "alice").needs_manual_grade
        assert gb.find_comment("rnn_step_forward", "ch01", "ch01", "alice").manual_comment == \
            COMMENT


@slow
def test_a_grade_typed_in_by_hand_survives_for_a_hand_in_that_cannot_be_graded(runs, course):
    assert runs["first grades"]["broken"]["test_rnn_step_forward"] == (0.0, None, 0.0)
    # broken handed in another unreadable file: still not graded, the hand grade stays
    assert runs["second grades"]["broken"]["test_rnn_step_forward"] == (0.0, 2.0, 2.0)
    assert runs["third grades"]["broken"]["test_rnn_step_forward"] == (0.0, 2.0, 2.0)
    with gradebook(course) as gb:
        assert gb.find_submission("ch01", "broken").score == 2.0
    page = (course / "feedback" / "broken" / "ch01" / "ch01.html").read_text()
    assert "not a valid notebook" in page


@slow
def test_student_and_assignment_limit_a_run(runs):
    output, after = runs["third"]
    _, before = runs["second"]
    graded = [line for line in output.splitlines() if line.startswith(("graded ", "NOT GRADED"))]
    assert len(graded) == 1 and graded[0].startswith("graded alice/ch02: 0 / 10 points"), output
    assert after["alice/ch02/ch02.ipynb"] != before["alice/ch02/ch02.ipynb"]   # FORCE=1
    for untouched in ["alice/ch01/ch01.ipynb", "bob/ch02/ch02.ipynb", "carol/ch01/ch01.ipynb",
                      "erin/ch01/ch01.ipynb"]:
        assert after[untouched] == before[untouched]
    assert runs["third grades"]["alice"]["test_rnn_step_forward"] == (2.0, 1.5, 1.5)


@slow
def test_every_run_that_writes_backs_up_the_gradebook_first(runs, course):
    backups = sorted((course / ".grading" / "backups").glob("gradebook-*.db"))
    assert len(backups) == 3


@slow
def test_make_grade_without_bwrap_on_the_path_refuses_and_changes_nothing(course, tmp_path):
    def state():
        return {str(p.relative_to(course)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(course.rglob("*")) if p.is_file()}
    before = state()
    # on the PATH nothing but an empty folder, after the virtualenv the Makefile puts first
    assert not (VENV / "bin" / "bwrap").exists()
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env["PATH"] = str(tmp_path)
    result, _ = make_result(course, "grade", timeout=300, env=env)
    assert result.returncode == 2 and "Error 2" in result.stderr, result.stderr
    assert "make grade refuses to run: bubblewrap (bwrap) is not installed" in result.stderr
    assert "sudo apt-get install bubblewrap" in result.stderr
    assert "graded" not in result.stdout
    assert state() == before
