"""from_torch and save on modules whose weights are numpy arrays: stand-ins with the
parts of torch.nn.Module the exporter reads (state_dict, named_modules), laid out as
python/example_torch.py's module (torch is too large for CI)."""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Tuple

import numpy as np
import pytest

import ltlattn
from conftest import cli

RENAME = ltlattn.rules([
    (r"^tok\.weight$", "embed"),
    (r"^blocks\.(\d+)\.attn\.q\.", r"layer.\1.head.0.query."),
    (r"^blocks\.(\d+)\.attn\.k\.", r"layer.\1.head.0.key."),
    (r"^blocks\.(\d+)\.attn\.v\.", r"layer.\1.head.0.value."),
    (r"^blocks\.(\d+)\.attn\.o\.", r"layer.\1.out."),
    (r"^blocks\.(\d+)\.ffn\.up\.", r"layer.\1.ffn.up."),
    (r"^blocks\.(\d+)\.ffn\.down\.", r"layer.\1.ffn.down."),
    (r"^head\.", "classifier."),
])


class Module:
    """A stand-in for torch.nn.Module: a name, children, and numpy parameters."""

    def __init__(self, **params: Any) -> None:
        self._params: Dict[str, np.ndarray] = {
            k: np.asarray(v, dtype=np.float32) for k, v in params.items()}
        self._children: Dict[str, "Module"] = {}

    def add(self, name: str, child: "Module") -> "Module":
        self._children[name] = child
        return self

    def named_modules(self, prefix: str = "") -> Iterator[Tuple[str, "Module"]]:
        yield prefix, self
        for name, child in self._children.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def state_dict(self) -> Dict[str, np.ndarray]:
        out = {}
        for name, module in self.named_modules():
            for k, v in module._params.items():
                out[f"{name}.{k}" if name else k] = v
        return out


class Embedding(Module):
    pass


class Linear(Module):
    pass


class ReLU(Module):
    pass


class GELU(Module):
    pass


class RMSNorm(Module):
    pass


def naive_contains_a(activation: type = ReLU, positions: bool = False,
                     norm: type = Module) -> Module:
    """NUMERIC.md §2's naive "contains a" (it fails first at a⁸), with a feed-forward
    layer that computes 0 so that the activation is part of the module."""
    attn = (Module()
            .add("q", Linear(weight=[[0, 0]], bias=[1]))
            .add("k", Linear(weight=[[4, 0]], bias=[0]))
            .add("v", Linear(weight=[[1, 0]], bias=[0]))
            .add("o", Linear(weight=[[0], [1]])))
    ffn = (Module()
           .add("up", Linear(weight=[[0, 0]], bias=[0]))
           .add("act", activation())
           .add("down", Linear(weight=[[0], [0]], bias=[0, 0])))
    block = Module().add("attn", attn).add("ffn", ffn)
    if norm is not Module:
        block.add("norm", norm(weight=[1, 1]))
    m = (Module()
         .add("tok", Embedding(weight=[[1, 0], [0, 1], [0, 0]]))
         .add("blocks", Module().add("0", block))
         .add("head", Linear(weight=[[0, 1]], bias=[-0.125])))
    if positions:
        m.add("pos", Embedding(weight=np.zeros((64, 2))))
    return m


LAYERS: List[Dict[str, Any]] = [{"heads": [{"range": "global", "scale": 1.0}], "ffn": True}]
NUMBER = {"format": "fixed", "int_bits": 5, "frac_bits": 2}


def test_from_torch_gives_the_model_and_its_verdict() -> None:
    m = ltlattn.from_torch(naive_contains_a(), alphabet=["a", "b"], number=NUMBER,
                           layers=LAYERS, rename=RENAME, name="naive")
    assert m.kind == "numeric" and m.alphabet == ["a", "b"]
    v = ltlattn.check(m, "P a")
    c = v.counterexample
    assert not v.holds and c is not None and str(c) == "a a a a a a a a"
    assert (c.first, c.second) == (False, True)


def test_layers_are_read_from_the_names_when_left_out() -> None:
    m = ltlattn.from_torch(naive_contains_a(), alphabet=["a", "b"], number=NUMBER,
                           rename=RENAME)
    # The default scale (1/sqrt(d_head) = 1 here) is the one given above.
    assert not ltlattn.check(m, "P a").holds


def test_save_writes_what_the_binary_reads(tmp_path: Any) -> None:
    m = ltlattn.from_torch(naive_contains_a(), alphabet=["a", "b"], number=NUMBER,
                           layers=LAYERS, rename=RENAME)
    path = tmp_path / "naive.toml"
    ltlattn.save(m, path)
    want, code = cli("check", str(path), "--spec", "P a", "--json")
    assert code == 1
    assert ltlattn.check(m, "P a").to_dict() == want


def test_export_writes_the_same_files(tmp_path: Any) -> None:
    ltlattn.export(naive_contains_a(), alphabet=["a", "b"], number=NUMBER, layers=LAYERS,
                   rename=RENAME, path=str(tmp_path / "e.toml"))
    a = ltlattn.load(tmp_path / "e.toml")
    b = ltlattn.from_torch(naive_contains_a(), alphabet=["a", "b"], number=NUMBER,
                           layers=LAYERS, rename=RENAME)
    assert a.text == b.text.replace('"model.safetensors"', '"e.safetensors"')
    assert a.weights == b.weights
    assert ltlattn.check(a, "P a").to_dict() == ltlattn.check(b, "P a").to_dict()


def test_gelu_is_refused_with_the_reason() -> None:
    with pytest.raises(ltlattn.UnsupportedModule, match=r"`blocks\.0\.ffn\.act` is a GELU.*ReLU"):
        ltlattn.from_torch(naive_contains_a(activation=GELU), alphabet=["a", "b"],
                           number=NUMBER, rename=RENAME)


def test_learned_positions_are_refused_with_the_reason() -> None:
    with pytest.raises(ltlattn.UnsupportedModule, match=r"`pos`.*positions.*NoPE"):
        ltlattn.from_torch(naive_contains_a(positions=True), alphabet=["a", "b"],
                           number=NUMBER, rename=RENAME)


def test_a_different_norm_is_refused_with_the_reason() -> None:
    with pytest.raises(ltlattn.UnsupportedModule, match=r"RMSNorm.*LayerNorm"):
        ltlattn.from_torch(naive_contains_a(norm=RMSNorm), alphabet=["a", "b"],
                           number=NUMBER, rename=RENAME)


def test_a_tensor_outside_the_architecture_is_named() -> None:
    with pytest.raises(ltlattn.ExportError,
                       match="`layer.0.ffn.down.bias` is not part of the architecture"):
        ltlattn.from_torch(naive_contains_a(), alphabet=["a", "b"], number=NUMBER,
                           layers=[{"heads": [{"range": "global"}], "ffn": False}],
                           rename=RENAME)


def test_weights_beyond_the_format_load_and_say_so() -> None:
    m = ltlattn.from_torch(naive_contains_a(), alphabet=["a", "b"],
                           number={"format": "fixed", "int_bits": 1, "frac_bits": 1},
                           layers=LAYERS, rename=RENAME)
    assert ltlattn.compile(m).to_dict()["rounding"]["changed"] > 0
