"""rnnkit.grading's checks, and `make grade` end to end on chapter 1, cheating included.

The first tests call the checks and the sandbox check directly. The rest run `make
assignments` and `make grade` on a temporary copy of the course (never the repository's own
release/ or submitted/). One `make grade` run grades every kind of hand-in at once: the
reference, the untouched release, wrong answers, endless loops, errors, edited and deleted
cells, hand-ins that cannot be graded (empty, not JSON, misnamed, another assignment's), and
one cheat of each kind (tests/grading_cheats.py): reading the instructor's files, writing
outside its folder, leaving processes behind, the network, rnnkit's own reference, a 6 GB
allocation, and six ways to defeat the checks. Each cheat must score exactly what its honest
code earns. That the cheats are real is shown beside: graded the stock way (hidden tests in
the notebook's own interpreter) the check-defeating ones earn more, and
test_grading_unsandboxed.py runs the others with SANDBOX=none, where they get through.
A second run on a fresh course grades a hand-in that ignores every interrupt, which only the
per-hand-in time limit stops. Manual grades and incremental runs: test_grading_regrade.py.
What every assignment must pass (chapter 1's included) is in test_assignments.py.
"""
import copy
import hashlib
import importlib
import os
import re
import time
import uuid

import nbformat
import numpy as np
import pytest
from grading_cheats import (AFTER_HOG, MEMORY_HOG, MEMORY_HOG_3GB, NOISY_CELL, NOISY_STEP,
                            POINTS, WHERE, WRONG, Listener, all_right, check_cheats, copycat,
                            exec_source, network_cell, one_right, printed, processes_with,
                            reader_cell, spawner_cell, stock_points, writer_cell)
from grading_course import (REPO, assert_release_is_clean, cell, grade, gradebook, hand_in,
                            make, nbgrader_cells, new_course, points, right, submission)

from rnnkit import grading
from rnnkit.grading import autograde, judge, sandbox

slow = pytest.mark.slow

CELL_TIMEOUT = 10   # per cell; rnnkit.grading.call stops a looping function after 5 s


# ------------------------------------------------------------------ the checks themselves

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


def test_check_array_takes_no_placeholder_for_an_answer():
    # what the wire cannot carry (a function, an object of an unknown class) comes back as
    # an Opaque placeholder: never a right answer, whatever it claims to be
    opaque = grading.wire.Opaque("Cheat", "array([1., 1., 1.])")
    with pytest.raises(grading.WrongAnswer, match="h should be an array of numbers"):
        grading.check_array("h", opaque, np.ones(3), axes=("unit",))


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


def test_call_says_when_a_function_imports_an_rnnkit_module_that_is_switched_off():
    def one_hot(indices, n):
        return importlib.import_module("rnnkit.no_such_module").one_hot(indices, n)
    with pytest.raises(grading.WrongAnswer, match="one_hot imports rnnkit.no_such_module, which "
                                                  "is switched off while notebooks are graded"):
        grading.call(one_hot, np.arange(3), 3)


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


def test_a_later_exercise_points_back_to_a_failed_one():
    with pytest.raises(grading.WrongAnswer):
        with grading.graded("Exercise 1 (f)"):
            grading.check_array("h", np.zeros(1), np.ones(1), axes=("unit",))
    with pytest.raises(grading.WrongAnswer, match=r"Exercise 1 \(f\) failed its own tests too"):
        with grading.graded("Exercise 2 (g)", builds_on=["Exercise 1 (f)"]):
            grading.check_array("h", np.zeros(1), np.ones(1), axes=("unit",))


# ------------------------------------------------------------------ no sandbox, no grading

def test_without_bwrap_grading_refuses_and_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(sandbox.SandboxUnavailable) as e:
        sandbox.check("bwrap")
    assert "sudo apt-get install bubblewrap" in str(e.value)
    assert "sudo dnf install bubblewrap" in str(e.value)
    assert "SANDBOX=none" in str(e.value)
    sandbox.check("none")     # the instructor's explicit choice needs nothing
    with pytest.raises(sandbox.SandboxUnavailable, match="unknown sandbox 'docker'"):
        sandbox.check("docker")


