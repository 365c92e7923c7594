"""Every graded assignment in solutions/, through the real nbgrader commands.

For each assignment (a chapter's notebook gets these tests as soon as it is in solutions/):
the instructor's notebook is clean and well formed; `make assignments` releases it without
solution code or hidden tests; and one `make grade` run over all assignments gives the
reference solution full marks with no error in any cell, the untouched release 0 with every
graded cell saying its function is not written yet, and a half-solved notebook exactly the
points it earned (an exercise whose function calls an unsolved one earns nothing).

Chapter 2's own submissions ride in the same run: wrong answers, one untouched exercise, an
endless loop, a training loop that climbs the loss. test_grading.py covers the machinery
(the sandbox, cheating, deleted cells, hand-ins that cannot be graded, hard time limits) in
depth on chapter 1, test_grading_regrade.py hand grades and incremental runs.
"""
import ast
import re

import nbformat
import pytest
from grading_course import (REPO, SECRET_BLOCKS, assert_release_is_clean, cell, grade,
                            nbgrader_cells, new_course, points, right, submission)

slow = pytest.mark.slow

ASSIGNMENTS = sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())
CH02_POINTS = {"test_rnn_step_backward": 2, "test_rnn_backward": 3,
               "test_softmax_cross_entropy": 2, "test_numerical_gradient": 1,
               "test_train_hello": 2}


def source(assignment):
    return nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", 4)


def defined_function(solution_cell):
    """The name of the function a solution cell defines."""
    return re.search(r"^def (\w+)\(", solution_cell.source, re.M).group(1)


def function_under_test(grade_cell):
    """The name of the function a graded cell tests."""
    return re.search(r'need_function\(globals\(\), "(\w+)"\)', grade_cell.source).group(1)


def solution_code(solution_cell):
    begin, end = SECRET_BLOCKS[0]
    return solution_cell.source.split(begin, 1)[1].split(end, 1)[0]


def needs(nb):
    """function -> every other exercise function its reference solution calls, directly or
    through others: a test can pass only when all of them are right too."""
    code = {defined_function(c): solution_code(c) for c in nbgrader_cells(nb, "solution")}
    calls = {f: {g for g in code if g != f and re.search(rf"\b{g}\(", body)}
             for f, body in code.items()}
    closure = {}
    for f in code:
        todo, seen = list(calls[f]), set()
        while todo:
            g = todo.pop()
            if g not in seen:
                seen.add(g)
                todo += calls[g]
        closure[f] = seen
    return closure


def half_solved(nb):
    """The grade ids of every other solution cell, starting with the first."""
    return [c.metadata.nbgrader["grade_id"] for c in nbgrader_cells(nb, "solution")][::2]


def required(grade_cell, closure):
    """Every exercise function a test cell needs right: the one it tests, those its test code
    runs too (a backward test may run the student's forward pass first), and what they call
    (`closure`, from needs)."""
    used = {function_under_test(grade_cell)} | {
        node.id for node in ast.walk(ast.parse(grade_cell.source))
        if isinstance(node, ast.Name) and node.id in closure}
    return used.union(*(closure[f] for f in used))


def earned(nb, solved):
    """grade_id -> points a notebook with exactly the `solved` solution cells right earns."""
    solved = {defined_function(cell(nb, s)) for s in solved}
    closure = needs(nb)
    return {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
            if required(c, closure) <= solved else 0
            for c in nbgrader_cells(nb, "grade")}


# ------------------------------------------------------------------ the source notebooks

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_is_clean_and_well_formed(assignment):
    path = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    assert path.is_file(), f"solutions/{assignment}/ must hold {assignment}.ipynb"
    nb = source(assignment)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    for c in code:
        assert c.outputs == [] and c.execution_count is None, f"clear the outputs of {c.id}"
    first = code[0].metadata.get("nbgrader", {})
    assert first.get("grade_id") == "setup" and first.get("locked"), \
        "the first code cell must be the locked one that imports rnnkit.grading"
    assert "from rnnkit import grading" in code[0].source
    functions = {defined_function(c) for c in nbgrader_cells(nb, "solution")}
    for c in nbgrader_cells(nb, "solution"):
        assert "### BEGIN SOLUTION" in c.source and '"""' in c.source  # docstring
    graded = nbgrader_cells(nb, "grade")
    assert sorted(function_under_test(c) for c in graded) == sorted(functions), \
        "every exercise function needs exactly one graded cell"
    for c in graded:
        meta = c.metadata.nbgrader
        assert meta["locked"] and meta["points"] > 0 and meta["grade_id"].startswith("test_")
        assert not meta.get("solution"), f"{meta['grade_id']} must not be a solution cell"
        assert "### BEGIN HIDDEN TESTS" in c.source and "grading.call(" in c.source
        assert "grading.graded(" in c.source, f"{meta['grade_id']}: label failures"


