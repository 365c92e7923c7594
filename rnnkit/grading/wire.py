"""What crosses between the trusted grader and a student's kernel: values as JSON.

The grader sends a student function its arguments and reads back what it returned. Only data
crosses, never code to run on the trusted side: arrays as raw bytes with their dtype and
shape, containers item by item, a numpy Generator as its state, an object of a class the
notebook defines as its class name and attributes. The decoder on the trusted side trusts
nothing it reads: sizes are checked before anything is allocated, only numeric dtypes are
accepted, and anything else comes back as an :class:`Opaque` placeholder that no check takes
for a right answer.

Identity survives within one message: an object met twice (the array ``x`` that a function
``f`` reads and that is also the argument perturbed in place) is sent once and referred to,
so the kernel sees one object where the grader had one.
"""
import base64
import json
import math

import numpy as np

MIME = "application/vnd.rnnkit.grading+json"
MAX_BYTES = 64 * 2**20      # the most a reply may hold, as JSON text
MAX_DEPTH = 40              # nesting of containers in one value
BIT_GENERATORS = {"PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"}
_DTYPES = {np.dtype(t).str for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                     np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                                     np.float64, np.complex64, np.complex128)}


class Opaque:
    """A value the wire cannot carry (a function, a generator, an object of an unknown class):
    the trusted side sees only its type name and a short repr."""

    def __init__(self, type_name, text=""):
        self.type_name, self.text = type_name, text

    def __repr__(self):
        return f"<{self.type_name}>"


class KernelFunction:
    """A function to define inside the student's kernel and pass to a student function.

    ``source`` defines ``name``; ``env`` gives the values its code reads (numpy is there as
    ``np``). Values in ``env`` that are also passed as arguments are the same objects in the
    kernel, so a function that reads ``x`` sees a student perturbing ``x`` in place.
    """

    def __init__(self, source, name, **env):
        self.source, self.name, self.env = source, name, env
        self._defined = None

    def __call__(self, *args, **kwargs):
        """Run it here (a test run in the notebook's own process, as stock nbgrader does)."""
        if self._defined is None:
            scope = {"np": np, **self.env}
            exec(self.source, scope)
            self._defined = scope[self.name]
        return self._defined(*args, **kwargs)


class Handle:
    """Where a value the kernel returned is kept there, so that passing it back hands the
    student's own object (a cache of any form) to the next student function."""

    def __init__(self, key, index=None):
        self.key, self.index = key, index


# ------------------------------------------------------------------------------- encoding

