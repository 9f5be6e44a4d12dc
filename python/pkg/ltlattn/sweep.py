"""Sweeps on Ray: one task per (model, spec), on a laptop or a cluster.

    import ray, ltlattn
    ray.init()                                   # or ray.init(address="auto") on a cluster
    records = ltlattn.sweep(sorted(glob.glob("runs/*/model.toml")), ["P a"],
                            out="verdicts.jsonl")

Ray schedules the tasks (``num_cpus=1`` each); a task whose worker process died is
retried (``max_retries``). The models travel as their TOML text and weights bytes, put
once in Ray's object store, so the workers need no shared file system. Each record is a
dict: ``model`` (its path or name), ``spec``, ``holds`` (True, False, or None when the
check raised), ``seconds`` (in the worker), ``result`` (the verdict's ``to_dict()``, the
command line's ``check --json``) and ``error`` (None, or the exception's ``type``,
``message``, ``help`` and ``checked_up_to_length``). Records come back in the order of
``models`` × ``specs`` (or of ``pairs``); with ``out`` they are also written to a JSONL file as they
finish. docs/book/guide/python.md has a sweep over a folder of checkpoints.
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from . import _ltlattn as _native

__all__ = ["sweep", "check_record"]

Record = Dict[str, Any]
ModelRef = Union[str, "os.PathLike[str]", _native.Model]


def _shipped(m: ModelRef) -> Tuple[str, str, Optional[bytes]]:
    """A model as (name, TOML text, weights bytes): what a worker needs to load it."""
    if isinstance(m, _native.Model):
        return m.source, m.text, m.weights
    loaded = _native.load(os.fspath(m))
    return loaded.source, loaded.text, loaded.weights


def check_record(source: str, text: str, weights: Optional[bytes], spec: str,
                 options: Dict[str, Any]) -> Record:
    """One (model, spec) check as a sweep record (what each Ray task runs)."""
    started = time.perf_counter()
    record: Record = {"model": source, "spec": spec, "holds": None, "seconds": 0.0,
                      "result": None, "error": None}
    try:
        model = _native.load_text(source, text, weights)
        result = json.loads(_native.check(model, spec, **options))
        record["holds"] = bool(result["holds"])
        record["result"] = result
    except _native.LtlattnError as e:
        record["error"] = {"type": type(e).__name__, "message": getattr(e, "message", str(e)),
                           "help": getattr(e, "help", None),
                           "checked_up_to_length": getattr(e, "checked_up_to_length", None)}
    record["seconds"] = time.perf_counter() - started
    return record


def sweep(models: Iterable[ModelRef] = (), specs: Iterable[Any] = (), *,
          pairs: Optional[Iterable[Tuple[ModelRef, Any]]] = None, engine: str = "auto",
          max_states: int = _native.DEFAULT_MAX_STATES, timeout: Optional[float] = None,
          max_depth: int = 200, out: Union[None, str, "os.PathLike[str]"] = None,
          progress: Union[bool, Callable[[int, int, Record], None]] = True,
          max_retries: int = 3) -> List[Record]:
    """Check every model against every spec, one Ray task per pair.

    models       paths of model.toml files, or loaded ``ltlattn.Model`` objects
    specs        formulas (text or ``ltlattn.formula``): every model is checked against
                 every spec
    pairs        instead of models × specs: the (model, spec) pairs to check, such as
                 each checkpoint with the language it was trained on
    engine, max_states, timeout, max_depth
                 as for ``ltlattn.check``, per task
    out          a JSONL file the records are written to as they finish
    progress     True: a line on stderr per finished task; a function
                 ``progress(done, total, record)``; False: nothing
    max_retries  how many times Ray re-runs a task whose worker died

    Needs ray (``pip install ray``); calls ``ray.init()`` if Ray is not initialized
    (connect to a cluster first with ``ray.init(address=...)``).
    """
    import ray

    if not ray.is_initialized():
        ray.init()
    options: Dict[str, Any] = {"engine": engine, "max_states": max_states, "timeout": timeout,
                               "max_depth": max_depth}
    if pairs is None:
        spec_list = list(specs)
        pairs = [(m, s) for m in models for s in spec_list]
    task = ray.remote(num_cpus=1, max_retries=max_retries)(check_record)
    refs = []
    # Each model is read and put in the object store once, however many specs it meets.
    shipped: Dict[Any, Tuple[str, str, Any]] = {}
    for m, spec in pairs:
        key = id(m) if isinstance(m, _native.Model) else os.fspath(m)
        if key not in shipped:
            source, text, weights = _shipped(m)
            shipped[key] = (source, text, ray.put(weights))
        source, text, weights_ref = shipped[key]
        spec_text = spec if isinstance(spec, str) else str(getattr(spec, "text", spec))
        refs.append(task.remote(source, text, weights_ref, spec_text, options))
    total = len(refs)
    index = {ref: i for i, ref in enumerate(refs)}
    records: List[Optional[Record]] = [None] * total
    sink = open(out, "w", encoding="utf-8") if out is not None else None
    try:
        pending = list(refs)
        done = 0
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                record: Record = ray.get(ref)
                records[index[ref]] = record
                done += 1
                if sink is not None:
                    sink.write(json.dumps(record, ensure_ascii=False) + "\n")
                    sink.flush()
                if callable(progress):
                    progress(done, total, record)
                elif progress:
                    verdict = {True: "holds", False: "does not hold", None: "error"}[
                        record["holds"]]
                    print(f"[{done}/{total}] {record['model']} · {record['spec']}: {verdict}",
                          file=sys.stderr)
    finally:
        if sink is not None:
            sink.close()
    return [r for r in records if r is not None]