def test_chapter_2_has_the_syllabus_exercises_and_points():
    nb = source("ch02")
    assert points(nb) == CH02_POINTS
    assert {defined_function(c) for c in nbgrader_cells(nb, "solution")} == {
        "rnn_step_backward", "rnn_backward", "softmax_cross_entropy", "numerical_gradient",
        "train_hello"}
    # the dependencies the half-solved expectation relies on were read right
    assert needs(nb)["train_hello"] == {"rnn_backward", "rnn_step_backward",
                                        "softmax_cross_entropy"}


def test_half_solved_expectation_reads_what_a_test_cell_runs_itself():
    # chapter 6's step-backward test runs the student's step forward first, though the
    # reference step backward never calls it: only the test cell says so
    nb = source("ch06")
    closure = needs(nb)
    assert "lstm_step_forward" not in closure["lstm_step_backward"]
    assert required(cell(nb, "test_lstm_step_backward"), closure) == {
        "lstm_step_backward", "lstm_step_forward"}


# ------------------------------------------------------------------ one grading run

@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return new_course(tmp_path_factory, "assignments")


@pytest.fixture(scope="module")
def notebooks(course):
    """assignment -> (the instructor's notebook, the released one, the released file's text)."""
    found = {}
    for name in ASSIGNMENTS:
        path = course / "release" / name / f"{name}.ipynb"
        found[name] = (source(name), nbformat.read(path, 4), path.read_text())
    return found


def without_dh_next(ch02):
    code = right(ch02, "rnn_backward")
    wrong = code.replace("rnn_step_backward(dhs[:, t] + dh_next, cache[t])",
                         "rnn_step_backward(dhs[:, t], cache[t])")
    assert wrong != code
    return wrong


def gradient_ascent(ch02):
    code = right(ch02, "train_hello")
    wrong = code.replace("trained[name] -= eta * grads[name]", "trained[name] += eta * grads[name]")
    assert wrong != code
    return wrong


ENDLESS = """
    def numerical_gradient(f, x, eps=1e-6):
        while True:             # never ends, and swallows the interrupt meant to stop it
            try:
                pass
            except KeyboardInterrupt:
                pass
    """

CH02 = {   # student -> (solution cells replaced, the points each graded cell must give)
    # ex. 1, 3, 5 right; ex. 2 forgets dh_next (so ex. 5, which calls it, fails); ex. 4 untouched
    "mixed": (lambda nb: {"rnn_step_backward": right(nb, "rnn_step_backward"),
                          "rnn_backward": without_dh_next(nb),
                          "softmax_cross_entropy": right(nb, "softmax_cross_entropy"),
                          "train_hello": right(nb, "train_hello")},
              {"test_rnn_step_backward": 2, "test_softmax_cross_entropy": 2}),
    # ex. 1-3 right; ex. 4 loops forever; ex. 5 climbs the loss
    "endless": (lambda nb: {**{f: right(nb, f) for f in ["rnn_step_backward", "rnn_backward",
                                                         "softmax_cross_entropy"]},
                            "numerical_gradient": ENDLESS, "train_hello": gradient_ascent(nb)},
                {"test_rnn_step_backward": 2, "test_rnn_backward": 3,
                 "test_softmax_cross_entropy": 2}),
}


@pytest.fixture(scope="module")
def graded(course, notebooks):
    handins = {}
    for name, (solutions, released, _) in notebooks.items():
        handins[name, "reference"] = solutions
        handins[name, "untouched"] = released
        handins[name, "half"] = submission(released, {s: right(solutions, s)
                                                      for s in half_solved(solutions)})
    solutions, released, _ = notebooks["ch02"]
    for student, (code, _) in CH02.items():
        handins["ch02", student] = submission(released, code(solutions))
    return grade(course, handins, CELL_TIMEOUT=10, SUBMISSION_LIMIT=120)


def assert_scores(graded, assignment, student, expected):
    """Every graded cell scores as expected, and grades.csv sums them out of the maximum."""
    assert graded.scores(student, assignment) == {k: float(v) for k, v in expected.items()}
    row = graded.csv(assignment)[student]
    assert float(row["score"]) == sum(expected.values())
    assert float(row["max_score"]) == sum(points(source(assignment)).values())


def cell_errors(nb, grade_id):
    return [o.evalue for o in cell(nb, grade_id).outputs if o.output_type == "error"]


