"""``make grade``: grade the class's hand-ins, safely, in parallel, and only what changed.

    python -m rnnkit.grading.autograde [--source DIR] [--assignment A] [--student S]
        [--jobs N] [--cell-timeout S] [--limit S] [--memory MB] [--sandbox bwrap|none]

Run from the course root. For every ``submitted/<student>/<assignment>/`` (or those named):

1. hand-ins that cannot be graded are told apart first, with the reason in words: no
   notebook, a wrong file name, not a notebook, a notebook of another assignment;
2. a hand-in is graded again only when it, the instructor's source or rnnkit changed since
   it was last graded (``.grading/state.json``), or when its grades are gone;
3. each is graded by :mod:`.judge` in a sandboxed kernel, one per core (``--jobs``);
4. this process alone writes what is kept: ``autograded/``, the gradebook (after a backup in
   ``.grading/backups/``), ``feedback/`` and ``grades.csv``. A grade typed in by hand is never
   overwritten, and one hand-in's grading touches no other student's files.

It exits 1 when some hand-in could not be graded (the others are graded and recorded), 2 when
grading could not start (no sandbox, say).
"""
import argparse
import concurrent.futures as futures
import contextlib
import fcntl
import hashlib
import html
import json
import multiprocessing
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import CsvExportPlugin, LateSubmissionPlugin
from traitlets.config.loader import PyFileConfigLoader

from . import judge, redact, sandbox

MAX_NOTEBOOK = 20 * 2**20    # bytes: a hand-in larger than this is not read
STATE = Path(".grading")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default="solutions", help="the instructor's notebooks")
    parser.add_argument("--assignment", default="", help="grade only this assignment")
    parser.add_argument("--student", default="", help="grade only this student")
    parser.add_argument("--jobs", type=int, default=0, help="hand-ins graded at once "
                        "(default: one per core)")
    parser.add_argument("--cell-timeout", type=float, default=30,
                        help="seconds one cell may run before it is interrupted")
    parser.add_argument("--limit", type=float, default=300,
                        help="seconds one whole hand-in may take")
    parser.add_argument("--memory", type=int, default=2048,
                        help="megabytes of address space a hand-in's kernel may use")
    parser.add_argument("--sandbox", default="bwrap", help="bwrap, or none (unsafe)")
    parser.add_argument("--force", action="store_true", help="grade everything again")
    args = parser.parse_args(argv)
    try:
        sandbox.check(args.sandbox)
    except sandbox.SandboxUnavailable as e:
        print(f"make grade refuses to run: {e}", file=sys.stderr)
        return 2
    if args.sandbox == "none":
        print("WARNING: grading WITHOUT a sandbox (SANDBOX=none): every notebook runs with "
              "your rights and can read or change your files.")
    STATE.mkdir(exist_ok=True)
    with open(STATE / "lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("Another make grade is running in this course: wait for it to finish.",
                  file=sys.stderr)
            return 2
        return Run(args).run()


