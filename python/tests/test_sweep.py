"""The Ray sweep on a local instance (ray.init(num_cpus=2)) over 20 trained models of
examples/trained/: every record equals the direct call's verdict."""
from __future__ import annotations

import json
import os
from typing import Any, List, Tuple

import pytest

import ltlattn
from conftest import ROOT

ray = pytest.importorskip("ray")


def trained(n: int) -> List[Tuple[str, str]]:
    """n (model path, spec) pairs of examples/trained/manifest.json: local-attention
    models with their language's formula (each decided in well under a second), spread
    over the languages."""
    manifest = json.load(open(os.path.join(ROOT, "examples/trained/manifest.json")))
    rows = [(os.path.join("examples/trained", m["model"]), m["spec"])
            for m in manifest["models"]
            if not m["spec"].startswith("dfa:") and m["architecture"].startswith("local")]
    step = max(1, len(rows) // n)
    return rows[::step][:n]


def without_seconds(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: without_seconds(v) for k, v in d.items() if k != "seconds"}
    if isinstance(d, list):
        return [without_seconds(v) for v in d]
    return d


@pytest.fixture(scope="module")
def local_ray() -> Any:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_sweep_over_20_models_equals_the_direct_calls(local_ray: Any, tmp_path: Any) -> None:
    pairs = trained(20)
    assert len(pairs) == 20
    seen: List[int] = []
    out = tmp_path / "verdicts.jsonl"
    records = ltlattn.sweep(pairs=pairs, out=out,
                            progress=lambda done, total, r: seen.append(done))
    assert len(records) == len(pairs)
    assert seen == list(range(1, len(records) + 1))
    lines = [json.loads(l) for l in out.read_text().splitlines()]
    assert sorted((r["model"], r["spec"]) for r in lines) == sorted(pairs)
    for (path, spec), r in zip(pairs, records):
        assert (r["model"], r["spec"]) == (path, spec)
        direct = ltlattn.check(ltlattn.load(path), spec).to_dict()
        assert r["error"] is None
        assert without_seconds(r["result"]) == without_seconds(direct)
        assert r["holds"] == direct["holds"]


def test_sweep_crosses_models_and_specs(local_ray: Any) -> None:
    models = ["examples/numeric/contains-a.toml", "examples/numeric/naive-contains-a.toml"]
    records = ltlattn.sweep(models, ["P a", "Y a"], progress=False)
    assert [(r["model"], r["spec"]) for r in records] == [
        (m, s) for m in models for s in ["P a", "Y a"]]
    assert [r["holds"] for r in records] == [True, False, False, False]


def test_sweep_takes_loaded_models_and_reports_errors(local_ray: Any) -> None:
    m = ltlattn.load("examples/numeric/contains-a.toml")
    records = ltlattn.sweep([m], ["P a", "P z", "P ("], progress=False)
    assert [r["holds"] for r in records] == [True, None, None]
    assert records[1]["error"]["type"] == "ModelError"
    assert records[2]["error"]["type"] == "ParseError"
