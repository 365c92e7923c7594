"""``make assignments``: the student version of every assignment whose source changed.

    python -m rnnkit.grading.release [--source DIR]

For each ``<source>/<assignment>/``, nbgrader's ``generate_assignment`` writes
``release/<assignment>/`` and records the assignment's cells in the gradebook. It runs again
only when the source folder changed since (``.grading/releases.json`` keeps a digest of
each), or when its release or its gradebook entry is gone: regenerating every assignment
cost half a minute before each grading run.
"""
import argparse
import hashlib
import sys
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from .autograde import STATE, read_json, write_json


def digest(folder):
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default="solutions")
    args = parser.parse_args(argv)
    root = Path.cwd()
    source = (root / args.source).resolve()
    state_file = root / STATE / "releases.json"
    state = read_json(state_file)
    api = NbGraderAPI(coursedir=CourseDirectory(root=str(root), source_directory=str(source)))
    failed = 0
    for folder in sorted(p for p in source.iterdir() if p.is_dir()):
        name = folder.name
        key = f"{source}/{name}"
        if state.get(key) == digest(folder) and (root / "release" / name).is_dir() \
                and registered(root, name):
            continue
        result = api.generate_assignment(name, force=True)
        if result.get("success"):
            print(f"released {name}")
            state[key] = digest(folder)
            write_json(state_file, state)
        else:
            failed += 1
            print(f"could not release {name}:\n{result.get('error') or result.get('log')}")
    return 1 if failed else 0


def registered(root, name):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        try:
            gb.find_assignment(name)
        except MissingEntry:
            return False
    return True


if __name__ == "__main__":
    sys.exit(main())
