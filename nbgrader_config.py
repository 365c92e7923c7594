"""nbgrader settings for the course: the course root is this repository.

Layout (nbgrader's {nbgrader_step}/{student_id}/{assignment_id}):
    solutions/<assignment>/        the instructor's notebooks (nbgrader's source directory)
    release/<assignment>/          student versions, written by `make assignments`
    submitted/<student>/<assignment>/   hand-ins, graded by `make grade` into
    autograded/, feedback/, gradebook.db and grades.csv
Everything but solutions/ is generated and git-ignored. This repository is public, solutions
included: for real grading pass a private copy with `make ... SOLUTIONS=/path/to/private`,
which reaches nbgrader as --CourseDirectory.source_directory.

`make grade` does not run `nbgrader autograde`: it runs rnnkit.grading.autograde, which
executes each hand-in in a sandbox and its hidden tests outside it, and records the grades in
nbgrader's gradebook, so that nbgrader's other commands (formgrader, generate_feedback,
export) work as usual. Of this file it reads the late-submission settings below.
"""
from pathlib import Path

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.source_directory = "solutions"

# Due dates and late work (README): a hand-in is late when the time in its timestamp.txt
# (written by nbgrader's collect, or by you) is after its assignment's due date. make grade
# puts these dates into the gradebook, e.g.
#     c.Grading.due_dates = {"ch01": "2027-03-15 23:59:00 +0900"}
# and applies the penalty: "none" records how late it was and takes nothing off; "zero" takes
# every point of a late hand-in; the feedback page shows the penalty.
c.Grading.due_dates = {}
c.LateSubmissionPlugin.penalty_method = "none"