def test_make_grade_refuses_before_touching_anything_without_bwrap(monkeypatch, tmp_path,
                                                                  capsys):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name, *a, **k: None)
    monkeypatch.chdir(tmp_path)
    assert autograde.main(["--sandbox", "bwrap"]) == 2
    err = capsys.readouterr().err
    assert "make grade refuses to run: bubblewrap (bwrap) is not installed" in err
    assert "apt-get install bubblewrap" in err
    assert list(tmp_path.iterdir()) == []       # no state, no gradebook, nothing


def test_bwrap_is_here_and_works():
    # the end-to-end tests below rely on it: make grade must not be refusing on this machine
    sandbox.check("bwrap")


# ------------------------------------------------------------------ the hand-ins

def edited_test_cell(nb):
    test = cell(nb, "test_softmax")
    test.source = 'print("All tests passed!")'
    test.metadata["nbgrader"]["points"] = 50
    return nb


def pasted(solutions):
    """The reference plus a graded cell pasted from another notebook, claiming 5 points."""
    nb = copy.deepcopy(solutions)
    extra = nbformat.v4.new_code_cell('print("pasted from a classmate\'s notebook")')
    extra.metadata["nbgrader"] = {"grade": True, "grade_id": "test_from_elsewhere",
                                  "locked": True, "points": 5, "schema_version": 3,
                                  "solution": False, "task": False}
    nb.cells.insert(5, extra)
    return nb


def honest(solutions, released):
    """Hand-ins without cheats: right, wrong, unfinished, looping, edited."""
    all_but_softmax = {n: right(solutions, n) for n in WRONG if n != "softmax"}
    return {
        "reference": solutions,
        "untouched": released,
        "one_right": one_right(solutions, released),
        # A loop that swallows KeyboardInterrupt: grading.call's own time limit stops it.
        "endless": submission(released, {**all_but_softmax, "softmax": """
            def softmax(z, axis=-1):
                while True:
                    try:
                        pass
                    except KeyboardInterrupt:
                        pass
            """}),
        # A loop outside any test: the per-cell timeout interrupts it.
        "endless_cell": submission(released, {**all_but_softmax, "softmax": """
            while True:
                pass
            """}),
        "raises": submission(released, {**all_but_softmax, "softmax": """
            def softmax(z, axis=-1):
                e = np.exp(z - z.max(axis=axis, keepdim=True))
                return e / e.sum(axis=axis, keepdims=True)
            """}),
        "edited_test": edited_test_cell(submission(released, {**all_but_softmax,
                                                              "softmax": WRONG["softmax"]})),
        "deleted_tests": submission(released, {**all_but_softmax, "softmax": WRONG["softmax"]},
                                    delete=["test_softmax", "test_one_hot", "hello_data"]),
        # the cell before the test is gone too
        "deleted_pair": submission(released, {n: right(solutions, n) for n in WRONG},
                                   delete=["rnn_step_forward", "test_rnn_step_forward"]),
        "pasted": pasted(solutions),
    }


def cheats(course, solutions, released, port, marker):
    """One hand-in per kind of cheat (see grading_cheats.py)."""
    return {
        "reader": one_right(solutions, released, [reader_cell(course, "reference")]),
        "writer": one_right(solutions, released, [writer_cell(
            course, "reference", remove=["gradebook.db", "solutions/ch01/ch01.ipynb",
                                         "release/ch01/ch01.ipynb"])]),
        "spawner": one_right(solutions, released, [WHERE, spawner_cell(course, marker)]),
        "network": one_right(solutions, released, [network_cell(port)]),
        "copycat": submission(released, {**copycat(),
                                         "hello_forward": right(solutions, "hello_forward")}),
        "exec_source": all_right(solutions, released, code={"softmax": exec_source()}),
        "hog": all_right(solutions, released, [MEMORY_HOG, MEMORY_HOG_3GB, AFTER_HOG]),
        "noisy": all_right(solutions, released, [NOISY_CELL],
                           code={"rnn_step_forward": NOISY_STEP}),
        **check_cheats(solutions, released),
    }


