"""rnnkit.grading, and the graded-notebook pipeline end to end.

The first tests call the checks directly. The rest run `make assignments` and `make grade`,
which drive the real nbgrader commands, on a temporary copy of the course (never the
repository's own release/ or submitted/, so parallel runs cannot collide). One `make grade`
run grades every kind of submission at once (the reference, the untouched release, wrong
answers, endless loops, errors, edited and deleted cells, tampering, calls to rnnkit's own
functions); a second run on a fresh course grades a submission that ignores every interrupt,
which only the per-submission time limit can stop, and one nbgrader cannot read.
What every assignment must pass (chapter 1's included) is in test_assignments.py.
"""
import csv
import inspect
import os
import re
import time
import warnings

import nbformat
import numpy as np
import pytest
from grading_course import (assert_release_is_clean, cell, grade, gradebook, make,
                            nbgrader_cells, new_course, points, right, submission)

import rnnkit.functional
from rnnkit import grading
from rnnkit.functional import softmax as aliased_softmax

slow = pytest.mark.slow

POINTS = {"test_rnn_step_forward": 2, "test_rnn_forward": 3, "test_one_hot": 1,
          "test_softmax": 2, "test_hello_forward": 2}
CELL_TIMEOUT = 10   # per cell; rnnkit.grading.call stops a looping function after 5 s


# ------------------------------------------------------------------ the checks themselves

@pytest.fixture
def clean_tampering():
    yield
    grading.restore_tampered()
    grading._tampered.clear()


def test_check_array_names_output_position_expected_and_got():
    expected = np.zeros((2, 3, 4))
    got = expected.copy()
    got[1, 2, 3] = 0.5
    grading.check_array("hs", expected.copy(), expected, axes=("example", "time step", "unit"))
    with pytest.raises(grading.WrongAnswer) as e:
        grading.check_array("hs", got, expected, axes=("example", "time step", "unit"),
                            case="B=2")
    msg = str(e.value)
    assert "hs is wrong (test case B=2)" in msg
    assert "hs[1, 2, 3] (example 1, time step 2, unit 3)" in msg
    assert re.search(r"expected +0\n +got +0\.5", msg)
    assert "Time steps 0 to 1 are right; the first wrong time step is 2" in msg


def test_check_array_counts_wrong_entries_only_when_there_are_several():
    with pytest.raises(grading.WrongAnswer) as e:
        grading.check_array("loss", np.array(2.5), np.array(1.5), axes=())
    assert re.search(r"expected +1\.5\n +got +2\.5$", str(e.value))
    with pytest.raises(grading.WrongAnswer, match="All 3 entries are wrong"):
        grading.check_array("h", np.zeros(3), np.ones(3), axes=("unit",))
    with pytest.raises(grading.WrongAnswer, match="1 of 3 entries are wrong"):
        grading.check_array("h", np.array([1.0, 0.0, 1.0]), np.ones(3), axes=("unit",))
    losses = np.arange(40.0)
    slipped = losses.copy()
    slipped[[2, 3, 4, 5, 9, 10, 20, 22, 24, 26, 28, 30]] += 1
    with pytest.raises(grading.WrongAnswer, match=r"Wrong at update\(s\) 2 to 5, 9, 10, 20, 22, "
                                                  r"24, 26 and 2 more stretches; right at every "
                                                  r"other update\.$"):
        grading.check_array("losses", slipped, losses, axes=("update",))


def test_check_array_explains_shapes_dtypes_nans_and_known_mistakes():
    expected = np.ones((2, 3))
    with pytest.raises(grading.WrongAnswer, match=r"(?s)shape \(3, 2\) but should have shape "
                                                  r"\(2, 3\).*different order"):
        grading.check_array("h", np.ones((3, 2)), expected, axes=("example", "unit"))
    with pytest.raises(grading.WrongAnswer, match="holds int64 values"):
        grading.check_array("h", np.ones((2, 3), dtype=np.int64), expected, axes=("a", "b"))
    with pytest.raises(grading.WrongAnswer, match="contains NaN or inf. Subtract"):
        grading.check_array("p", np.full((2, 3), np.nan), expected, axes=("a", "b"),
                            nan_hint="Subtract the maximum.")
    with pytest.raises(grading.WrongAnswer, match="exactly what you get if the bias is left out"):
        grading.check_array("h", 2 * expected, expected, axes=("a", "b"),
                            mistakes={"W is transposed": 3 * expected,
                                      "the bias is left out": 2 * expected})
    with pytest.raises(grading.WrongAnswer, match="return"):
        grading.check_array("h", None, expected, axes=("a", "b"))


