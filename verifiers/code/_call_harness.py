"""Call-based test harness: runs INSIDE the sandbox, never imported by the verifier.

``python3 -I -B _harness.py FN_NAME < args.json`` loads ``solution.py`` as module
``solution`` (with ``typing``'s names predefined, as LeetCode-style code expects), finds
``FN_NAME`` (a top-level function, or a method of ``class Solution``), calls it with
the JSON list of arguments read from stdin, and writes one record as the last line of
its *original* stdout: ``{"value": <return value as JSON>}`` or ``{"error": kind,
"message": ...}``. The solution's own prints are sent to stderr so they cannot mix
into the record channel, and the process ends with ``os._exit`` right after the record
so no ``atexit`` hook of the solution runs after it.

The harness decides nothing: the verifier decodes the record outside the sandbox and
compares the value itself. A solution that tampers with this process can at most
write a record of a value it chose -- which is what returning that value does. The
expected outputs are never inside the sandbox.
"""

import json
import os
import sys
import traceback


def _record(fn_name, args):
    namespace: dict = {"__name__": "solution", "__file__": "solution.py"}
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "solution.py"), encoding="utf-8") as handle:
            source = handle.read()
        exec("from typing import *", namespace)
        exec(compile(source, "solution.py", "exec"), namespace)
    except BaseException as exc:
        traceback.print_exc()
        return {"error": "exception", "message": f"at import: {type(exc).__name__}: {exc}"[:500]}
    target = namespace.get(fn_name)
    if target is None and isinstance(namespace.get("Solution"), type):
        try:
            target = getattr(namespace["Solution"](), fn_name, None)
        except BaseException as exc:
            return {
                "error": "exception",
                "message": f"Solution(): {type(exc).__name__}: {exc}"[:500],
            }
    if not callable(target):
        return {"error": "no_function", "message": f"no function or Solution method {fn_name!r}"}
    try:
        value = target(*args)
    except BaseException as exc:
        traceback.print_exc()
        return {"error": "exception", "message": f"{type(exc).__name__}: {exc}"[:500]}
    try:
        return {"value": json.loads(json.dumps(value))}
    except BaseException as exc:
        return {"error": "unserialisable", "message": f"{type(value).__name__}: {exc}"[:500]}


def main():
    fn_name = sys.argv[1]
    args = json.loads(sys.stdin.buffer.read())
    channel = os.dup(1)
    os.dup2(2, 1)
    record = _record(fn_name, args)
    try:
        data = ("\n" + json.dumps(record) + "\n").encode("utf-8", "surrogatepass")
    except BaseException as exc:
        data = (
            "\n" + json.dumps({"error": "unserialisable", "message": str(exc)[:500]}) + "\n"
        ).encode()
    while data:
        data = data[os.write(channel, data) :]
    os._exit(0)


if __name__ == "__main__":
    main()
