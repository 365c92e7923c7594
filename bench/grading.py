"""Grading 40 hand-ins of one assignment: `make grade` beside plain `nbgrader autograde`.

    make bench-grading                # or: .venv/bin/python bench/grading.py [--assignment ch08]

It builds a throwaway course in a temporary folder with N hand-ins (the reference solution,
the untouched release and half-solved notebooks, in turn) and grades them twice from
scratch:

- `make grade`: every hand-in's cells in a bubblewrap-sandboxed kernel, its hidden tests in
  the trusted grader process, one kernel per core, feedback pages and grades.csv included;
- stock `nbgrader autograde <assignment>` with nbgrader's default settings on the same
  hand-ins, in one process (hidden tests in the student's kernel, no sandbox, no feedback).

It prints one markdown table: seconds in all and per hand-in, and the points each gave (the
same for both: the totals must agree). A third run of `make grade` with nothing changed shows
what an incremental run costs.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def stub(code):
    """A solution cell as the release has it."""
    return re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION",
                  "# YOUR CODE HERE\nraise NotImplementedError()", code, flags=re.S)


def handins(source, n):
    """n notebooks: the reference, the untouched release and half-solved ones, in turn."""
    nb = json.loads(source.read_text())
    answers = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    out = []
    for k in range(n):
        copy = json.loads(json.dumps(nb))
        cells = [c for c in copy["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
        for i, cell in enumerate(cells):
            keep = k % 3 == 0 or (k % 3 == 2 and i % 2 == 0)
            if not keep:
                cell["source"] = stub("".join(cell["source"]))
        out.append(copy)
    assert len(answers) == len(cells)
    return out


def run(cmd, cwd, env=None):
    start = time.monotonic()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    return time.monotonic() - start, done


def total_points(course):
    sys.path.insert(0, str(REPO))
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return sum(s.score for a in gb.assignments for s in a.submissions)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="ch01")
    parser.add_argument("--n", type=int, default=40)
    args = parser.parse_args()
    a, rows = args.assignment, []
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    with tempfile.TemporaryDirectory() as tmp:
        courses = {}
        for kind in ("make grade", "nbgrader autograde"):
            course = Path(tmp) / kind.split()[0]
            course.mkdir()
            for item in ["Makefile", "requirements.txt", "pyproject.toml"]:
                shutil.copy2(REPO / item, course / item)
            shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
            shutil.copytree(REPO / "solutions" / a, course / "solutions" / a)
            for k, nb in enumerate(handins(REPO / "solutions" / a / f"{a}.ipynb", args.n)):
                folder = course / "submitted" / f"student{k:03d}" / a
                folder.mkdir(parents=True)
                (folder / f"{a}.ipynb").write_text(json.dumps(nb))
            courses[kind] = course
        make = ["make", "-o", f"{Path(sys.prefix) / '.ready'}", f"VENV={sys.prefix}"]
        course = courses["make grade"]
        subprocess.run(make + ["assignments"], cwd=course, check=True, capture_output=True)
        seconds, done = run(make + ["grade"], course)
        rows.append(("make grade (sandboxed, all cores, feedback)", seconds, total_points(course)))
        seconds, done = run(make + ["grade"], course)
        rows.append(("make grade again, nothing changed", seconds, total_points(course)))
        course = courses["nbgrader autograde"]
        nbgrader = [str(BIN / "nbgrader")]
        subprocess.run(nbgrader + ["generate_assignment", a, "--force"], cwd=course, check=True,
                       capture_output=True, env=env)
        seconds, done = run(nbgrader + ["autograde", a, "--force"], course, env)
        rows.append(("stock nbgrader autograde (one process, no sandbox)", seconds,
                     total_points(course)))
    print(f"\nGrading {args.n} hand-ins of {a} on {os.cpu_count()} cores\n")
    print("| run | seconds | per hand-in | points in all |")
    print("|---|---:|---:|---:|")
    for name, seconds, points in rows:
        print(f"| {name} | {seconds:.1f} | {seconds / args.n:.2f} | {points:g} |")


if __name__ == "__main__":
    main()