def test_call_blocks_rnnkit_under_every_alias_and_restores_it():
    z = np.array([[1.0, 2.0]])
    for student in [lambda z: rnnkit.functional.softmax(z), lambda z: aliased_softmax(z)]:
        with pytest.raises(grading.WrongAnswer, match="called rnnkit.functional.softmax, "
                                                      "rnnkit's own implementation"):
            grading.call(student, z)
    assert np.allclose(aliased_softmax(z), [[0.26894142, 0.73105858]])   # restored


def test_call_blocks_generator_functions_with_generator_stubs():
    # Python 3.13 deprecates giving a generator function a plain function's code.
    import rnnkit.lstm
    backwards = rnnkit.lstm._local_derivatives_backwards
    gates, cs, tanh_cs = np.full((2, 4, 1, 3), 0.5), np.zeros((3, 1, 3)), np.zeros((2, 1, 3))

    def student(gates):
        assert inspect.isgeneratorfunction(backwards)
        return list(backwards(gates, cs, tanh_cs))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(grading.WrongAnswer, match="called rnnkit.lstm._local_derivatives_"
                                                      "backwards, rnnkit's own implementation"):
            grading.call(student, gates)
    assert [t for t, _, _ in backwards(gates, cs, tanh_cs)] == [1, 0]      # restored


def test_call_reports_errors_missing_returns_and_unwritten_functions():
    def rnn_step_forward(x, h_prev):
        return x @ h_prev
    with pytest.raises(grading.WrongAnswer) as e:
        grading.call(rnn_step_forward, np.ones((2, 3)), np.ones((2, 4)))
    assert "rnn_step_forward raised ValueError" in str(e.value)
    assert "called with x an array of shape (2, 3) (float64), h_prev an array of shape " \
           "(2, 4) (float64)" in str(e.value)
    assert "from this line of your code: return x @ h_prev" in str(e.value)
    with pytest.raises(grading.WrongAnswer, match=r"must return 2 values, \(h, cache\)"):
        grading.call(lambda x: x, np.ones(2), returns=("h", "cache"))

    def softmax(z):
        raise NotImplementedError()
    with pytest.raises(grading.WrongAnswer, match="softmax is not written yet"):
        grading.call(softmax, np.ones(2))

    def cross_entropy(z, y):
        return -np.log(softmax(z)[y])
    with pytest.raises(grading.WrongAnswer, match="cross_entropy calls softmax, which is not "
                                                  r"written yet.*`raise NotImplementedError\(\)` "
                                                  "in softmax"):
        grading.call(cross_entropy, np.ones(2), 0)
    with pytest.raises(grading.WrongAnswer, match="defines no `softmax`"):
        grading.need_function({}, "softmax")


def test_call_hands_over_copies_unless_told_to_hand_over_the_arrays():
    def fill(a):
        a[0] = 1.0
    x = np.zeros(3)
    grading.call(fill, x)
    assert x[0] == 0.0      # the test's own inputs stay as they were
    grading.call(fill, x, copy_args=False)
    assert x[0] == 1.0      # e.g. a numerical gradient must perturb the array its f reads


def test_call_stops_an_endless_loop_that_swallows_interrupts():
    def softmax(z):
        while True:
            try:
                pass
            except KeyboardInterrupt:
                pass
    start = time.monotonic()
    with pytest.raises(grading.WrongAnswer, match="stopped after 0.3 s: it never finished"):
        grading.call(softmax, np.ones(2), time_limit=0.3)
    assert time.monotonic() - start < 5