FULL = POINTS
STEP = {"test_rnn_step_forward": 2}
ALL_BUT_SOFTMAX = {k: v for k, v in POINTS.items() if k != "test_softmax"}
EXPECTED = {
    "reference": FULL,
    "untouched": {},
    "one_right": STEP,
    "endless": ALL_BUT_SOFTMAX,
    "endless_cell": ALL_BUT_SOFTMAX,
    "raises": ALL_BUT_SOFTMAX,
    "edited_test": ALL_BUT_SOFTMAX,
    "deleted_tests": ALL_BUT_SOFTMAX,
    "deleted_pair": {"test_one_hot": 1, "test_softmax": 2},
    "pasted": FULL,
    # each cheat: exactly what its honest code earns
    "reader": STEP,
    "writer": STEP,
    "spawner": STEP,
    "network": STEP,
    "copycat": {},           # hello_forward is honest, but calls the copied functions
    "exec_source": ALL_BUT_SOFTMAX,
    "hog": FULL,
    "noisy": FULL,
    "fake_check_array": STEP,
    "fake_module": STEP,
    "fake_numpy": STEP,
    "fake_import": STEP,
    "transformer": STEP,
    "tracer": STEP,
    "peeker": STEP,
}
CHECK_CHEATS = ["fake_check_array", "fake_module", "fake_numpy", "fake_import", "transformer",
                "tracer", "peeker"]

# hand-ins that cannot be graded: student -> (file name, content, what the reason says)
UNGRADABLE = {
    "empty": ("ch01.ipynb", b"", "ch01.ipynb is empty"),
    "garbled": ("ch01.ipynb", b'{"cells": [', "ch01.ipynb is not a valid notebook"),
    "misnamed": ("ch1.ipynb", None, "wrong file name: the hand-in holds ch1.ipynb, but this "
                                    "assignment's notebook must be named ch01.ipynb"),
    "mixup": ("ch01.ipynb", "ch02", "ch01.ipynb is the notebook of ch02, not of ch01"),
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
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def marker():
    """A number no other process has in its command line: `sleep <marker>` is the cheat's."""
    value = f"299.{uuid.uuid4().int % 10**12:012d}"
    yield value
    for pid in processes_with(value):     # only if a test failed: leave nothing behind
        os.kill(pid, 9)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


KEPT = ["solutions/ch01/ch01.ipynb", "release/ch01/ch01.ipynb",
        "submitted/reference/ch01/ch01.ipynb"]


@pytest.fixture(scope="module")
def graded(course, solutions, released, listener, marker):
    handins = {**honest(solutions, released),
               **cheats(course, solutions, released, listener.port, marker)}
    hand_in(course, {("ch01", student): nb for student, nb in handins.items()})
    for student, (name, content, _) in UNGRADABLE.items():
        folder = course / "submitted" / student / "ch01"
        folder.mkdir(parents=True)
        if content is None:
            content = nbformat.writes(solutions).encode()
        elif content == "ch02":
            content = (course / "release" / "ch02" / "ch02.ipynb").read_bytes()
        (folder / name).write_bytes(content)
    before = {name: digest(course / name) for name in KEPT}
    before["gradebook inode"] = (course / "gradebook.db").stat().st_ino
    result = grade(course, {}, assignment="ch01", status=1, CELL_TIMEOUT=CELL_TIMEOUT,
                   SUBMISSION_LIMIT=120)
    result.before = before
    return result


# ------------------------------------------------------------------ the release

@slow
def test_release_is_where_the_book_links_it(course):
    assert (course / "release" / "ch01" / "ch01.ipynb").is_file()


@slow
def test_release_has_no_solution_code_and_no_hidden_tests(solutions, released, course):
    text = (course / "release" / "ch01" / "ch01.ipynb").read_text()
    secret = assert_release_is_clean(solutions, released, text)
    assert len(secret) > 50, "the source notebook should hold solutions and hidden tests"
    for reference in ["from rnnkit.rnn", "from rnnkit.functional"]:
        assert reference not in text
    stubs = [c for c in nbgrader_cells(released, "solution")
             if "raise NotImplementedError()" in c.source]
    assert len(stubs) == 5
    # every graded cell survives, locked, with its points
    assert points(released) == POINTS


# ------------------------------------------------------------------ scores

@slow
@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_hand_in_scores_exactly_what_its_honest_code_earned(graded, student):
    expected = {name: float(EXPECTED[student].get(name, 0)) for name in POINTS}
    assert graded.scores(student) == expected
    row = graded.csv()[student]
    assert float(row["score"]) == sum(expected.values())
    assert float(row["max_score"]) == 10.0
    assert re.search(rf"^graded {student}/ch01: {sum(expected.values()):g} / 10 points",
                     graded.output, re.M)


@slow
def test_grading_run_grades_everyone_and_ends_in_time(graded):
    for student in EXPECTED:
        assert f"graded {student}/ch01" in graded.output
    # the endless loops were each cut off by a time limit, not waited out
    assert graded.elapsed < 300, graded.elapsed


@slow
def test_reference_feedback_is_clean(graded):
    text = graded.feedback("reference")
    assert "WrongAnswer" not in text and "GradingError" not in text
    nb = graded.autograded("reference")
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]