class Run:
    def __init__(self, args):
        self.args = args
        self.root = Path.cwd()
        self.source_dir = (self.root / args.source).resolve()
        self.config = load_config(self.root)
        self.db = f"sqlite:///{self.root / 'gradebook.db'}"
        self.state_file = self.root / STATE / "state.json"
        self.state = read_json(self.state_file)
        self.sources = {}
        for folder in sorted(p for p in self.source_dir.iterdir() if p.is_dir()) \
                if self.source_dir.is_dir() else []:
            path = folder / f"{folder.name}.ipynb"
            if path.is_file():
                self.sources[folder.name] = judge.Source.read(path)
        self.failed, self.graded, self.problems = [], [], []
        self.due = {name: utils.parse_utc(text) for name, text in
                    self.config.get("Grading", {}).get("due_dates", {}).items()}
        self.penalty = self.config.get("LateSubmissionPlugin", {}).get("penalty_method", "none")

    # ------------------------------------------------------------------------------ plan

    def submissions(self):
        found = []
        for student in sorted((self.root / "submitted").glob("*")):
            if not student.is_dir() or student.is_symlink():
                continue
            if self.args.student and student.name != self.args.student:
                continue
            for folder in sorted(student.glob("*")):
                if self.args.assignment and folder.name != self.args.assignment:
                    continue
                if folder.is_dir() and not folder.is_symlink():
                    found.append((student.name, folder.name))
        return found

    def fingerprint(self, student, assignment):
        """Changes when the hand-in, the instructor's source, rnnkit or the limits change."""
        digest = hashlib.sha256()
        for path in sorted((self.source_dir / assignment).rglob("*")) + \
                sorted(redact.PACKAGE.rglob("*.py")):
            if path.is_file():
                digest.update(str(path.name).encode() + path.read_bytes())
        a = self.args
        digest.update(f"{a.cell_timeout} {a.limit} {a.memory} {a.sandbox} {self.penalty} "
                      f"{self.due.get(assignment)}".encode())
        folder = self.root / "submitted" / student / assignment
        for path in [folder / f"{assignment}.ipynb", folder / "timestamp.txt"]:
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_NOTEBOOK:
                digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()

    def up_to_date(self, student, assignment, fingerprint):
        if self.args.force or self.recorded(student, assignment).get("fingerprint") != \
                fingerprint:
            return False
        if not (self.root / "feedback" / student / assignment).is_dir():
            return False
        with Gradebook(self.db) as gb:
            try:
                gb.find_submission(assignment, student)
            except MissingEntry:
                return False
        return True

    def check_handin(self, student, assignment):
        """The notebook of a hand-in, or the reason it cannot be graded (a string)."""
        name = f"{assignment}.ipynb"
        folder = self.root / "submitted" / student / assignment
        path = folder / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            return f"{name} is a link or a folder, not a notebook file"
        if not path.exists():
            others = sorted(p.name for p in folder.glob("*.ipynb"))
            if others:
                return (f"wrong file name: the hand-in holds {', '.join(others)}, but this "
                        f"assignment's notebook must be named {name}")
            return f"no notebook was handed in (expected {name})"
        size = path.stat().st_size
        if size == 0:
            return f"{name} is empty"
        if size > MAX_NOTEBOOK:
            return f"{name} is {size / 2**20:.0f} MB, more than a notebook can be"
        try:
            nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
            nbformat.validate(nb)
        except UnicodeDecodeError:
            return f"{name} is not text (not a notebook)"
        except Exception as e:
            return f"{name} is not a valid notebook ({first_sentence(e)})"
        ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells} - {None}
        shared = {a: len(ids & set(s.cells)) for a, s in self.sources.items()}
        if shared and max(shared.values()) > shared[assignment]:
            owners = [a for a, n in shared.items() if n == max(shared.values())]
            if owners:
                return (f"{name} is the notebook of {owners[0]}, not of {assignment}: hand in "
                        f"the {assignment} notebook under this name")
        return nb

    # ------------------------------------------------------------------------------ run

    def run(self):
        subs = self.submissions()
        if not subs:
            print("No hand-ins found under submitted/<student>/<assignment>/.")
            return 0
        todo = []
        for student, assignment in subs:
            if assignment not in self.sources:
                print(f"skip {student}/{assignment}: no assignment {assignment!r} in "
                      f"{self.source_dir}")
                continue
            fingerprint = self.fingerprint(student, assignment)
            if self.up_to_date(student, assignment, fingerprint):
                failed = self.recorded(student, assignment).get("failed")
                if failed:      # still ungradable: listed again, and the run says so
                    self.failed.append((student, assignment, failed + " (unchanged)"))
                continue
            todo.append((student, assignment, fingerprint))
        skipped = len(subs) - len(todo)
        if skipped:
            print(f"{skipped} hand-in(s) unchanged since they were last graded: kept as they are.")
        if todo:
            self.backup()
            self.set_due_dates()
            with tempfile.TemporaryDirectory(prefix="rnnkit-grading-") as work:
                self.grade_all(todo, Path(work))
        self.export()
        return self.summary()

    def grade_all(self, todo, work):
        libs = {}
        for assignment in sorted({a for _, a, _ in todo}):
            libs[assignment] = redact.build(self.sources[assignment], work / "lib" / assignment)
        jobs = self.args.jobs or os.cpu_count() or 1
        context = multiprocessing.get_context("fork")
        with futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                         initializer=limit_memory,
                                         initargs=(self.args.memory,)) as pool:
            running = {}
            for n, (student, assignment, fingerprint) in enumerate(todo):
                handin = self.check_handin(student, assignment)
                if isinstance(handin, str):
                    self.record_failure(student, assignment, handin, fingerprint)
                    continue
                task = dict(student=student, assignment=assignment, nb=nbformat.writes(handin),
                            lib=str(libs[assignment].parent), work=str(work / f"{n}"),
                            settings=vars(self.args))
                running[pool.submit(grade_one, task, self.sources[assignment])] = \
                    (student, assignment, fingerprint)
            feedback = []
            for done in futures.as_completed(running):
                student, assignment, fingerprint = running[done]
                try:
                    outcome = done.result()
                except Exception as e:      # the worker itself died (out of memory, say)
                    outcome = {"crash": f"{type(e).__name__}: {e}", "died": True}
                if outcome.get("died"):
                    self.record_failure(student, assignment, "grading it stopped the grader's "
                                        "own process (it used too much memory or time)",
                                        fingerprint, outcome["crash"])
                    continue
                if outcome.get("crash"):
                    self.record_failure(student, assignment, "the grader itself failed on this "
                                        "hand-in (see the log above)", None, outcome["crash"])
                    continue
                self.record(student, assignment, outcome, fingerprint)
                feedback.append(pool.submit(make_feedback, str(self.root), self.args.source,
                                            assignment, student))
            for done in futures.as_completed(feedback):
                error = done.result()
                if error:
                    print(f"feedback could not be generated: {error}")

    # ------------------------------------------------------------------------------ record

    def record(self, student, assignment, outcome, fingerprint):
        nb = nbformat.reads(outcome["nb"], as_version=4)
        out = self.root / "autograded" / student / assignment
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        nbformat.write(nb, out / f"{assignment}.ipynb")
        stamp = self.root / "submitted" / student / assignment / "timestamp.txt"
        if stamp.is_file() and not stamp.is_symlink():
            shutil.copyfile(stamp, out / "timestamp.txt")
        with Gradebook(self.db) as gb:
            gb.update_or_create_student(student)
            timestamp = read_timestamp(stamp)
            submission = gb.update_or_create_submission(assignment, student,
                                                        **({"timestamp": timestamp}
                                                           if timestamp else {}))
            notebook = gb.find_submission_notebook(assignment, assignment, student)
            scores = outcome["scores"]
            for grade in notebook.grades:
                if grade.name in scores:
                    grade.auto_score = scores[grade.name]
                # a grade typed in by hand stays, and asks to be looked at again
                grade.needs_manual_grade = grade.manual_score is not None or \
                    grade.auto_score is None
            cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
            for comment in notebook.comments:
                cell = cells.get(comment.name)
                untouched = cell is not None and cell.metadata.nbgrader.get("checksum") == \
                    utils.compute_checksum(cell)
                comment.auto_comment = "No response." if untouched else None
            notebook.late_submission_penalty = None
            if submission.total_seconds_late > 0:
                plugin = LateSubmissionPlugin(config=self.config)
                penalty = plugin.late_submission_penalty(student, notebook.score,
                                                         submission.total_seconds_late)
                if penalty is not None:
                    notebook.late_submission_penalty = min(max(penalty, 0), notebook.score)
            gb.db.commit()
            score = f"{submission.score:g} / {submission.max_score:g} points"
            late = submission.total_seconds_late
            penalty = notebook.late_submission_penalty
        self.graded.append((student, assignment))
        line = f"graded {student}/{assignment}: {score} ({outcome['seconds']:.1f} s)"
        if late > 0:
            line += f", {late / 3600:.1f} h late" + (f" (penalty {penalty:g})" if penalty else "")
        if outcome["problem"]:
            line += f"; {outcome['problem']}"
            self.problems.append((student, assignment, outcome["problem"]))
        print(line)
        for note in outcome["notes"]:
            print("    " + note.replace("\n", "\n    "))
        self.remember(student, assignment, fingerprint)

    def record_failure(self, student, assignment, reason, fingerprint, log=""):
        """Score 0 and flag for manual grading (a grade typed in by hand stays), and tell the
        student why on their feedback page."""
        self.failed.append((student, assignment, reason))
        print(f"NOT GRADED {student}/{assignment}: {reason}")
        if log:
            print("    " + log.strip().replace("\n", "\n    "))
        shutil.rmtree(self.root / "autograded" / student / assignment, ignore_errors=True)
        with Gradebook(self.db) as gb:
            gb.update_or_create_student(student)
            submission = gb.update_or_create_submission(assignment, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = True
            gb.db.commit()
        feedback = self.root / "feedback" / student / assignment
        shutil.rmtree(feedback, ignore_errors=True)
        feedback.mkdir(parents=True)
        (feedback / f"{assignment}.html").write_text(
            f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{assignment}</title>"
            f"</head><body><h1>{html.escape(assignment)}: your hand-in was not graded "
            f"automatically</h1><p>{html.escape(reason[:1].upper() + reason[1:])}.</p><p>It "
            f"scores 0 for now; your instructor will look at it by hand.</p></body></html>\n")
        if fingerprint:      # the same hand-in would fail the same way: not tried again
            self.remember(student, assignment, fingerprint, failed=reason)

    def recorded(self, student, assignment):
        entry = self.state.get(f"{student}/{assignment}")
        return entry if isinstance(entry, dict) else {}

    def remember(self, student, assignment, fingerprint, failed=None):
        self.state[f"{student}/{assignment}"] = {"fingerprint": fingerprint, "failed": failed}
        write_json(self.state_file, self.state)

    def backup(self):
        """A copy of the gradebook before anything is written (the newest ten are kept)."""
        db = self.root / "gradebook.db"
        if not db.is_file():
            return
        folder = self.root / STATE / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"gradebook-{datetime.now():%Y%m%d-%H%M%S-%f}.db"
        with contextlib.closing(sqlite3.connect(db)) as src, \
                contextlib.closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
        for old in sorted(folder.glob("gradebook-*.db"))[:-10]:
            old.unlink()

    def set_due_dates(self):
        """Due dates from nbgrader_config.py (c.Grading.due_dates) into the gradebook."""
        with Gradebook(self.db) as gb:
            for assignment in self.sources:
                if assignment in self.due:
                    gb.update_or_create_assignment(assignment, duedate=self.due[assignment])

    def export(self):
        with Gradebook(self.db) as gb:
            CsvExportPlugin(to=str(self.root / "grades.csv")).export(gb)

    def summary(self):
        if self.problems:
            print(f"\n{len(self.problems)} hand-in(s) were graded only in part (their feedback "
                  f"says why):")
            for student, assignment, problem in self.problems:
                print(f"  {student}/{assignment}: {problem}")
        if self.failed:
            print(f"\n{len(self.failed)} hand-in(s) could not be graded. Each scores 0, is "
                  f"flagged for manual grading in gradebook.db and has a feedback page saying "
                  f"why:")
            for student, assignment, reason in self.failed:
                print(f"  {student}/{assignment}: {reason}")
            return 1
        return 0


# ------------------------------------------------------------------------------ workers

def grade_one(task, source):
    """In a worker: grade one hand-in; plain data for the parent to record."""
    try:
        work = Path(task["work"])
        home, runtime = work / "home", work / "run"
        home.mkdir(parents=True)        # the sandbox's one writable folder: its notebook only
        runtime.mkdir(mode=0o700)
        settings = task["settings"]
        nb = nbformat.reads(task["nb"], as_version=4)
        nbformat.write(nb, home / f"{task['assignment']}.ipynb")
        result = judge.grade(source, nb, lib=task["lib"], scratch=home, runtime=runtime,
                             backend=settings["sandbox"], memory_mb=settings["memory"],
                             cell_timeout=settings["cell_timeout"], limit=settings["limit"])
        shutil.rmtree(work, ignore_errors=True)
        return {"nb": nbformat.writes(result.nb), "scores": result.scores,
                "notes": result.notes, "problem": result.problem, "seconds": result.seconds}
    except Exception:
        return {"crash": traceback.format_exc()}


def limit_memory(kernel_mb):
    """A worker's own address space is capped too: a hand-in that makes it decode or keep
    too much ends that worker (its hand-in is then reported), not the machine."""
    cap = (max(kernel_mb, 2048) + 4096) * 2**20
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def make_feedback(root, source, assignment, student):
    """In a worker: nbgrader's feedback page of one graded hand-in ('' or an error)."""
    os.chdir(root)
    coursedir = CourseDirectory(root=root, source_directory=source)
    api = NbGraderAPI(coursedir=coursedir)
    result = api.generate_feedback(assignment, student_id=student, force=True)
    return "" if result.get("success") else (result.get("error") or result.get("log", ""))[-2000:]


# ------------------------------------------------------------------------------ helpers

def load_config(root):
    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def read_timestamp(path):
    if not path.is_file() or path.is_symlink():
        return None
    try:
        return utils.parse_utc(path.read_text().strip()[:100]) or None
    except ValueError:
        return None


def read_json(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


def first_sentence(e):
    return str(e).split("\n")[0][:200]


if __name__ == "__main__":
    sys.exit(main())