def test_tampering_is_undone_and_reported(clean_tampering, capsys):
    original = np.allclose
    np.allclose = lambda *args, **kwargs: True
    np.testing.assert_allclose = lambda *args, **kwargs: None
    with pytest.raises(grading.WrongAnswer) as e:
        with grading.graded("Exercise 9"):
            grading.check_array("h", np.zeros(3), np.ones(3), axes=("unit",))
    assert np.allclose is original
    assert "Tampering seen: code in this notebook replaced np.allclose, " \
           "np.testing.assert_allclose." in str(e.value)
    with grading.graded("Exercise 10"):   # a right answer passes, and the note is printed
        grading.check_array("h", np.ones(3), np.ones(3), axes=("unit",))
    assert "Tampering seen" in capsys.readouterr().out


def test_a_later_exercise_points_back_to_a_failed_one(clean_tampering):
    with pytest.raises(grading.WrongAnswer):
        with grading.graded("Exercise 1 (f)"):
            grading.check_array("h", np.zeros(1), np.ones(1), axes=("unit",))
    with pytest.raises(grading.WrongAnswer, match=r"Exercise 1 \(f\) failed its own tests too"):
        with grading.graded("Exercise 2 (g)", builds_on=["Exercise 1 (f)"]):
            grading.check_array("h", np.zeros(1), np.ones(1), axes=("unit",))


# ------------------------------------------------------------------ building submissions

WRONG = {
    "rnn_step_forward": """
        def rnn_step_forward(x, h_prev, U, W, b):
            h = x @ U.T + h_prev @ W.T + b     # the tanh is missing
            return h, (x, h_prev, h, U, W)
        """,
    "rnn_forward": """
        def rnn_forward(x, h0, U, W, b):
            states = [rnn_step_forward(x[:, t], h0, U, W, b)[0] for t in range(x.shape[1])]
            return np.stack(states, axis=1), None   # every step starts from h0
        """,
    "one_hot": """
        def one_hot(indices, n):
            return (np.asarray(indices)[..., None] == np.arange(n)).astype(int)
        """,
    "softmax": """
        def softmax(z, axis=-1):
            e = np.exp(z)    # overflows for large scores
            return e / e.sum(axis=axis, keepdims=True)
        """,
    "hello_forward": """
        def hello_forward(U, W, b_h, V, b_o):
            x = np.eye(4)[[0, 1, 2, 2]]
            h, out = np.zeros(W.shape[0]), []
            for t in range(4):
                h = np.tanh(U @ x[t] + W @ h + b_h)
                s = V @ h + b_o
                out.append(np.exp(s) / np.exp(s).sum())   # probabilities, not scores
            return np.array(out)[None]
        """,
}


def all_but(solutions, name, replacement):
    code = {n: right(solutions, n) for n in WRONG}
    code[name] = replacement
    return code


