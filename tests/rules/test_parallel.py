"""Rules shared with a forked child (gendan.model.parallel, gendan.rules.engine) give exactly the findings,
in exactly the order, of one process - on the sample and on randomised sheets."""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from factory import make_data
from factory import random_orders as _random_orders

from gendan.model import parallel
from gendan.model.findings import Finding
from gendan.model.grid import WorkbookData
from gendan.model.schema import load_schema
from gendan.read.reader import read_workbook
from gendan.read.tables import load_tables
from gendan.rules.checks.base import Context
from gendan.rules.engine import _all_findings

REPO = Path(__file__).resolve().parents[2]
linux_fork = pytest.mark.skipif(
    not sys.platform.startswith("linux") or parallel.cores() < 2,
    reason="forking is used on Linux with two or more cores only",
)


def _ctx(data: WorkbookData, as_of: dt.date) -> Context:
    schema = load_schema()
    return Context(tables=load_tables(data, schema), schema=schema, as_of=as_of)


def _both(ctx: Context) -> tuple[list[Finding], list[Finding]]:
    return _all_findings(ctx, fork_rows=0), _all_findings(ctx, fork_rows=10**9)


@linux_fork
def test_sample_forked_equals_one_process() -> None:
    ctx = _ctx(read_workbook(REPO / "xlsx" / "sample.xlsx"), dt.date(2026, 11, 27))
    forked, single = _both(ctx)
    assert forked == single  # same findings, same order, before sorting
    assert len(single) > 15


@linux_fork
def test_randomised_sheets_forked_equal_one_process() -> None:
    rng = random.Random(11)
    for _ in range(4):
        ctx = _ctx(make_data(_random_orders(rng, 40)), dt.date(2026, rng.randint(3, 12), 1))
        forked, single = _both(ctx)
        assert forked == single


@linux_fork
def test_fork_call_returns_the_childs_result_and_none_on_failure() -> None:
    parent = os.getpid()
    wait = parallel.fork_call(lambda: ("child", os.getpid()))
    assert wait is not None
    got = wait()
    assert got is not None
    who, pid = got
    assert who == "child" and pid != parent

    def boom() -> None:
        raise RuntimeError("x")

    wait = parallel.fork_call(boom)
    assert wait is not None and wait() is None


@linux_fork
def test_a_failing_child_costs_time_not_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = _ctx(read_workbook(REPO / "xlsx" / "sample.xlsx"), dt.date(2026, 11, 27))
    single = _all_findings(ctx, fork_rows=10**9)

    def failed_child(fn: Callable[[], object]) -> Callable[[], None]:
        return lambda: None

    monkeypatch.setattr(parallel, "fork_call", failed_child)
    assert _all_findings(ctx, fork_rows=0) == single


def test_serial_switches_forking_and_split_reading_off() -> None:
    import contextvars

    from gendan.read.split_read import SplitReader

    def in_a_worker() -> tuple[object, int]:
        parallel.serial()  # a folder-run worker's initializer: for the rest of that process
        return parallel.fork_call(lambda: 1), SplitReader().workers

    # run in a copy of the context, as a worker process would: nothing leaks into this one
    assert contextvars.copy_context().run(in_a_worker) == (None, 1)
    assert parallel._ENABLED.get() is True


def test_one_core_is_undone_after_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    from gendan.model.options import RunOptions
    from gendan.read.split_read import SplitReader

    monkeypatch.setattr(parallel, "cores", lambda: 4)
    assert parallel.allowed()
    with parallel.one_core():
        assert not parallel.allowed() and parallel.fork_call(lambda: 1) is None
        assert SplitReader().workers == 1
        with parallel.one_core(enabled=True):  # cannot widen what an outer block narrowed
            assert not parallel.allowed()
    assert parallel.allowed()
    with RunOptions(cores=1).scope():
        assert not parallel.allowed()
    assert parallel.allowed()
    with RunOptions().scope():
        assert parallel.allowed()


def test_no_fork_while_other_threads_run() -> None:
    import threading

    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert parallel.fork_call(lambda: 1) is None
    finally:
        stop.set()
        t.join()


def test_jobs_1_keeps_a_workbook_on_one_core(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gendan.rules.engine
    from gendan.cli import main

    monkeypatch.setattr(parallel, "cores", lambda: 4)
    seen: list[bool] = []
    real = gendan.rules.engine.check_workbook

    def spy(*a, **kw):  # type: ignore[no-untyped-def]
        seen.append(parallel.allowed())
        return real(*a, **kw)

    monkeypatch.setattr(gendan.rules.engine, "check_workbook", spy)
    for jobs in (["--jobs", "1"], []):
        assert (
            main(
                [
                    "check",
                    str(REPO / "xlsx" / "sample.xlsx"),
                    *jobs,
                    "--format",
                    "json",
                    "--as-of",
                    "2026-11-27",
                ]
            )
            == 1
        )
    assert seen == [False, True]  # one core during the --jobs 1 run only
    assert parallel.allowed()  # and nothing left switched off afterwards