@slow
def test_hidden_tests_stay_off_the_graded_notebook_and_the_feedback(graded, solutions):
    secret = "from rnnkit.rnn import rnn_step_forward as reference"
    assert secret in right(solutions, "test_rnn_step_forward")
    for student in ["reference", "one_right"]:
        assert secret not in graded.feedback(student)
        text = (graded.course / "autograded" / student / "ch01" / "ch01.ipynb").read_text()
        assert secret not in text and "BEGIN HIDDEN TESTS" not in text


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
    # a later exercise that builds on a failed one points back to it
    assert "Exercise 2 (rnn_forward) and Exercise 3 (one_hot) failed its own tests too" in text


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
    assert "All tests passed!" not in test.source
    assert 'grading.need_function(globals(), "softmax")' in test.source
    assert test.metadata.nbgrader["points"] == 2
    assert any(o.output_type == "error" and o.ename == "WrongAnswer" for o in test.outputs)


@slow
def test_deleted_test_cells_are_put_back_and_run(graded):
    nb = graded.autograded("deleted_tests")
    softmax_test, one_hot_test = cell(nb, "test_softmax"), cell(nb, "test_one_hot")
    assert any(o.output_type == "error" and "Exercise 4 (softmax): softmax(z) is wrong"
               in o.evalue for o in softmax_test.outputs)
    # run, not skipped: the restored test of a right one_hot passed and earned its point
    assert not [o for o in one_hot_test.outputs if o.output_type == "error"]
    assert graded.scores("deleted_tests")["test_one_hot"] == 1
    # so was the locked cell with the given weights: hello_forward, which needs them, passed
    assert "VOCAB = " in cell(nb, "hello_data").source
    assert graded.scores("deleted_tests")["test_hello_forward"] == 2
    assert "cell 'test_softmax' was deleted: the instructor's copy is put back" in graded.output
    # a test cell deleted together with the solution cell before it is put back as well
    pair = graded.autograded("deleted_pair")
    assert any(o.output_type == "error" and "defines no `rnn_step_forward`" in o.evalue
               for o in cell(pair, "test_rnn_step_forward").outputs)


# ------------------------------------------------------------------ hand-ins not graded

@slow
def test_a_run_with_hand_ins_that_cannot_be_graded_exits_1_and_grades_the_others(graded):
    # grade() asserted `make grade` ended with status 1; everyone else was graded
    assert all(f"graded {student}/ch01" in graded.output for student in EXPECTED)
    summary = graded.output[graded.output.index("hand-in(s) could not be graded"):]
    for student, (_, _, reason) in UNGRADABLE.items():
        assert f"NOT GRADED {student}/ch01: {reason}" in graded.output
        assert f"{student}/ch01: {reason}" in summary


@slow
@pytest.mark.parametrize("student", sorted(UNGRADABLE))
def test_a_hand_in_that_cannot_be_graded_scores_0_is_flagged_and_told_why(graded, student):
    reason = UNGRADABLE[student][2]
    assert set(graded.scores(student).values()) == {0.0}
    with gradebook(graded.course) as gb:
        assert gb.find_submission_notebook("ch01", "ch01", student).needs_manual_grade
    page = graded.feedback(student)
    assert "your hand-in was not graded automatically" in page
    assert reason[:1].upper() + reason[1:] in page
    assert not (graded.course / "autograded" / student / "ch01").exists()


@slow
def test_a_pasted_cell_runs_as_an_ordinary_cell_and_earns_nothing(graded):
    assert "cell 'test_from_elsewhere' is not a cell of this assignment (pasted from " \
           "elsewhere?): it runs as an ordinary cell" in graded.output
    nb = graded.autograded("pasted")
    ran = [c for c in nb.cells if "pasted from a classmate" in c.source]
    assert len(ran) == 1 and "nbgrader" not in ran[0].metadata
    assert "pasted from a classmate's notebook" in ran[0].outputs[0].text
    assert "test_from_elsewhere" not in graded.scores("pasted")