def submissions(solutions, released):
    right_except_softmax = {n: right(solutions, n) for n in WRONG if n != "softmax"}
    return {
        "reference": solutions,
        "untouched": released,
        "one_right": submission(released, {**WRONG, "rnn_step_forward":
                                           right(solutions, "rnn_step_forward")}),
        # A loop that swallows KeyboardInterrupt: grading.call's own time limit stops it.
        "endless": submission(released, all_but(solutions, "softmax", """
            def softmax(z, axis=-1):
                while True:
                    try:
                        pass
                    except KeyboardInterrupt:
                        pass
            """)),
        # A loop outside any test: nbgrader's per-cell timeout interrupts it.
        "endless_cell": submission(released, all_but(solutions, "softmax", """
            while True:
                pass
            """)),
        "raises": submission(released, all_but(solutions, "softmax", """
            def softmax(z, axis=-1):
                e = np.exp(z - z.max(axis=axis, keepdim=True))
                return e / e.sum(axis=axis, keepdims=True)
            """)),
        "edited_test": edited_test_cell(submission(released, {**right_except_softmax,
                                                               "softmax": WRONG["softmax"]})),
        "deleted_tests": submission(released, {**right_except_softmax, "softmax": WRONG["softmax"]},
                                    delete=["test_softmax", "test_one_hot", "hello_data"]),
        # nbgrader's own restore crashes on this one (the cell before the test is gone too)
        "deleted_pair": submission(released, {**{n: right(solutions, n) for n in WRONG}},
                                   delete=["rnn_step_forward", "test_rnn_step_forward"]),
        "copycat": submission(released, {
            "rnn_step_forward": """
                from rnnkit.rnn import rnn_step_forward as step
                def rnn_step_forward(x, h_prev, U, W, b):
                    return step(x, h_prev, U, W, b)
                """,
            "rnn_forward": """
                import rnnkit
                def rnn_forward(x, h0, U, W, b):
                    return rnnkit.rnn.rnn_forward(x, h0, U, W, b)
                """,
            "one_hot": """
                from rnnkit import functional as F
                one_hot = F.one_hot
                """,
            "softmax": """
                import rnnkit.functional
                def softmax(z, axis=-1):
                    return rnnkit.functional.softmax(z, axis=axis)
                """,
            "hello_forward": right(solutions, "hello_forward"),
        }),
        "tamper_allclose": submission(released, WRONG, insert=[(2, """
            np.allclose = lambda *args, **kwargs: True
            np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, bool)
            """)]),
        # Before the locked first cell: only the capture at kernel start predates it.
        "tamper_testing": submission(released, {**WRONG, "rnn_step_forward":
                                                right(solutions, "rnn_step_forward")},
                                     insert=[(0, """
            import numpy
            numpy.testing.assert_allclose = lambda *args, **kwargs: None
            numpy.testing.assert_array_almost_equal = lambda *args, **kwargs: None
            """)]),
    }


def edited_test_cell(nb):
    test = cell(nb, "test_softmax")
    test.source = 'print("All tests passed!")'
    test.metadata["nbgrader"]["points"] = 50
    return nb


EXPECTED = {
    "reference": POINTS,
    "untouched": {},
    "one_right": {"test_rnn_step_forward": 2},
    "endless": {k: v for k, v in POINTS.items() if k != "test_softmax"},
    "endless_cell": {k: v for k, v in POINTS.items() if k != "test_softmax"},
    "raises": {k: v for k, v in POINTS.items() if k != "test_softmax"},
    "edited_test": {k: v for k, v in POINTS.items() if k != "test_softmax"},
    "deleted_tests": {k: v for k, v in POINTS.items() if k != "test_softmax"},
    "deleted_pair": {"test_one_hot": 1, "test_softmax": 2},
    "copycat": {},
    "tamper_allclose": {},
    "tamper_testing": {"test_rnn_step_forward": 2},
}


# ------------------------------------------------------------------ the grading run

@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return new_course(tmp_path_factory, "course")


@pytest.fixture(scope="module")
def solutions(course):
    return nbformat.read(course / "solutions" / "ch01" / "ch01.ipynb", 4)


@pytest.fixture(scope="module")
def released(course):
    return nbformat.read(course / "release" / "ch01" / "ch01.ipynb", 4)


@pytest.fixture(scope="module")
def graded(course, solutions, released):
    handins = {("ch01", student): nb for student, nb in submissions(solutions, released).items()}
    return grade(course, handins, assignment="ch01", CELL_TIMEOUT=CELL_TIMEOUT,
                 SUBMISSION_LIMIT=120)


# ------------------------------------------------------------------ the release

@slow
def test_release_is_where_the_book_links_it(course):
    assert (course / "release" / "ch01" / "ch01.ipynb").is_file()


@slow
def test_release_has_no_solution_code_and_no_hidden_tests(solutions, released, course):
    text = (course / "release" / "ch01" / "ch01.ipynb").read_text()
    secret = assert_release_is_clean(solutions, released, text)
    assert len(secret) > 50, "the source notebook should hold solutions and hidden tests"
    for marker in ["from rnnkit.rnn", "from rnnkit.functional"]:
        assert marker not in text
    stubs = [c for c in nbgrader_cells(released, "solution")
             if "raise NotImplementedError()" in c.source]
    assert len(stubs) == 5
    # every graded cell survives, locked, with its points
    assert points(released) == POINTS


# ------------------------------------------------------------------ scores