class Encoder:
    """Turns values into JSON-able trees. ``handles`` maps id(value) -> (value, Handle) for
    values the kernel returned earlier; ``classes`` says which objects may cross by their
    attributes (the notebook's own classes, by name)."""

    def __init__(self, handles=None, classes=(), known=None):
        self.handles = handles or {}
        self.classes = set(classes)
        # id(value) -> (value, number); ``known`` seeds it with the values the other side
        # sent, so that a value it already has goes back as a reference to its own
        self.memo = dict(known or {})
        self.next = 1 + max((n for _, n in self.memo.values()), default=-1)

    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise ValueError("a value nested more than %d levels deep" % MAX_DEPTH)
        known = self.handles.get(id(value))
        if known is not None and known[0] is value:
            return {"t": "handle", "key": known[1].key, "index": known[1].index}
        if isinstance(getattr(value, "_grading_name", None), str):   # a student function
            return {"t": "name", "v": value._grading_name}
        if isinstance(value, np.generic):       # before float: np.float64 is a float too
            if np.dtype(value.dtype).str in _DTYPES:
                return {"t": "scalar", **_array_fields(np.asarray(value))}
            return {"t": "opaque", "type": type(value).__name__, "text": ""}
        if value is None or isinstance(value, (bool, str)):
            return {"t": "plain", "v": value}
        if isinstance(value, int):
            return {"t": "int", "v": str(int(value))}
        if isinstance(value, float):
            return {"t": "float", "v": repr(float(value))}
        if isinstance(value, complex):
            return {"t": "complex", "v": [repr(float(value.real)), repr(float(value.imag))]}
        if isinstance(value, np.dtype):
            return {"t": "dtype", "v": value.str}
        if isinstance(value, type) and issubclass(value, np.generic):
            return {"t": "dtype", "v": np.dtype(value).str}
        if id(value) in self.memo and self.memo[id(value)][0] is value:
            return {"t": "ref", "id": self.memo[id(value)][1]}
        number, self.next = self.next, self.next + 1
        self.memo[id(value)] = (value, number)
        tree = self._container(value, depth)
        tree["id"] = number
        return tree

    def contents(self, value):
        """The current contents of a value the other side already knows (arrays, lists,
        dicts, generators, objects by their attributes): what it changed into."""
        if isinstance(value, (np.ndarray, list, dict, np.random.Generator)):
            return self._container(value, 0)
        if type(value).__name__ in self.classes and hasattr(value, "__dict__"):
            return self._container(dict(vars(value)), 0)
        return None

    def _container(self, value, depth):
        if isinstance(value, np.ndarray):
            if value.dtype.str not in _DTYPES:
                return {"t": "opaque", "type": f"array of {value.dtype}", "text": ""}
            if value.nbytes > MAX_BYTES // 2:
                return {"t": "opaque", "type": f"array of {value.nbytes / 2**20:.0f} MB, more "
                        f"than the grader reads", "text": ""}
            return {"t": "array", **_array_fields(value)}
        if isinstance(value, (tuple, list)):
            return {"t": type(value).__name__ if type(value) in (tuple, list) else "list",
                    "items": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict):
            return {"t": "dict", "items": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                           for k, v in value.items()]}
        if isinstance(value, np.random.Generator):
            return {"t": "rng", "state": self.encode(value.bit_generator.state, depth + 1)}
        if isinstance(value, KernelFunction):
            return {"t": "code", "source": value.source, "name": value.name,
                    "env": self.encode(value.env, depth + 1)}
        if type(value).__name__ in self.classes and hasattr(value, "__dict__"):
            return {"t": "object", "class": type(value).__name__,
                    "state": self.encode(vars(value), depth + 1)}
        return {"t": "opaque", "type": _type_name(value), "text": _short_repr(value)}


def _array_fields(a):
    a = a if a.flags.c_contiguous else a.copy(order="C")   # (ascontiguousarray makes 0-d 1-d)
    return {"dtype": a.dtype.str, "shape": list(a.shape),
            "data": base64.b64encode(a.tobytes()).decode("ascii")}


def _type_name(value):
    if callable(value) and hasattr(value, "__name__"):
        kind = "generator" if type(value).__name__ == "generator" else "function"
        return f"{kind} {value.__name__}" if kind == "function" else kind
    return type(value).__name__


def _short_repr(value):
    try:
        text = repr(value)
    except Exception:
        return ""
    return text if len(text) <= 200 else text[:200] + "…"


def dumps(tree):
    return json.dumps(tree, separators=(",", ":"), allow_nan=False)


# ------------------------------------------------------------------------------- decoding

