"""A service package that cannot be imported stops the benchmark and the contract
stacks before anything starts, with the package's name in the error: no stack runs
without one of its services and no report marks a column "missing" instead."""

from __future__ import annotations

import pytest

from bench import stack as bench_stack
from devstack.packages import require_module
from tests.contract.stacks import fastapi_stack


def test_an_installed_service_module_passes():
    for modules in bench_stack.REQUIRED_MODULES.values():
        for module in modules:
            require_module(module, "this test")


def test_a_missing_package_is_named():
    with pytest.raises(RuntimeError, match=r"the benchmark needs files_svc\.main, and the files_svc package"):
        require_module("files_svc.main", "the benchmark")


def test_the_benchmark_stops_before_starting_anything(monkeypatch, tmp_path):
    monkeypatch.setitem(bench_stack.REQUIRED_MODULES, "worker", ("no_such_worker.__main__",))
    with pytest.raises(RuntimeError, match="no_such_worker"):
        with bench_stack.local_stack(bench_stack.StackOptions(), tmp_path, print, ("fastapi",)):
            pass
    assert not (tmp_path / "postgres").exists()


def test_the_contract_stack_stops_before_starting_anything(monkeypatch, tmp_path):
    import tests.contract.stacks as stacks

    monkeypatch.setitem(stacks.FASTAPI_SERVICES, "files", "no_such_files_service.main")
    with pytest.raises(RuntimeError, match="no_such_files_service"):
        with fastapi_stack({}, tmp_path):
            pass
    assert not list(tmp_path.iterdir())  # no server was started, so no log was opened
