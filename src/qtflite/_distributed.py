"""evaluate(client=...): the data set split into shards of whole batches, each evaluated on a Dask
worker. The model's bytes go to every worker once (scatter with broadcast); each shard runs the
same batches as the local loop would, so the outputs are the same. x may be a Dask array: its
shards are then computed on the workers."""
from __future__ import annotations

import math

import numpy as np

from ._model_io import BatchRunner, ModelInputs, dequantize, is_lazy

__all__ = ["run_sharded", "evaluate_shard"]

SHARDS_PER_WORKER = 2  # a little slack for uneven workers


def evaluate_shard(content, settings, batch_size, *arrays):
    """On a worker: the dequantized outputs of one shard (a list, one array per model output)."""
    from .interpreter import Interpreter

    it = Interpreter(model_content=content, numerics=settings["numerics"],
                     experimental_op_resolver_type=settings["resolver"])
    runner = BatchRunner(it)
    inputs = ModelInputs(runner.inputs, list(arrays))
    chunks = []
    for start in range(0, inputs.n, batch_size):
        raw = runner.run(inputs.batch(start, min(start + batch_size, inputs.n)))
        chunks.append([dequantize(o, d) for o, d in zip(raw, runner.outputs)])
    return [np.concatenate([c[k] for c in chunks]) for k in range(len(runner.outputs))]


def _shards(client, a, starts, shard_len):
    if is_lazy(a):
        blocks = a.rechunk((shard_len,) + tuple(a.shape[1:])).to_delayed().reshape(-1)
        return client.compute(list(blocks))
    return client.scatter([a[s:s + shard_len] for s in starts])


def _settings(it):
    resolver = getattr(it, "_resolver", None)
    return {"numerics": it._numerics, "resolver": getattr(resolver, "name", resolver)}


def run_sharded(client, it, inputs: ModelInputs, batch_size: int, bar):
    """(outputs, number of shards, number of workers)."""
    try:
        from distributed import as_completed
    except ImportError as e:
        raise ImportError("evaluate(client=...) needs Dask: pip install 'qtflite[dask]'") from e
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    batches = math.ceil(inputs.n / batch_size) if inputs.n else 0
    shard_len = max(1, math.ceil(batches / (workers * SHARDS_PER_WORKER))) * batch_size
    model = client.scatter(it._content, broadcast=True)
    settings = _settings(it)
    starts = list(range(0, inputs.n, shard_len))
    # Per input, one future per shard: NumPy shards are sent to the workers; a Dask array's
    # shards are computed there (rechunked to whole shards), never gathered here.
    shard_futures = [_shards(client, a, starts, shard_len) for a in inputs.arrays]
    futures, sizes = [], {}
    for k, start in enumerate(starts):
        parts = [per_input[k] for per_input in shard_futures]
        f = client.submit(evaluate_shard, model, settings, batch_size, *parts, pure=False)
        futures.append(f)
        sizes[f.key] = min(shard_len, inputs.n - start)
    for f in as_completed(futures):
        bar.update(sizes[f.key])
    results = client.gather(futures)
    num_outputs = len(it.get_output_details())
    if not results:
        return [np.zeros((0,), np.float32) for _ in range(num_outputs)], 0, workers
    outputs = [np.concatenate([r[k] for r in results]) for k in range(num_outputs)]
    return outputs, len(futures), workers
