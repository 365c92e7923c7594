"""nbgrader settings for the course: the course root is this repository.

Layout (nbgrader's {nbgrader_step}/{student_id}/{assignment_id}):
    solutions/<assignment>/        the instructor's notebooks (nbgrader's source directory)
    release/<assignment>/          student versions, written by `make assignments`
    submitted/<student>/<assignment>/   hand-ins, graded by `make grade` into
    autograded/, feedback/, gradebook.db and grades.csv
Everything but solutions/ is generated and git-ignored. This repository is public, solutions
included: for real grading pass a private copy with `make ... SOLUTIONS=/path/to/private`,
which reaches nbgrader as --CourseDirectory.source_directory.
"""
from pathlib import Path

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.source_directory = "solutions"

# A student's cell may run at most this long; then the kernel is interrupted, the cell fails
# and the next one runs. `make grade CELL_TIMEOUT=...` overrides it. The checks stop a student
# function's endless loop sooner, with a clearer message (rnnkit.grading.call, 5 s), and
# scripts/autograde.py puts a hard limit on each whole submission.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True

# Import the grading checks as the kernel starts, before any student cell can run, so that
# what they capture (numpy's own comparison functions) cannot have been replaced yet.
c.Execute.extra_arguments = ["--InteractiveShellApp.exec_lines=import rnnkit.grading"]

# A deleted test cell is put back from the gradebook and run, instead of silently scoring 0.
c.OverwriteCells.add_missing_cells = True
