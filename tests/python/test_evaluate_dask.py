"""evaluate(client=...) on a local Dask cluster of two worker processes: shards of whole batches
on the workers give exactly the local run's outputs, for the float and the int8 seed model."""
import numpy as np
import pytest

import qtflite

distributed = pytest.importorskip("distributed", reason="the dask extra (dask[distributed]) is not installed")

from test_evaluate import mnist, models  # noqa: E402,F401  (module fixtures)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")  # any free port
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.mark.parametrize("kind", ["float32", "int8"])
def test_dask_equals_local(client, models, mnist, kind):
    _, x, y = mnist
    model = models[0] if kind == "float32" else models[1]
    x, y = x[:3000], y[:3000]
    local = qtflite.evaluate(model, x, y, batch_size=128, progress=False)
    sharded = qtflite.evaluate(model, x, y, batch_size=128, progress=False, client=client)
    assert sharded.engine.startswith("dask: 4 shards on 2 workers")
    np.testing.assert_array_equal(sharded.outputs[0], local.outputs[0])
    np.testing.assert_array_equal(sharded.predictions, local.predictions)
    np.testing.assert_array_equal(sharded.confusion_matrix, local.confusion_matrix)
    assert sharded.accuracy == local.accuracy and sharded.top_k_accuracy == local.top_k_accuracy
    # Without labels: the outputs, in order.
    np.testing.assert_array_equal(qtflite.evaluate(model, x[:500], client=client, progress=False),
                                  qtflite.evaluate(model, x[:500], progress=False))


def test_dask_with_an_interpreter_and_default_batches(client, models, mnist):
    _, x, y = mnist
    it = qtflite.lite.Interpreter(model_content=models[1])
    local = qtflite.evaluate(it, x[:1000], y[:1000], progress=False)
    sharded = qtflite.evaluate(it, x[:1000], y[:1000], progress=False, client=client)
    np.testing.assert_array_equal(sharded.outputs[0], local.outputs[0])
    assert sharded.to_dict(predictions=False)["accuracy"] == local.accuracy


def test_dask_array_shards_are_computed_on_the_workers(client, models, mnist):
    """x as a Dask array (say, read from files by the workers): never gathered by the client,
    equal results."""
    da = pytest.importorskip("dask.array")
    _, x, y = mnist
    lazy = da.from_array(x[:2000], chunks=(300, 28, 28, 1))
    local = qtflite.evaluate(models[1], x[:2000], y[:2000], batch_size=100, progress=False)
    sharded = qtflite.evaluate(models[1], lazy, y[:2000], batch_size=100, progress=False, client=client)
    np.testing.assert_array_equal(sharded.outputs[0], local.outputs[0])
    # Without a client a Dask array is read batch by batch.
    np.testing.assert_array_equal(qtflite.evaluate(models[1], lazy[:300], progress=False), local.outputs[0][:300])