@slow
@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_scores_exactly_what_it_earned(graded, student):
    expected = {name: float(EXPECTED[student].get(name, 0)) for name in POINTS}
    assert graded.scores(student) == expected
    row = graded.csv()[student]
    assert float(row["score"]) == sum(expected.values())
    assert float(row["max_score"]) == 10.0


@slow
def test_grading_run_ends_in_time_and_grades_everyone(graded):
    assert "FAILED" not in graded.output
    for student in EXPECTED:
        assert f"graded {student}/ch01" in graded.output
    # the endless loops were each cut off by a time limit, not waited out
    assert graded.elapsed < 600


@slow
def test_reference_feedback_is_clean(graded):
    text = graded.feedback("reference")
    assert "WrongAnswer" not in text and "Tampering" not in text


@slow
def test_every_graded_cell_of_the_untouched_release_says_not_written_yet(graded):
    text = graded.feedback("untouched")
    for name in ["rnn_step_forward", "rnn_forward", "one_hot", "softmax", "hello_forward"]:
        assert f"{name} is not written yet: it still raises NotImplementedError" in text


# ------------------------------------------------------------------ feedback is a diagnosis

@slow
def test_wrong_answer_names_output_position_expected_and_got(graded):
    text = graded.feedback("one_right")
    block = text[text.index("Exercise 2 (rnn_forward)"):]
    assert re.search(r"hs is wrong \(test case B=\d, T=\d, D=\d, H=\d\)", block)
    assert re.search(r"First wrong entry: hs\[\d, [1-9], \d\] \(example \d, time step [1-9], "
                     r"hidden unit \d\)", block)
    assert re.search(r"expected +-?\d\.\d+", block) and re.search(r"got +-?\d\.\d+", block)
    assert "Time step 0 is right; the first wrong time step is 1" in block
    assert "Your result for hs is exactly what you get if every step starts again from h0 " \
           "instead of the previous step's h" in block
    assert "(sequence 0, time step 0 = input 'h', next character 0 = 'h')" in text
    assert "Your result for scores is exactly what you get if softmax was applied: return " \
           "the scores, not probabilities" in text
    wrong_step = graded.feedback("tamper_allclose")
    assert "Your result for h is exactly what you get if the tanh is left out" in wrong_step
    # a later exercise that builds on a failed one points back to it
    assert "Exercise 1 (rnn_step_forward) failed its own tests too" in wrong_step


@slow
def test_wrong_dtype_and_overflow_are_explained(graded):
    one_right = graded.feedback("one_right")
    assert "vectors holds int64 values" in one_right and ".astype(float)" in one_right
    assert "contains NaN or inf. np.exp overflows" in one_right


@slow
def test_error_in_student_code_names_error_inputs_and_line(graded):
    text = graded.feedback("raises")
    assert "softmax raised TypeError" in text and "keepdim" in text
    assert re.search(r"It was called with z an array of shape \(\d(, \d)*\) \(float64\)", text)
    assert "from this line of your code: e = np.exp(z - z.max(axis=axis, keepdim=True))" in text


@slow
def test_endless_loops_are_stopped_and_explained(graded):
    assert "softmax was stopped after 5 s: it never finished" in graded.feedback("endless")
    text = graded.feedback("endless_cell")
    assert "this notebook defines no `softmax`" in text
    assert "CellTimeoutError" in text or "KeyboardInterrupt" in text


@slow
def test_edited_test_cell_is_restored_and_run(graded):
    nb = graded.autograded("edited_test")
    test = cell(nb, "test_softmax")
    assert "### BEGIN HIDDEN TESTS" in test.source and "All tests passed!" not in test.source
    assert test.metadata.nbgrader["points"] == 2
    assert any(o.output_type == "error" and o.ename == "WrongAnswer" for o in test.outputs)