# ------------------------------------------------------------------ 1, 2: files

@slow
def test_a_hand_in_cannot_read_the_instructors_files_or_other_hand_ins(graded, course):
    seen = printed(graded.autograded("reader"), "CHEAT-READ")
    for path in [f"{course}/solutions/ch01/ch01.ipynb", f"{course}/gradebook.db",
                 f"{course}/submitted/reference/ch01/ch01.ipynb", "../../../gradebook.db",
                 f"{REPO}/solutions/ch01/ch01.ipynb", f"{REPO}/rnnkit/rnn.py"]:
        assert seen[path] in ("FileNotFoundError", "PermissionError"), (path, seen[path])
    # up the process tree: nothing there either
    assert any(p.startswith("/proc/") for p in seen)
    assert set(seen.values()) <= {"FileNotFoundError", "PermissionError"}, seen
    assert {name: digest(course / name) for name in KEPT} == \
        {name: graded.before[name] for name in KEPT}


@slow
def test_a_hand_in_cannot_delete_or_overwrite_anything_outside_its_folder(graded, course):
    tried = printed(graded.autograded("writer"), "CHEAT-WRITE")
    for action in ["remove gradebook.db", "remove solutions/ch01/ch01.ipynb",
                   "remove release/ch01/ch01.ipynb", "overwrite hand-in"]:
        assert tried[action] != "done", (action, tried)     # an OSError of some kind
    # the files are there, unchanged: the gradebook is still the same file
    assert {name: digest(course / name) for name in KEPT} == \
        {name: graded.before[name] for name in KEPT}
    assert (course / "gradebook.db").stat().st_ino == graded.before["gradebook inode"]
    assert not (course / "PWNED.txt").exists()
    assert "cheated" not in graded.feedback("reference")
    # and the victim's grades are its own
    assert graded.scores("reference") == {k: float(v) for k, v in POINTS.items()}


# ------------------------------------------------------------------ 3: processes

@slow
def test_no_process_a_hand_in_starts_outlives_its_grading(graded, course, marker):
    nb = graded.autograded("spawner")
    assert printed(nb, "CHEAT-SPAWN")["sleeper"] > 0       # the sleep did start
    run = printed(nb, "CHEAT-WHERE")["run"]
    assert "rnnkit-grading-" in run
    assert processes_with(run) == []            # bwrap, sh, the kernel: gone
    assert processes_with(marker) == []         # the sleep and the daemon: gone
    assert not (course / "LATE.txt").exists()


# ------------------------------------------------------------------ 4: rnnkit's reference

@slow
def test_rnnkit_s_own_reference_is_out_of_reach_by_every_route(graded):
    text = graded.feedback("copycat")
    # the real package loaded from its files: they are not there
    assert "rnn_step_forward raised FileNotFoundError" in text
    assert f"No such file or directory: '{REPO}/rnnkit/__init__.py'" in text
    # a reload, an import, the package pointed at the real folder: the modules are missing
    for name, module in [("rnn_forward", "rnnkit.rnn"), ("one_hot", "rnnkit.functional"),
                         ("softmax", "rnnkit.functional")]:
        assert f"{name} imports {module}, which is switched off while notebooks are graded" \
            in text
    source = graded.feedback("exec_source")
    assert "softmax raised FileNotFoundError" in source
    assert f"No such file or directory: '{REPO}/rnnkit/functional.py'" in source


# ------------------------------------------------------------------ 5: the checks

@slow
@pytest.mark.parametrize("student", ["fake_check_array", "fake_module", "fake_numpy",
                                     "transformer", "tracer"])
def test_a_cheat_on_the_checks_works_in_the_kernel_yet_changes_no_score(graded, student):
    """The cheat is live in the kernel: the self-check of a wrong rnn_forward passes there.
    The hidden tests, run by the grader, still fail it."""
    nb = graded.autograded(student)
    said = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "Exercise 2 self-check passed: hs is right for this example." in said
    assert graded.scores(student)["test_rnn_forward"] == 0
    [error] = [o.evalue for o in cell(nb, "test_rnn_forward").outputs
               if o.output_type == "error"]
    assert "hs is wrong" in error


