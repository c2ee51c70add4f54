"""The optional Dask backend gives the same summaries as the local run (same seed)."""

import pytest

pytest.importorskip("distributed")

from finmodel.sweep.driver import run_sweep  # noqa: E402

pytestmark = pytest.mark.dask


def test_dask_local_cluster_equals_local_run():
    n = 2**16 + 5000  # two blocks, the second partial
    local = run_sweep(None, "luton-sensitivity", "lhs", n, seed=4, chunk_size=30_000)
    dask = run_sweep(None, "luton-sensitivity", "lhs", n, seed=4, backend="dask", dask_workers=2, dask_processes=False)
    assert local.summary.keys() == dask.summary.keys()
    for name in local.summary:
        a, b = local.summaries[name], dask.summaries[name]
        assert a.count == b.count == n
        ra, rb = a.result((5, 50, 95)), b.result((5, 50, 95))
        for k in ("count", "min", "max", "p5", "p50", "p95", "prob_exceeds", "bounds"):
            assert ra[k] == rb[k], (name, k)
        assert (a._cnt == b._cnt).all(), name
        assert rb == ra, name  # every figure, bit for bit (see tests/sweep/test_exact_chunks.py)
    assert dask.risk["prob_shortfall_exceeds_contingency"] == local.risk["prob_shortfall_exceeds_contingency"]
    # the run says where it ran: the scheduler, its workers and threads
    assert local.backend == "local"
    assert dask.backend.startswith("dask: ") and "(local cluster), 2 workers" in dask.backend and "threads" in dask.backend


_SHIPPED: list[int] = []  # module level: dask pickles a top-level function by reference, so the
# thread workers append to this very list (a closure would be copied with its own list)


def _counting_group(ctx, g, threads=1):
    from finmodel.sweep import backends

    _SHIPPED.append(g)
    return backends.FOLD_GROUP_REAL(ctx, g, threads)


def test_dask_across_fold_groups_equals_local_and_ships_one_summary_per_group(monkeypatch):
    """Three fold groups (the last partial): merged on the workers, identical to local."""
    from finmodel.sweep import backends

    n = 2 * backends.FOLD_GROUP_BLOCKS * 2**16 + 7000  # 8 full blocks + 7,000 rows: groups of 4, 4, 1 blocks
    local = run_sweep(None, "luton-sensitivity", "lhs", n, seed=11, chunk_size=100_000)
    _SHIPPED.clear()
    monkeypatch.setattr(backends, "FOLD_GROUP_REAL", backends.summarise_group, raising=False)
    monkeypatch.setattr(backends, "summarise_group", _counting_group)
    dask = run_sweep(None, "luton-sensitivity", "lhs", n, seed=11, backend="dask", dask_workers=2, dask_processes=False)
    assert sorted(_SHIPPED) == [0, 1, 2]  # one task (and one summary back) per group, not per block
    for name in local.summary:
        assert dask.summaries[name].result() == local.summaries[name].result(), name
    assert dask.risk == local.risk