class Decoder:
    """Builds values from trees. ``classes`` maps class names to classes whose objects may be
    rebuilt from their attributes (without calling __init__); ``handles`` resolves handle
    nodes (only the kernel accepts them); ``code`` defines KernelFunction nodes (only the
    kernel accepts them). What is not allowed becomes an Opaque placeholder or an error."""

    def __init__(self, classes=None, handles=None, code=None, names=None, known=None):
        self.classes = classes or {}
        self.handles = handles
        self.code = code
        self.names = names
        self.memo = dict(known or {})     # number -> value, seeded with what this side sent

    def decode(self, tree, depth=0):
        if depth > MAX_DEPTH or not isinstance(tree, dict):
            raise ValueError("malformed value")
        kind = tree.get("t")
        if kind == "plain":
            value = tree["v"]
            if value is not None and not isinstance(value, (bool, str)):
                raise ValueError("malformed plain value")
            return value
        if kind == "int":
            text = _string(tree["v"])
            if len(text) > 400:
                raise ValueError("an integer of more than 400 digits")
            return int(text)
        if kind == "float":
            return float(_string(tree["v"]))
        if kind == "complex":
            re, im = tree["v"]
            return complex(float(_string(re)), float(_string(im)))
        if kind == "scalar":
            return _array(tree)[()]
        if kind == "dtype":
            return np.dtype(_dtype(tree["v"])).type
        if kind == "ref":
            return self.memo[tree["id"]]
        if kind == "opaque":
            return Opaque(_string(tree.get("type", "?"))[:200], _string(tree.get("text", ""))[:300])
        if kind == "name":
            if self.names is None:
                raise ValueError("a name where none may be")
            return self.names(_string(tree["v"]))
        if kind == "handle":
            if self.handles is None:
                raise ValueError("a handle where none may be")
            return self.handles(tree["key"], tree["index"])
        value = self._container(kind, tree, depth)
        if "id" in tree:
            self.memo[tree["id"]] = value
        return value

    def update(self, value, tree):
        """Change ``value`` in place into what ``tree`` (from Encoder.contents) describes."""
        if tree is None:
            return
        new = self._container(tree.get("t"), {**tree, "id": -1}, 0)
        if isinstance(value, np.ndarray):
            if isinstance(new, np.ndarray) and new.shape == value.shape and value.flags.writeable:
                np.copyto(value, new, casting="unsafe")
        elif isinstance(value, list) and isinstance(new, list):
            value[:] = new
        elif isinstance(value, np.random.Generator) and isinstance(new, np.random.Generator):
            value.bit_generator.state = new.bit_generator.state
        elif type(value) is dict and isinstance(new, dict):
            value.clear()
            value.update(new)
        elif type(value).__name__ in self.classes and type(value) is self.classes[
                type(value).__name__] and isinstance(new, dict):   # a given class's object
            vars(value).clear()
            vars(value).update({k: v for k, v in new.items() if isinstance(k, str)})

    def _container(self, kind, tree, depth):
        if kind == "array":
            return _array(tree)
        if kind in ("tuple", "list"):
            items = tree["items"]
            if not isinstance(items, list):
                raise ValueError("malformed sequence")
            if kind == "list":     # registered before its items, so they may refer to it
                out = []
                self.memo[tree["id"]] = out
                out.extend(self.decode(v, depth + 1) for v in items)
                return out
            return tuple(self.decode(v, depth + 1) for v in items)
        if kind == "dict":
            out = {}
            self.memo[tree["id"]] = out
            for k, v in tree["items"]:
                key = self.decode(k, depth + 1)
                try:
                    hash(key)
                except TypeError:
                    key = repr(key)
                out[key] = self.decode(v, depth + 1)
            return out
        if kind == "rng":
            state = self.decode(tree["state"], depth + 1)
            try:
                if state["bit_generator"] not in BIT_GENERATORS:
                    raise ValueError("not a bit generator")
                bits = getattr(np.random, state["bit_generator"])()
                bits.state = state
            except Exception:
                return Opaque("Generator", "a random generator whose state could not be read")
            return np.random.Generator(bits)
        if kind == "object":
            cls = self.classes.get(tree["class"])
            state = self.decode(tree["state"], depth + 1)
            if cls is None or not isinstance(state, dict):
                return Opaque(_string(tree["class"])[:100])
            obj = cls.__new__(cls)
            vars(obj).update({k: v for k, v in state.items() if isinstance(k, str)})
            return obj
        if kind == "code":
            if self.code is None:
                raise ValueError("code where none may be")
            return self.code(tree["source"], tree["name"], self.decode(tree["env"], depth + 1))
        raise ValueError(f"unknown kind of value {kind!r}")


def _string(value):
    if not isinstance(value, str):
        raise ValueError("malformed value")
    return value


def _dtype(text):
    if _string(text) not in _DTYPES:
        raise ValueError(f"dtype {text!r} is not one the grader reads")
    return np.dtype(text)


def _array(tree):
    dtype = _dtype(tree["dtype"])
    shape = tree["shape"]
    if (not isinstance(shape, list) or len(shape) > 32
            or not all(isinstance(n, int) and 0 <= n <= MAX_BYTES for n in shape)):
        raise ValueError("malformed array shape")
    raw = base64.b64decode(_string(tree["data"]), validate=True)
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise ValueError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def loads(text):
    """Parse a reply from the kernel, refusing one larger than MAX_BYTES."""
    if len(text) > MAX_BYTES:
        raise ValueError(f"a reply of {len(text) / 2**20:.0f} MB, more than the "
                         f"{MAX_BYTES / 2**20:.0f} MB the grader reads")
    return json.loads(text)
