"""The cheats of test_grading.py are real: with SANDBOX=none they get through.

`make grade SANDBOX=none` is the instructor's explicit choice to grade without bubblewrap
(README: "with your rights"). The same cheating hand-ins that earn nothing in the sandbox
here read the instructor's files and the gradebook, delete and overwrite course files, leave
processes running, reach a server on the host and load rnnkit's reference from its files.
So each protection test_grading.py checks is the sandbox's doing, not the cheat's failing
for some other reason. What the sandbox-free run keeps (the memory cap, the rnnkit without
graded functions) still holds. The writes here aim at decoys, never at the files the run
itself needs, and the processes the cheats leave are killed as soon as they have been seen.
"""
import os
import signal
import uuid

import nbformat
import pytest
from grading_cheats import (Listener, all_right, command, copycat, exec_source, network_cell,
                            one_right, printed, processes_with, reader_cell, spawner_cell,
                            writer_cell)
from grading_course import REPO, Graded, hand_in, make, new_course, right, submission

slow = pytest.mark.slow

DECOY_PAGE = "<h1>the decoy's feedback page</h1>"


@pytest.fixture(scope="module")
def unsandboxed(tmp_path_factory):
    course = new_course(tmp_path_factory, "unsandboxed")
    solutions = nbformat.read(course / "solutions" / "ch01" / "ch01.ipynb", 4)
    released = nbformat.read(course / "release" / "ch01" / "ch01.ipynb", 4)
    marker = f"298.{uuid.uuid4().int % 10**12:012d}"
    listener = Listener()
    # decoys in place of the gradebook and of another student's hand-in and feedback page
    (course / "decoy.db").write_text("a decoy gradebook")
    decoy = course / "decoy" / "ch01"
    decoy.mkdir(parents=True)
    (decoy / "ch01.ipynb").write_text(nbformat.writes(solutions))
    (decoy / "ch01.html").write_text(DECOY_PAGE)
    (course / "feedback").mkdir()      # so that feedback/../decoy/ resolves from the start
    handins = {
        "reference": solutions,
        "reader": one_right(solutions, released, [reader_cell(course, "reference")]),
        # submitted/../decoy/ch01/: the decoy, not a hand-in of this run
        "writer": one_right(solutions, released, [writer_cell(
            course, "../decoy", remove=["decoy.db"], relative=False)]),
        "spawner": one_right(solutions, released, [spawner_cell(course, marker)]),
        "network": one_right(solutions, released, [network_cell(listener.port)]),
        "copycat": submission(released, {**copycat(),
                                         "hello_forward": right(solutions, "hello_forward")}),
        "exec_source": all_right(solutions, released, code={"softmax": exec_source()}),
    }
    hand_in(course, {("ch01", student): nb for student, nb in handins.items()})
    try:
        output, elapsed = make(course, "grade", timeout=600, SANDBOX="none", CELL_TIMEOUT=10,
                               SUBMISSION_LIMIT=120)
        left = [command(pid) for pid in processes_with(marker)]
        late = (course / "LATE.txt").exists()
    finally:
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)
        listener.close()
    graded = Graded(course, output, elapsed, "ch01")
    graded.left, graded.late, graded.received = left, late, listener.received
    graded.decoy = decoy
    return graded


@slow
def test_sandbox_none_grades_and_warns(unsandboxed):
    assert "WARNING: grading WITHOUT a sandbox (SANDBOX=none)" in unsandboxed.output
    assert "graded reference/ch01: 10 / 10 points" in unsandboxed.output


@slow
def test_without_the_sandbox_a_hand_in_reads_the_instructors_files(unsandboxed):
    course = unsandboxed.course
    seen = printed(unsandboxed.autograded("reader"), "CHEAT-READ")
    for path in [course / "solutions" / "ch01" / "ch01.ipynb",
                 course / "submitted" / "reference" / "ch01" / "ch01.ipynb",
                 REPO / "solutions" / "ch01" / "ch01.ipynb", REPO / "rnnkit" / "rnn.py"]:
        assert seen[str(path)] == path.stat().st_size, (path, seen[str(path)])
    assert isinstance(seen[str(course / "gradebook.db")], int)   # it grows while grading
    # found without knowing where the course is: the grader's working folder
    assert any(isinstance(size, int) for path, size in seen.items()
               if path.startswith("/proc/")), seen


@slow
def test_without_the_sandbox_a_hand_in_deletes_and_overwrites_course_files(unsandboxed):
    course = unsandboxed.course
    tried = printed(unsandboxed.autograded("writer"), "CHEAT-WRITE")
    assert tried == {"remove decoy.db": "done", "overwrite hand-in": "done",
                     "overwrite feedback": "done", "new file": "done"}
    assert not (course / "decoy.db").exists()
    assert (unsandboxed.decoy / "ch01.ipynb").read_text() == '{"cells": []}'
    assert (unsandboxed.decoy / "ch01.html").read_text() == "<h1>cheated</h1>"
    assert (course / "PWNED.txt").read_text() == "cheated"


@slow
def test_without_the_sandbox_a_hand_in_leaves_processes_running(unsandboxed):
    # the sleep and the daemon, killed since; the daemon kept writing into the course
    assert sorted(unsandboxed.left) == ["python", "sleep"], unsandboxed.left
    assert unsandboxed.late


@slow
def test_without_the_sandbox_a_hand_in_reaches_the_network(unsandboxed):
    assert printed(unsandboxed.autograded("network"), "CHEAT-NET") == "connected"
    assert unsandboxed.received == [b"a hand-in got through"]


@slow
def test_without_the_sandbox_rnnkit_s_reference_is_loaded_from_its_files(unsandboxed):
    scores = unsandboxed.scores("copycat")
    # from the real files: the package loaded under another name, the package's path
    # pointed at the real folder
    assert scores["test_rnn_step_forward"] == 2 and scores["test_softmax"] == 2
    # what the redacted rnnkit alone stops, it still stops
    assert scores["test_one_hot"] == 0
    assert unsandboxed.scores("exec_source")["test_softmax"] == 2
