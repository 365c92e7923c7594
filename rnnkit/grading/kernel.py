"""The kernel's side of grading: run one request of the grader and publish the reply.

The grader sends ``serve("<request>")`` as silent code to the student's kernel. A request
names a function of the notebook and carries its arguments (:mod:`.wire`); the reply, sent as
display data of the type ``wire.MIME``, carries how the call ended, what it returned and the
state afterwards of every argument it may have changed. Nothing here is trusted: a notebook
may replace any of it, which changes only what the grader reads back as its functions'
results, and those are checked on the grader's side.
"""
import base64
import json

import numpy as np

from . import checks, wire

_kept = {}     # values returned to the grader, by key, so that they can be passed back


def serve(request):
    from IPython import get_ipython
    from IPython.display import publish_display_data

    namespace = get_ipython().user_ns
    req = json.loads(base64.b64decode(request))
    try:
        reply = _answer(req, namespace)
    except Exception as e:      # the request could not be carried out: say why
        reply = {"outcome": {"kind": "lost", "message": f"the grader's request failed in the "
                             f"kernel: {type(e).__name__}: {str(e)[:300]}"}}
    publish_display_data({wire.MIME: wire.dumps(reply)})


def _answer(req, namespace):
    fn = namespace.get(req["name"])
    if req["op"] == "probe":
        return {"found": "ok" if callable(fn) else "missing" if fn is None
                else checks.describe(fn)}
    if not callable(fn):
        return {"outcome": {"kind": "absent"}}
    classes = {n: v for n, v in namespace.items() if isinstance(v, type)}
    decoder = wire.Decoder(classes=classes, handles=_handle,
                           code=lambda source, name, env: _define(source, name, env),
                           names=namespace.__getitem__)
    args = decoder.decode(req["args"])
    kwargs = decoder.decode(req["kwargs"])
    outcome, result = checks.invoke(fn, args, kwargs, req["time_limit"],
                                    blocked=req.get("blocked", []), namespace=namespace)
    key = len(_kept)
    _kept[key] = result
    sent = {id(v): (v, n) for n, v in decoder.memo.items()}
    encoder = wire.Encoder(classes=classes, known=sent)
    reply = {"outcome": outcome, "key": key, "result": encoder.encode(result)}
    reply["after"] = [[n, encoder.contents(v)] for n, v in decoder.memo.items()
                      if n in req["sync"]]
    return reply


def _handle(key, index):
    value = _kept[key]
    return value if index is None else value[index]


def _define(source, name, env):
    scope = {"np": np, **env}
    exec(source, scope)
    return scope[name]

