"""A child process that runs models in an official runtime for the tests (op_harness.py starts
it): a file that makes the runtime abort kills this process, not the test run.

    python runtime_child.py micro|litert READ_FD WRITE_FD

Requests arrive as pickled tuples (model bytes, [[arrays of one run, in input order], ...])
on READ_FD; each answer is ("ok", [[outputs of one run], ...]) or ("error", exception type
name, message) on WRITE_FD. The runtime's own log goes to this process's stderr, which the
parent reads back when a request fails."""
import os
import sys
from multiprocessing.connection import Connection

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# TFLite Micro plans every tensor in one arena of a size fixed up front; this one holds every
# model of the tests with room to spare (too small, Micro says "Arena size is too small").
MICRO_ARENA = 64 << 20


def _micro(model, runs):
    """TFLite Micro keeps each tensor's shape from the file (batch 1 in the files qtflite
    writes): a run whose inputs hold N samples of the declared shape is N invocations, whose
    outputs are stacked again."""
    from tflite_micro.python.tflite_micro import runtime
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
    graph = schema.Model.GetRootAsModel(model, 0).Subgraphs(0)
    n_in, n_out = graph.InputsLength(), graph.OutputsLength()
    it = runtime.Interpreter.from_bytes(model, arena_size=max(MICRO_ARENA, 16 * len(model)))
    declared = [list(it.get_input_details(i)["shape"]) for i in range(n_in)]
    results = []
    for feeds in runs:
        if len(feeds) != n_in:
            raise ValueError(f"the model has {n_in} inputs, {len(feeds)} given")
        shapes = [list(np.shape(x)) for x in feeds]
        if shapes == declared:
            rows = [feeds]
        elif all(d[0] == 1 and s[1:] == d[1:] for s, d in zip(shapes, declared)) and len({s[0] for s in shapes}) == 1:
            rows = [[x[r:r + 1] for x in feeds] for r in range(shapes[0][0])]
        else:
            raise ValueError(f"inputs of shapes {shapes} do not fit the declared shapes {declared}")
        outputs = []
        for row in rows:
            for i, x in enumerate(row):
                it.set_input(np.ascontiguousarray(x), i)
            it.invoke()
            outputs.append([np.array(it.get_output(k), copy=True) for k in range(n_out)])
        results.append([np.concatenate([o[k] for o in outputs]) if len(rows) > 1 else outputs[0][k]
                        for k in range(n_out)])
    return results


def _litert(model, runs):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    results, shapes = [], None
    for feeds in runs:
        details = it.get_input_details()
        new = [list(np.shape(x)) for x in feeds]
        if shapes != new:
            for d, shape in zip(details, new):
                if list(d["shape"]) != shape:
                    it.resize_tensor_input(d["index"], shape)
            it.allocate_tensors()
            shapes = new
        for d, x in zip(it.get_input_details(), feeds):
            it.set_tensor(d["index"], x)
        it.invoke()
        results.append([np.array(it.get_tensor(d["index"]), copy=True) for d in it.get_output_details()])
    return results


def main():
    runner = {"micro": _micro, "litert": _litert}[sys.argv[1]]
    requests = Connection(int(sys.argv[2]), writable=False)
    answers = Connection(int(sys.argv[3]), readable=False)
    while True:
        try:
            model, runs = requests.recv()
        except EOFError:
            return
        try:
            answer = ("ok", runner(model, runs))
        except Exception as e:  # the runtime refused the model or an input: the parent raises it
            answer = ("error", type(e).__name__, str(e))
        sys.stderr.flush()
        answers.send(answer)


if __name__ == "__main__":
    main()
