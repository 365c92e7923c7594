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

from nbformat import from_dict
from nbgrader import utils
from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds,
                                    OverwriteCells, OverwriteKernelspec)

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


class RestoreCells(OverwriteCells):
    """OverwriteCells that puts back every deleted test cell and locked cell.

    nbgrader's own version re-inserts a deleted test cell after the cell just before it in the
    instructor's notebook, and crashes (the whole submission goes ungraded) when that cell was
    deleted too, say a solution cell together with its test. This one inserts each missing
    cell after the nearest earlier cell that is still there, or at the end when none is, and
    also restores locked cells such as the first one and given data.
    """

    def add_missing_grade_cells(self, nb, resources):
        source = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [cell.name for cell in source.source_cells]
        points = {cell.name: cell.max_score for cell in source.grade_cells}
        solutions = {cell.name for cell in source.solution_cells}
        for source_cell in source.source_cells:
            name = source_cell.name
            if name in positions(nb) or not (name in points or source_cell.locked):
                continue
            self.log.warning("Cell %s is missing: putting it back", name)
            cell = from_dict(self.missing_cell_transform(source_cell, points.get(name, 0),
                                                         is_solution=name in solutions))
            if name not in points:  # a locked cell that is not graded
                cell.metadata.nbgrader.grade = False
                cell.metadata.nbgrader.pop("points", None)
            present = positions(nb)
            earlier = [present[n] for n in order[:order.index(name)] if n in present]
            nb.cells.insert(max(earlier) + 1 if earlier else len(nb.cells), cell)
        return nb, resources


def positions(nb):
    """grade_id -> position of every cell nbgrader tracks."""
    return {cell["metadata"]["nbgrader"]["grade_id"]: i for i, cell in enumerate(nb.cells)
            if utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell)}


# Deleted test cells (and locked cells) are put back from the gradebook and run, so that
# deleting a failing test cell cannot turn into a skipped one.
c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                      RestoreCells, CheckCellMetadata]
c.OverwriteCells.add_missing_cells = True
