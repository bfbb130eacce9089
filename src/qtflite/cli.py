"""Command line: ``python -m qtflite inspect FILE``, ``python -m qtflite bench FILE`` (the per-operator
profile on random inputs), ``eval MODEL --data mnist|FILE.npz`` and ``compare FLOAT QUANT --data ...``
(cli_eval.py), ``convert``, ``size`` and ``c-array`` (cli_tools.py); also installed as ``qtflite``."""
from __future__ import annotations

import argparse
import json
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="qtflite", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_inspect = sub.add_parser("inspect", help="show a .tflite model's operators, tensors and sizes")
    p_inspect.add_argument("file")
    p_inspect.add_argument("--json", action="store_true", help="print the report as JSON")
    p_inspect.add_argument("--tensors", action="store_true", help="list every tensor")
    p_bench = sub.add_parser("bench", help="time a .tflite model's operators on random inputs (per-operator profile)")
    p_bench.add_argument("file")
    p_bench.add_argument("--runs", type=int, default=10, help="profiled invokes (default 10)")
    p_bench.add_argument("--batch", type=int, default=None, help="resize the first input's batch dimension")
    p_bench.add_argument("--numerics", choices=["micro", "litert"], default="micro")
    p_bench.add_argument("--reference", action="store_true", help="the scalar reference kernels (BUILTIN_REF)")
    p_bench.add_argument("--json", action="store_true", help="print the report as JSON")
    from . import cli_eval  # eval, compare
    from . import cli_tools  # convert, size, c-array
    cli_eval.add_commands(sub)
    cli_tools.add_commands(sub)
    args = parser.parse_args(argv)
    if args.command in cli_eval.COMMANDS:
        return cli_eval.run(args)
    if args.command == "bench":
        return _bench(args)
    if args.command in cli_tools.COMMANDS:
        return cli_tools.run(args)

    from .inspect import inspect

    try:
        report = inspect(args.file)
    except (OSError, ValueError, NotImplementedError) as e:
        print(f"qtflite: error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=1, default=str))
    else:
        print(report.text(show_tensors=args.tensors))
    return 0


def _bench(args) -> int:
    import numpy as np

    from .interpreter import Interpreter
    from .profile import profile, _random_input

    try:
        it = Interpreter(model_path=args.file, numerics=args.numerics,
                         experimental_op_resolver_type="BUILTIN_REF" if args.reference else None)
        rng = np.random.default_rng(0)
        inputs = []
        for k, d in enumerate(it.get_input_details()):
            d = dict(d)
            if k == 0 and args.batch:
                d["shape"] = [args.batch] + list(d["shape"][1:])
            inputs.append(_random_input(d, rng))
        report = profile(it, inputs, runs=args.runs)
    except (OSError, ValueError, NotImplementedError, RuntimeError) as e:
        print(f"qtflite: error: {e}", file=sys.stderr)
        return 2
    # Which kernels ran: the instruction-set tier (QTFLITE_ISA forces one) and the CPU.
    from . import cpu_info
    info = cpu_info()
    tier = "reference" if args.reference else info["active"]
    if args.json:
        print(json.dumps(dict(report.to_dict(), isa=tier, cpu=info["brand"]), indent=1))
    else:
        print(f"{report!r}\n  kernels: {tier} tier on {info['brand']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
