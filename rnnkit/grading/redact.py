"""The rnnkit a notebook sees while it is graded: only what it needs, without the answers.

rnnkit holds the course's own version of every function the assignments ask for. While a
notebook is graded, its kernel imports rnnkit from a folder made here instead of the real one
(the sandbox does not show the real one at all):

- only the modules the notebook's own given and self-check cells import, with what those
  import in turn; every other module is simply absent;
- in those modules, every function, method and class that the assignment's hidden tests
  import from rnnkit (their references) keeps its name but raises when called, whatever route
  reaches it (an alias, a reload, the module run again from its file, a helper that calls it).
  Where the notebook's given code needs some of them (chapter 8 trains models with rnnkit,
  whose training loop clips gradients), the source notebook lists instead exactly what to
  switch off, in its metadata ``rnnkit_grading: {switched_off: ["rnnkit.train.train_chunked",
  ...]}``;
- a switched-off function's fast twin, the function of the same name in ``rnnkit.fast`` (the
  public ``rnnkit.lstm.lstm_forward`` runs ``rnnkit.fast.lstm.lstm_forward``), is switched off
  too, so neither the public name, nor its ``.plain`` and ``.fast``, nor an import of the twin
  itself gives the answer;
- ``rnnkit/__init__.py`` imports nothing, and ``rnnkit.grading`` holds only the checks and
  the kernel's side of the wire.
"""
import ast
import shutil
from pathlib import Path

import rnnkit

PACKAGE = Path(rnnkit.__file__).resolve().parent
KERNEL_SIDE = ["grading/__init__.py", "grading/checks.py", "grading/wire.py", "grading/kernel.py"]
SWITCHED_OFF = ("{qualname} is rnnkit's own version of what this assignment asks for, and is "
                "switched off while notebooks are graded: compute it yourself with numpy.")


def imported_modules(code):
    """rnnkit modules imported by ``code``, as paths relative to the package ('rnn.py')."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found |= {n for n in names if n == "rnnkit" or n.startswith("rnnkit.")}
    return {p for p in map(module_file, found) if p}


def module_file(dotted):
    """'rnnkit.rnn' -> 'rnn.py', 'rnnkit.grading' -> 'grading/__init__.py', else None."""
    parts = dotted.split(".")[1:]
    if not parts:
        return None
    path = PACKAGE.joinpath(*parts)
    if (path / "__init__.py").is_file():
        return "/".join(parts) + "/__init__.py"
    if path.with_suffix(".py").is_file():
        return "/".join(parts) + ".py"
    return None


def internal_imports(relpath):
    """Modules of rnnkit that the module at ``relpath`` imports, relative imports included."""
    tree = ast.parse((PACKAGE / relpath).read_text())
    package = ["rnnkit"] + relpath.split("/")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            stem = base + (node.module.split(".") if node.module else [])
            found |= {".".join(stem)} | {".".join(stem + [a.name]) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnnkit"):
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("rnnkit")}
    return {p for p in map(module_file, found) if p and p != relpath}


def references(test_sources):
    """(module path, name) of everything the hidden tests import from rnnkit."""
    found = set()
    for code in test_sources:
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnnkit."):
                path = module_file(node.module)
                found |= {(path, a.name) for a in node.names if path}
    return found


def switch_off(code, names, module):
    """``code`` with the bodies of the top-level functions and classes in ``names`` replaced
    by a raise (a class: each of its methods)."""
    tree = ast.parse(code)
    targets = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            targets.append((node, f"{module}.{node.name}"))
        elif isinstance(node, ast.ClassDef) and node.name in names:
            targets += [(m, f"{module}.{node.name}.{m.name}") for m in node.body
                        if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    lines = code.splitlines()
    for node, qualname in sorted(targets, key=lambda t: -t[0].lineno):
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        message = SWITCHED_OFF.format(qualname=qualname)
        stub = ast.FunctionDef(name=node.name, args=node.args, decorator_list=node.decorator_list,
                               returns=None, type_params=[],
                               body=[ast.parse(f"raise RuntimeError({message!r})").body[0]])
        text = ast.unparse(ast.fix_missing_locations(stub))
        indent = " " * node.col_offset
        lines[first - 1:node.end_lineno] = [indent + line for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def top_level_names(code):
    """Names of the functions and classes defined at the top level of ``code``."""
    return {node.name for node in ast.parse(code).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def with_fast_twins(off):
    """``off`` (module path -> names to switch off) with the names' twins in rnnkit.fast added.

    A plain module's twin is the module of the same path under fast/ ('lstm.py' ->
    'fast/lstm.py'); only the names it defines are its twins.
    """
    off = {path: set(names) for path, names in off.items()}
    for path, names in list(off.items()):
        twin = PACKAGE / "fast" / path
        if twin.is_file():
            twins = names & top_level_names(twin.read_text())
            if twins:
                off.setdefault(f"fast/{path}", set()).update(twins)
    return off


def build(source, folder):
    """Write the rnnkit that ``source`` (a judge.Source) may see into ``folder``/rnnkit."""
    cells = [c.source for c in source.nb.cells if c.cell_type == "code"]
    tests = [c.source for c in source.tests.values()]
    wanted = set(KERNEL_SIDE)
    for code in cells:
        if code not in tests:
            wanted |= imported_modules(code)
    todo = list(wanted)
    while todo:
        for path in internal_imports(todo.pop()):
            if path not in wanted:
                wanted.add(path)
                todo.append(path)
    listed = source.nb.metadata.get("rnnkit_grading", {}).get("switched_off")
    if listed is None:
        pairs = references(tests)
    else:
        split = [dotted.rsplit(".", 1) for dotted in listed]
        pairs = {(module_file(module), name) for module, name in split}
        unknown = [".".join(d) for d in split if module_file(d[0]) is None]
        if unknown:
            raise ValueError(f"{source.name}: switched_off names no rnnkit module: {unknown}")
    off = {}
    for path, name in pairs:
        off.setdefault(path, set()).add(name)
    off = with_fast_twins(off)
    target = Path(folder) / "rnnkit"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (target / "__init__.py").write_text(
        '"""rnnkit while a notebook is graded: only the modules it needs (see '
        'rnnkit.grading.redact)."""\n__version__ = %r\n' % rnnkit.__version__)
    for path in sorted(wanted - {"__init__.py"}):
        code = (PACKAGE / path).read_text()
        if path in off:
            code = switch_off(code, off[path], "rnnkit." + path[:-3].replace("/", "."))
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        (target / path).write_text(code)
    if (PACKAGE / "texts").is_dir():
        shutil.copytree(PACKAGE / "texts", target / "texts")
    return target
