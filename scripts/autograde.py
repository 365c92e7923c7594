"""Autograde every submission under submitted/, each in its own time-limited nbgrader run.

Run from the course root (``make grade`` does):

    python scripts/autograde.py [--source DIR] [--cell-timeout SECONDS] [--limit SECONDS]

For every ``submitted/<student>/<assignment>/`` whose assignment exists in the source directory
this runs ``nbgrader autograde <assignment> --student <student> --force``. Inside a run,
nbgrader interrupts any cell that exceeds the cell timeout and goes on with the next one. The
whole run also has a hard limit: student code can ignore interrupts (catch KeyboardInterrupt,
ignore SIGINT, spin inside one C call), so past ``--limit`` seconds the run and every process
it started, the kernel included, are killed. Such a submission, like one nbgrader cannot
process at all, scores 0, is flagged in the gradebook for manual grading, and gets a feedback
page saying why. One bad notebook never stops the others from being graded.
"""
import argparse
import html
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default="solutions",
                        help="nbgrader's source directory (the instructor's notebooks)")
    parser.add_argument("--cell-timeout", type=int, default=None,
                        help="seconds one cell may run (default: nbgrader_config.py)")
    parser.add_argument("--limit", type=float, default=300,
                        help="seconds one whole submission may take (default: 300)")
    args = parser.parse_args(argv)

    root = Path.cwd()
    source = (root / args.source).resolve()
    assignments = sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []
    submissions = sorted(
        (student.name, assignment.name)
        for student in (root / "submitted").glob("*") if student.is_dir()
        for assignment in student.glob("*") if assignment.is_dir()
    )
    if not submissions:
        print("No submissions found under submitted/<student>/<assignment>/.")
        return 0

    failed = []
    for student, assignment in submissions:
        if assignment not in assignments:
            print(f"skip {student}/{assignment}: no assignment {assignment!r} in {source}")
            continue
        ok, seconds, reason, log = autograde(student, assignment, source, args)
        if ok:
            print(f"graded {student}/{assignment}: {score(student, assignment)} ({seconds:.0f} s)")
        else:
            failed.append((student, assignment, reason))
            print(f"FAILED {student}/{assignment} after {seconds:.0f} s: {reason}")
            print(indent(log))
            record_failure(student, assignment, reason)

    if failed:
        print(f"\n{len(failed)} submission(s) could not be graded automatically. Each scores 0, "
              f"is flagged for manual grading in gradebook.db and has a feedback page saying "
              f"why; look at the notebook under submitted/ by hand:")
        for student, assignment, reason in failed:
            print(f"  {student}/{assignment}: {reason}")
    return 0


def autograde(student, assignment, source, args):
    """One nbgrader run under a hard time limit: (ok, seconds, reason, log tail)."""
    cmd = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--student", student,
           "--force", f"--CourseDirectory.source_directory={source}"]
    if args.cell_timeout is not None:
        cmd.append(f"--Execute.timeout={args.cell_timeout}")
    env = dict(os.environ)
    # nbgrader runs `alembic` (installed next to this Python) to create the gradebook.
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    start = time.monotonic()
    # The log goes to a file, not a pipe: a process the student's code leaves behind could
    # hold a pipe open and make reading it wait forever.
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        timed_out = False
        try:
            proc.wait(timeout=args.limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_tree(proc)
            proc.wait()
        seconds = time.monotonic() - start
        log.seek(0)
        text = log.read()
    if timed_out:
        reason = (f"grading stopped at the time limit of {args.limit:g} s (code that never "
                  f"finishes and ignores interrupts)")
        return False, seconds, reason, tail(text)
    if proc.returncode != 0:
        return False, seconds, "nbgrader could not grade this notebook (see its log)", tail(text)
    return True, seconds, "", ""


def kill_tree(proc):
    """Kill nbgrader and everything it started.

    The kernel runs in a session of its own, so killing nbgrader's process group misses it:
    collect every descendant first, while the parent links still say who started whom.
    """
    doomed = [proc.pid] + descendants(proc.pid)
    for pid in doomed:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def descendants(pid):
    out = subprocess.run(["ps", "-A", "-o", "pid=", "-o", "ppid="], capture_output=True,
                         text=True).stdout
    children = {}
    for line in out.splitlines():
        child, parent = (int(n) for n in line.split())
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def record_failure(student, assignment, reason):
    """Score 0, flag for manual grading, drop partial output, and tell the student why."""
    shutil.rmtree(Path("autograded", student, assignment), ignore_errors=True)
    with gradebook() as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(assignment, student)
        notebooks = [nb.notebook.name for nb in submission.notebooks]
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.manual_score = None
                grade.needs_manual_grade = True
        gb.db.commit()
    feedback = Path("feedback", student, assignment)
    shutil.rmtree(feedback, ignore_errors=True)
    feedback.mkdir(parents=True)
    for name in notebooks:
        (feedback / f"{name}.html").write_text(
            f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{name}</title></head>"
            f"<body><h1>{html.escape(assignment)}: {html.escape(name)}.ipynb was not graded "
            f"automatically</h1><p>{html.escape(reason.capitalize())}.</p><p>It scores 0 for "
            f"now; your instructor will look at it by hand. Before handing in, restart the "
            f"kernel and run all cells: every cell must finish.</p></body></html>\n")


def score(student, assignment):
    with gradebook() as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return "no score recorded"
        return f"{submission.score:g} / {submission.max_score:g} points"


def gradebook():
    # nbgrader_config.py sets no course id, so nbgrader files everything under "".
    return Gradebook(f"sqlite:///{Path.cwd() / 'gradebook.db'}", course_id="")


def tail(log, lines=40):
    return "\n".join((log or "").splitlines()[-lines:])


def indent(text):
    return "\n".join("    " + line for line in text.splitlines())


if __name__ == "__main__":
    sys.exit(main())