@slow
def test_the_cheats_on_the_checks_work_when_the_tests_run_in_the_notebook(
        solutions, released, course, graded, tmp_path):
    """Graded the stock way, with the hidden tests in the notebook's own interpreter, each
    cheat passes the wrong rnn_forward; make grade gives each what its honest code earns."""
    handins = {"reference": solutions, "one_right": one_right(solutions, released),
               **check_cheats(solutions, released)}
    source = judge.Source.read(course / "solutions" / "ch01" / "ch01.ipynb")
    stock = stock_points(source, handins, tmp_path)
    assert sum(stock["reference"].values()) == 10 and sum(stock["one_right"].values()) == 2
    for student in CHECK_CHEATS:
        assert stock[student]["test_rnn_forward"] == 3, (student, stock[student])
        assert sum(stock[student].values()) >= 9, (student, stock[student])
        assert sum(graded.scores(student).values()) == 2


# ------------------------------------------------------------------ 6, 7, 8

@slow
def test_a_hand_in_has_no_network(graded, listener):
    outcome = printed(graded.autograded("network"), "CHEAT-NET")
    assert outcome.endswith("Error"), outcome     # ConnectionRefusedError: nobody there
    assert listener.received == []


@slow
def test_a_huge_allocation_fails_with_memory_error_and_the_rest_is_graded(graded):
    nb = graded.autograded("hog")
    for size in ["6e9", "3e9"]:         # 3 GB: more than MEMORY, which alone stops it
        [hog] = [c for c in nb.cells if f"np.ones(int({size} / 8))" in c.source]
        assert [o.ename for o in hog.outputs if o.output_type == "error"] == ["MemoryError"]
    assert printed(nb, "CHEAT-ALIVE") == "the kernel still runs"
    assert "graded hog/ch01: 10 / 10 points" in graded.output


@slow
def test_stderr_and_warnings_of_a_right_function_cost_nothing(graded):
    nb = graded.autograded("noisy")
    said = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "debugging rnn_step_forward" in said and "a warning of the student's own" in said
    assert graded.scores("noisy") == {k: float(v) for k, v in POINTS.items()}


# ------------------------------------------------------------------ the hard time limit

HOSTILE = """
import os, signal
def rnn_step_forward(x, h_prev, U, W, b):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        try:
            sum(range(10**12))   # one long C call: no signal handler, no other thread runs
        except BaseException:
            pass
"""

@slow
def test_make_grade_on_a_fresh_course_stops_a_hand_in_that_ignores_interrupts(
        tmp_path_factory):
    """The instructor's notebooks come from a private copy outside the course, as the README
    says; the hand-in is stopped at SUBMISSION_LIMIT, keeps the points before, and its kernel
    is gone."""
    private = tmp_path_factory.mktemp("private") / "solutions"
    course = new_course(tmp_path_factory, "fresh", solutions=private)
    assert not (course / "solutions").exists()
    released = nbformat.read(course / "release" / "ch01" / "ch01.ipynb", 4)
    hand_in(course, {("ch01", "hostile"): submission(
        released, {"rnn_step_forward": HOSTILE}, insert=[(2, WHERE)])})

    limit = 10
    output, elapsed = make(course, "grade", timeout=300, CELL_TIMEOUT=600,
                           SUBMISSION_LIMIT=limit, SOLUTIONS=private)

    found = re.search(r"graded hostile/ch01: 0 / 10 points \(([\d.]+) s\); the hand-in "
                      r"reached the time limit of 10 s while running cell \d+", output)
    assert found, output
    # stopped at the limit, not at CELL_TIMEOUT (600 s): the margin is for a loaded machine
    assert float(found.group(1)) < limit + 30
    assert elapsed < 200
    nb = nbformat.read(course / "autograded" / "hostile" / "ch01" / "ch01.ipynb", 4)
    run = printed(nb, "CHEAT-WHERE")["run"]
    assert "rnnkit-grading-" in run
    assert processes_with(run) == []        # the kernel was killed, not left spinning
    page = (course / "feedback" / "hostile" / "ch01" / "ch01.html").read_text()
    assert "rnn_step_forward could not be run: the hand-in reached the time limit" in page