# ------------------------------------------------------------------ every assignment

@slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solution_code_and_no_hidden_tests(notebooks, assignment):
    solutions, released, text = notebooks[assignment]
    assert assert_release_is_clean(solutions, released, text), "no solution or hidden test?"


@slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_gets_full_marks_and_no_cell_fails(graded, assignment):
    assert_scores(graded, assignment, "reference", points(source(assignment)))
    nb = graded.autograded("reference", assignment)
    failing = [(c.id, o.evalue) for c in nb.cells if c.cell_type == "code"
               for o in c.outputs if o.output_type == "error"]
    assert not failing, f"cells of the reference solution fail: {failing}"


@slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_gets_zero_and_each_test_says_not_written_yet(graded, assignment):
    nb = source(assignment)
    assert_scores(graded, assignment, "untouched", dict.fromkeys(points(nb), 0))
    autograded = graded.autograded("untouched", assignment)
    for c in nbgrader_cells(nb, "grade"):
        message = f"{function_under_test(c)} is not written yet: it still raises NotImplementedError"
        assert any(message in e for e in cell_errors(autograded, c.metadata.nbgrader["grade_id"]))
        assert message in graded.feedback("untouched", assignment)


@slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_half_solved_notebook_gets_exactly_the_points_it_earned(graded, assignment):
    nb = source(assignment)
    expected = earned(nb, half_solved(nb))
    assert 0 < sum(expected.values()) < sum(points(nb).values())
    assert_scores(graded, assignment, "half", expected)


@slow
def test_grading_run_grades_everyone_and_no_submission_hangs(graded):
    # grade() asserted that make grade exited 0: every hand-in could be graded
    assert "NOT GRADED" not in graded.output and "graded only in part" not in graded.output, \
        graded.output
    students = ["reference", "untouched", "half"]
    for name in ASSIGNMENTS:
        for student in students + (list(CH02) if name == "ch02" else []):
            assert re.search(rf"^graded {student}/{name}: [\d.]+ / [\d.]+ points \([\d.]+ s\)$",
                             graded.output, re.M), (student, name)
    # three cells call the endless numerical_gradient; each call is stopped after 5 s
    seconds = float(re.search(r"^graded endless/ch02: .* \(([\d.]+) s\)$", graded.output,
                              re.M).group(1))
    assert seconds < 60


# ------------------------------------------------------------------ chapter 2

@slow
@pytest.mark.parametrize("student", sorted(CH02))
def test_ch02_submission_gets_exactly_the_points_it_earned(graded, student):
    expected = {name: CH02[student][1].get(name, 0) for name in CH02_POINTS}
    assert_scores(graded, "ch02", student, expected)


@slow
def test_ch02_wrong_answer_names_output_time_step_expected_and_got(graded):
    text = graded.feedback("mixed", "ch02")
    block = text[text.index("Exercise 2 (rnn_backward)"):]
    assert re.search(r"dx is wrong \(test case B=\d, T=\d, D=\d, H=\d\)", block)
    assert re.search(r"First wrong entry: dx\[\d, \d, \d\] \(example \d, time step \d, "
                     r"input unit \d\)", block)
    assert re.search(r"expected +-?\d\.\d+", block) and re.search(r"got +-?\d\.\d+", block)
    # the last step has no dh_next to forget, so it is right
    assert re.search(r"Wrong at time step\(s\) 0(, \d| to \d)?; right at every other time "
                     r"step\.", block)
    assert "Your result for dx is exactly what you get if dh_next is not added" in block
    # training calls the wrong rnn_backward: its test fails and points back to exercise 2
    nb = graded.autograded("mixed", "ch02")
    [train] = cell_errors(nb, "test_train_hello")
    assert re.search(r"trained\['\w+'\] is wrong \(test case starting weights with H=\d", train)
    assert "Exercise 2 (rnn_backward) failed its own tests too" in train
    [untouched] = cell_errors(nb, "test_numerical_gradient")
    assert "numerical_gradient is not written yet" in untouched


@slow
def test_ch02_endless_loop_is_stopped_and_the_rest_is_graded(graded):
    nb = graded.autograded("endless", "ch02")
    [stopped] = cell_errors(nb, "test_numerical_gradient")
    assert "numerical_gradient was stopped after 5 s: it never finished" in stopped
    [ascent] = cell_errors(nb, "test_train_hello")
    assert "Your result for trained['U'] is exactly what you get if the gradient is added " \
           "(θ ← θ + η ∂L/∂θ) instead of subtracted" in ascent