@slow
def test_deleted_test_cells_are_put_back_and_run(graded):
    nb = graded.autograded("deleted_tests")
    softmax_test, one_hot_test = cell(nb, "test_softmax"), cell(nb, "test_one_hot")
    assert "### BEGIN HIDDEN TESTS" in softmax_test.source
    assert any(o.output_type == "error" and "Exercise 4 (softmax): softmax(z) is wrong"
               in o.evalue for o in softmax_test.outputs)
    # run, not skipped: the restored test of a right one_hot passed and earned its point
    assert one_hot_test.execution_count is not None
    assert not [o for o in one_hot_test.outputs if o.output_type == "error"]
    assert graded.scores("deleted_tests")["test_one_hot"] == 1
    # so was the locked cell with the given weights: hello_forward, which needs them, passed
    assert "VOCAB = " in cell(nb, "hello_data").source
    assert graded.scores("deleted_tests")["test_hello_forward"] == 2
    # a test cell deleted together with the solution cell before it is put back as well
    pair = graded.autograded("deleted_pair")
    assert any(o.output_type == "error" and "defines no `rnn_step_forward`" in o.evalue
               for o in cell(pair, "test_rnn_step_forward").outputs)


@slow
def test_calling_rnnkit_instead_of_writing_the_function_earns_nothing(graded):
    text = graded.feedback("copycat")
    for called in ["rnnkit.rnn.rnn_step_forward", "rnnkit.rnn.rnn_forward",
                   "rnnkit.functional.one_hot", "rnnkit.functional.softmax"]:
        assert f"called {called}, rnnkit's own implementation" in text


@slow
@pytest.mark.parametrize("student, replaced", [
    ("tamper_allclose", "np.allclose, np.isclose"),
    ("tamper_testing", "np.testing.assert_allclose, np.testing.assert_array_almost_equal"),
])
def test_tampering_earns_nothing_and_is_reported(graded, student, replaced):
    text = graded.feedback(student)
    assert f"Tampering seen: code in this notebook replaced {replaced}." in text
    assert "WrongAnswer" in text


# ------------------------------------------------------------------ the hard time limit

HOSTILE = """
import os, signal
def rnn_step_forward(x, h_prev, U, W, b):
    open({pidfile!r}, "w").write(str(os.getpid()))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        try:
            sum(range(10**12))   # one long C call: no signal handler, no other thread runs
        except BaseException:
            pass
"""


@slow
def test_make_grade_on_a_fresh_course_stops_a_submission_that_ignores_interrupts(
        tmp_path_factory):
    """Also a notebook nbgrader cannot even read: both score 0 and are flagged, not lost. The
    instructor's notebooks come from a private copy outside the course, as the README says."""
    private = tmp_path_factory.mktemp("private") / "solutions"
    course = new_course(tmp_path_factory, "fresh", solutions=private)
    assert not (course / "solutions").exists()
    released = nbformat.read(course / "release" / "ch01" / "ch01.ipynb", 4)
    folder = course / "submitted" / "hostile" / "ch01"
    folder.mkdir(parents=True)
    pidfile = course / "hostile.pid"
    nbformat.write(submission(released, {"rnn_step_forward": HOSTILE.format(pidfile=str(pidfile))}),
                   folder / "ch01.ipynb")
    broken = course / "submitted" / "broken" / "ch01"
    broken.mkdir(parents=True)
    (broken / "ch01.ipynb").write_text('{"cells": [')

    limit = 10
    output, elapsed = make(course, "grade", timeout=300, CELL_TIMEOUT=600,
                           SUBMISSION_LIMIT=limit, SOLUTIONS=private)

    assert re.search(r"FAILED hostile/ch01 after 1[0-4] s: grading stopped at the time limit",
                     output), output
    assert elapsed < limit + 90   # assignments, export and feedback take the rest
    kernel = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(kernel, 0)        # the kernel was killed too, not left spinning
    grades = {row["student_id"]: row for row in csv.DictReader(open(course / "grades.csv"))}
    assert "FAILED broken/ch01" in output and "nbgrader could not grade this notebook" in output
    for student, reason in [("hostile", "time limit of 10 s"), ("broken", "could not grade")]:
        assert float(grades[student]["score"]) == 0.0
        page = (course / "feedback" / student / "ch01" / "ch01.html").read_text()
        assert "was not graded automatically" in page and reason in page
        with gradebook(course) as gb:
            nb = gb.find_submission_notebook("ch01", "ch01", student)
            assert nb.needs_manual_grade and nb.score == 0
