"""rnnkit.grading.wire: what crosses between the grader and a student's kernel.

The trusted side decodes whatever the kernel sends, so besides round trips these tests feed
the decoder hostile input: it must refuse or neutralise it, never build code or huge arrays.
"""
import base64

import numpy as np
import pytest

from rnnkit.grading import wire


def round_trip(value, **decoder):
    return wire.Decoder(**decoder).decode(wire.Encoder().encode(value))


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "uint8", "bool",
                                   "complex128", "float16"])
def test_arrays_keep_dtype_shape_and_values(dtype):
    a = (np.arange(24).reshape(2, 3, 4) % 5).astype(dtype)
    b = round_trip(a)
    assert b.dtype == a.dtype and b.shape == a.shape and np.array_equal(a, b)
    assert b.flags.writeable and not np.shares_memory(a, b)


def test_zero_d_empty_and_strided_arrays_keep_their_shape():
    assert round_trip(np.array(2)).shape == ()
    assert round_trip(np.zeros((0, 3))).shape == (0, 3)
    a = np.arange(12.0).reshape(3, 4).T[::2]
    assert np.array_equal(round_trip(a), a)


def test_plain_values_and_containers():
    value = {"a": [1, 2.5, None, True, "text"], 3: (float("nan"), float("-inf"), 1 + 2j),
             "big": 2**200, "scalar": np.float32(1.5), "dtype": np.float32}
    back = round_trip(value)
    assert back["a"] == [1, 2.5, None, True, "text"] and type(back[3]) is tuple
    assert np.isnan(back[3][0]) and back[3][1] == float("-inf") and back[3][2] == 1 + 2j
    assert back["big"] == 2**200
    assert type(back["scalar"]) is np.float32 and back["scalar"] == 1.5
    assert back["dtype"] is np.float32


def test_one_object_sent_twice_is_one_object_on_the_other_side():
    x = np.zeros(3)
    back = round_trip([x, {"x": x}, (x,)])
    assert back[0] is back[1]["x"] is back[2][0]


def test_a_generator_crosses_as_its_state():
    rng = np.random.default_rng(5)
    rng.random(3)
    back = round_trip(rng)
    assert back.random() == rng.random()


class Model:
    def __init__(self):
        raise AssertionError("rebuilding an object must not run __init__")


def test_objects_of_known_classes_cross_by_attributes_others_as_opaque():
    m = Model.__new__(Model)
    m.params = {"W": np.eye(2)}
    tree = wire.Encoder(classes={"Model"}).encode(m)
    back = wire.Decoder(classes={"Model": Model}).decode(tree)
    assert type(back) is Model and np.array_equal(back.params["W"], np.eye(2))
    assert isinstance(wire.Decoder().decode(tree), wire.Opaque)           # class not allowed
    assert isinstance(round_trip(m), wire.Opaque)                        # not sent by class
    fn = round_trip(lambda x: x)
    assert isinstance(fn, wire.Opaque) and fn.type_name == "function <lambda>"


def test_update_changes_the_original_objects_in_place():
    x, lst, d, rng = np.zeros(3), [1], {"a": 1}, np.random.default_rng(0)
    encoder = wire.Encoder()
    encoder.encode([x, lst, d, rng])
    known = {n: v for v, n in encoder.memo.values()}
    x2, rng2 = np.arange(3.0), np.random.default_rng(0)
    rng2.random()
    decoder = wire.Decoder(known=known)
    for value, new in [(x, x2), (lst, [7, 8]), (d, {"b": 2}), (rng, rng2)]:
        decoder.update(value, wire.Encoder().contents(new))
    assert np.array_equal(x, x2) and lst == [7, 8] and d == {"b": 2}
    assert rng.random() == rng2.random()


def test_a_reply_referring_to_what_was_sent_gets_the_original_object():
    x = np.ones(2)
    sent = wire.Encoder()
    sent.encode([x])
    kernel_side = wire.Decoder().decode(wire.Encoder().encode([x]))   # the kernel's copy
    reply = wire.Encoder(known={id(kernel_side[0]): (kernel_side[0], 1)}).encode(kernel_side[0])
    assert reply == {"t": "ref", "id": 1}
    assert wire.Decoder(known={n: v for v, n in sent.memo.values()}).decode(reply) is x


def array_tree(**fields):
    tree = {"t": "array", "dtype": "<f8", "shape": [2],
            "data": base64.b64encode(np.zeros(2).tobytes()).decode()}
    return {**tree, **fields}


@pytest.mark.parametrize("tree", [
    array_tree(shape=[3]),                                   # data shorter than the shape
    array_tree(shape=[2**40, 2**40]),                        # a shape no memory can hold
    array_tree(shape=[-2]),
    array_tree(dtype="|O"),                                  # objects: pickles in disguise
    array_tree(data="not base64!"),
    {"t": "code", "source": "import os", "name": "f", "env": {"t": "dict", "items": []}},
    {"t": "handle", "key": 0, "index": None},
    {"t": "name", "v": "rnn_forward"},
    {"t": "int", "v": "9" * 5000},
    {"t": "float", "v": 1.5},                               # not a string
    {"t": "plain", "v": [1]},
    {"t": "sneaky"},
    "not a node",
])
def test_the_trusted_decoder_refuses_what_it_must_not_build(tree):
    with pytest.raises((ValueError, KeyError, TypeError)):
        wire.Decoder().decode(tree)


def test_nesting_and_size_are_bounded():
    deep = {"t": "plain", "v": None}
    for k in range(wire.MAX_DEPTH + 5):
        deep = {"t": "list", "items": [deep], "id": k}
    with pytest.raises(ValueError, match="malformed"):
        wire.Decoder().decode(deep)
    with pytest.raises(ValueError, match="more than"):
        wire.loads(" " * (wire.MAX_BYTES + 1))
    huge = np.zeros(wire.MAX_BYTES // 8)
    assert wire.Encoder().encode(huge)["t"] == "opaque"


def test_a_kernel_function_runs_where_it_is_called_too():
    x = np.array([1.0, 2.0])
    f = wire.KernelFunction("def f():\n    return float(np.sum(x ** 2))\n", "f", x=x)
    assert f() == 5.0
    x[0] = 3.0
    assert f() == 13.0          # reads the very array it was given
