"""The exporter: a trained PyTorch module (or its state dict, or numpy arrays) to the
numeric model files ltlattn reads (docs/NUMERIC.md §3), or straight to a ``Model``.

``from_torch`` builds the model in memory and ``save`` writes it; ``export`` writes the
TOML file and the safetensors file beside it (what ``python/ltlattn_export.py``, a thin
shim over this module, has always done). It needs numpy and safetensors only; torch is
used when you hand it a module or torch tensors. This module imports nothing else of the
package at load time, so the shim works without the extension module.
"""
from __future__ import annotations

import math
import os
import re
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union


import numpy as np
from safetensors.numpy import save_file

if TYPE_CHECKING:
    from ._ltlattn import Model

#: A rename: a dict from your names to NUMERIC.md's, or a function, or ``rules(...)``.
Rename = Union[Mapping[str, str], Callable[[str], str], None]

__all__ = ["export", "rules", "expected_tensors", "ExportError", "UnsupportedModule", "from_torch", "save"]


class ExportError(ValueError):
    """The weights do not fit the architecture (the message names the tensor)."""


class UnsupportedModule(ExportError):
    """The module computes something outside docs/NUMERIC.md's architecture (learned
    positions, an activation other than ReLU, a norm other than LayerNorm); the message
    names the submodule or parameter and the reason."""


def rules(pairs: Iterable[Tuple[str, str]]) -> Callable[[str], str]:
    """A rename function from (regex, replacement) pairs, tried in order; a name no
    pattern matches is kept as it is."""
    compiled = [(re.compile(p), r) for p, r in pairs]

    def rename(name: str) -> str:
        for pattern, replacement in compiled:
            if pattern.search(name):
                return pattern.sub(replacement, name)
        return name

    return rename


def _arrays(state: Any) -> Dict[str, Any]:
    """name -> float32 numpy array, from a module, a state dict or a dict of arrays."""
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    out: Dict[str, Any] = {}
    for name, value in state.items():
        if hasattr(value, "detach"):  # a torch tensor
            value = value.detach().cpu().float().numpy()
        out[name] = np.ascontiguousarray(np.asarray(value, dtype=np.float32))
    return out


def expected_tensors(alphabet: Sequence[str], layers: Sequence[Mapping[str, Any]], d: int,
                     d_head: int, d_ff: int) -> Dict[str, Tuple[Tuple[int, ...], bool]]:
    """Every tensor ltlattn reads for this architecture: name -> (shape, optional)."""
    want: Dict[str, Tuple[Tuple[int, ...], bool]] = {"embed": ((len(alphabet) + 1, d), False)}
    for l, layer in enumerate(layers):
        heads = layer.get("heads", [])
        for h in range(len(heads)):
            for part in ("query", "key", "value"):
                want[f"layer.{l}.head.{h}.{part}.weight"] = ((d_head, d), False)
                want[f"layer.{l}.head.{h}.{part}.bias"] = ((d_head,), True)
        if heads:
            want[f"layer.{l}.out.weight"] = ((d, d_head * len(heads)), False)
            want[f"layer.{l}.out.bias"] = ((d,), True)
        if layer.get("ffn", False):
            want[f"layer.{l}.ffn.up.weight"] = ((d_ff, d), False)
            want[f"layer.{l}.ffn.up.bias"] = ((d_ff,), True)
            want[f"layer.{l}.ffn.down.weight"] = ((d, d_ff), False)
            want[f"layer.{l}.ffn.down.bias"] = ((d,), True)
        if layer.get("norm", "none") != "none":
            blocks = (["norm1"] if heads else []) + (["norm2"] if layer.get("ffn") else [])
            for n in blocks:
                want[f"layer.{l}.{n}.weight"] = ((d,), False)
                want[f"layer.{l}.{n}.bias"] = ((d,), True)
    want["classifier.weight"] = ((1, d), False)
    want["classifier.bias"] = ((1,), True)
    return want


def _toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not math.isfinite(v):
            raise ExportError(f"the value {v} cannot be written")
        return repr(v)
    return _toml_string(str(v))


def _renamer(rename: Rename) -> Callable[[str], str]:
    """``rename`` as a function: a mapping keeps the names it does not list."""
    if rename is None:
        return lambda name: name
    if callable(rename):
        return rename
    table = rename
    return lambda name: table.get(name, name)


def _build(state: Any, *, alphabet: Sequence[str], layers: Sequence[Mapping[str, Any]],
           number: Mapping[str, Any], rename: Rename = None,
           drop: Iterable[str] = ()) -> Dict[str, Any]:
    """The arrays to write, renamed and checked against the architecture."""
    arrays = _arrays(state)
    if rename is not None:
        f = _renamer(rename)
        renamed: Dict[str, Any] = {}
        for k, v in arrays.items():
            new = f(k)
            if new in renamed:
                raise ExportError(f"two parameters are renamed to `{new}`")
            renamed[new] = v
        arrays = renamed
    for k in drop:
        arrays.pop(k, None)
    if "embed" not in arrays or arrays["embed"].ndim != 2:
        raise ExportError("no 2-dimensional tensor `embed` (the token embedding)")
    rows, d = arrays["embed"].shape
    if rows != len(alphabet) + 1:
        raise ExportError(
            f"`embed` has {rows} rows; the model needs {len(alphabet) + 1} "
            f"(one per token of {alphabet}, then one for the end marker)")
    d_head = d
    d_ff = d
    for l, layer in enumerate(layers):
        q = arrays.get(f"layer.{l}.head.0.query.weight")
        if q is not None and q.ndim == 2:
            d_head = q.shape[0]
        up = arrays.get(f"layer.{l}.ffn.up.weight")
        if up is not None and up.ndim == 2:
            d_ff = up.shape[0]
    want = expected_tensors(alphabet, layers, d, d_head, d_ff)
    for k, (shape, optional) in want.items():
        if k not in arrays:
            if optional:
                continue
            raise ExportError(f"the model needs the tensor `{k}` of shape {list(shape)}")
        if tuple(arrays[k].shape) != shape:
            raise ExportError(
                f"tensor `{k}` has shape {list(arrays[k].shape)}; the model needs {list(shape)}")
        if not np.all(np.isfinite(arrays[k])):
            raise ExportError(f"tensor `{k}` has a non-finite value")
    extra = sorted(set(arrays) - set(want))
    if extra:
        raise ExportError(
            f"the tensor `{extra[0]}` is not part of the architecture described "
            f"({len(extra)} such); rename it, describe the layer that reads it, or drop it")
    return arrays


def _toml(*, alphabet: Sequence[str], layers: Sequence[Mapping[str, Any]],
          number: Mapping[str, Any], weights: str, name: Optional[str] = None,
          masking: str = "strict") -> str:
    """The model.toml text naming the safetensors file ``weights``."""
    lines: List[str] = []
    if name:
        lines.append(f"name = {_toml_string(name)}")
    lines.append("alphabet = [" + ", ".join(_toml_string(a) for a in alphabet) + "]")
    lines.append(f"weights = {_toml_string(weights)}")
    lines.append('acceptance = "eos"')
    lines.append(f"masking = {_toml_string(masking)}")
    lines.append("")
    lines.append("[number]")
    for k, v in number.items():
        lines.append(f"{k} = {_toml_value(v)}")
    for layer in layers:
        lines.append("")
        lines.append("[[layer]]")
        lines.append(f"ffn = {_toml_value(bool(layer.get('ffn', False)))}")
        if layer.get("norm", "none") != "none":
            lines.append(f"norm = {_toml_string(layer['norm'])}")
            if "norm_eps" in layer:
                lines.append(f"norm_eps = {_toml_value(layer['norm_eps'])}")
        for head in layer.get("heads", []):
            lines.append("[[layer.head]]")
            for k in ("range", "window", "scale"):
                if k in head:
                    lines.append(f"{k} = {_toml_value(head[k])}")
    return "\n".join(lines) + "\n"


def export(state: Any, *, alphabet: Sequence[str], layers: Sequence[Mapping[str, Any]],
           number: Mapping[str, Any], path: str, rename: Rename = None,
           name: Optional[str] = None, masking: str = "strict",
           drop: Iterable[str] = ()) -> List[str]:
    """Write ``path`` (TOML) and the safetensors file beside it.

    state    a torch.nn.Module, a state dict, or a dict of numpy arrays
    alphabet the tokens, in the order of the embedding rows (⊣ is the row after them)
    layers   one dict per layer: ``heads`` (a list of ``{"range": "global"}`` or
             ``{"range": "local", "window": k}``, optionally ``"scale"``), ``ffn`` (bool),
             ``norm`` ("none", "pre" or "post") and ``norm_eps``
    number   the ``[number]`` table: ``{"format": "fixed", "int_bits": 5, "frac_bits": 2}``
             or ``{"format": "float", "exp_bits": 4, "man_bits": 3}``, plus ``rounding``,
             ``overflow``, ``subnormals``
    rename   your parameter name -> NUMERIC.md's name: a dict, a function, or ``rules(...)``
    drop     parameter names (after renaming) that the format does not use, e.g. a
             positional table you trained with and want to be told about, not exported

    Returns the sorted list of tensor names written. Raises ExportError naming the tensor
    for a missing, extra, mis-shaped or non-finite one.
    """
    arrays = _build(state, alphabet=alphabet, layers=layers, number=number, rename=rename,
                    drop=drop)
    stem = os.path.splitext(os.path.basename(path))[0]
    weights = stem + ".safetensors"
    folder = os.path.dirname(os.path.abspath(path))
    save_file({k: arrays[k] for k in sorted(arrays)}, os.path.join(folder, weights))
    text = _toml(alphabet=alphabet, layers=layers, number=number, weights=weights,
                 name=name, masking=masking)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    return sorted(arrays)


# Submodules whose computation is outside NUMERIC.md §2, by class name, and why.
_ACTIVATIONS = {"GELU", "SiLU", "Tanh", "Sigmoid", "Mish", "ELU", "SELU", "CELU", "LeakyReLU",
                "Softplus", "Hardswish", "Hardtanh", "PReLU", "GLU", "ReLU6"}
_NORMS = {"RMSNorm", "BatchNorm1d", "BatchNorm2d", "GroupNorm", "InstanceNorm1d",
          "LocalResponseNorm"}


def _refuse_unsupported(module: Any, arrays: Mapping[str, Any]) -> None:
    """Raise UnsupportedModule for what NUMERIC.md's architecture does not compute."""
    embeddings: List[str] = []
    named = module.named_modules() if hasattr(module, "named_modules") else []
    for name, sub in named:
        cls = type(sub).__name__
        where = f"`{name}`" if name else "the module"
        if cls in _ACTIVATIONS:
            raise UnsupportedModule(
                f"{where} is a {cls}: the feed-forward layers of docs/NUMERIC.md §2 use ReLU, "
                f"and the exact executor computes ReLU; retrain with nn.ReLU")
        if cls in _NORMS:
            raise UnsupportedModule(
                f"{where} is a {cls}: docs/NUMERIC.md §2 normalizes with LayerNorm "
                f"(pre or post, `norm` in the layer), not {cls}")
        if cls == "Embedding":
            embeddings.append(name)
    for name in embeddings[1:]:
        raise UnsupportedModule(
            f"`{name}` is a second embedding table ({embeddings[0]} is the first): learned "
            f"positions are outside docs/NUMERIC.md §2 (NoPE: the model reads no position)")
    for name in arrays:
        if _POSITIONS.search(name):
            raise UnsupportedModule(
                f"the parameter `{name}` is a learned position table: docs/NUMERIC.md §2's "
                f"models are NoPE (drop=[...] leaves it out if the module never reads it)")


# Parameter names of position tables (GPT-2's wpe, BERT's position_embeddings, pos_emb).
_POSITIONS = re.compile(r"(^|[._])(wpe|pos|pos_emb\w*|pos_embed\w*|position\w*)([._]|$)")


def _infer_layers(arrays: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The layers the tensor names describe: global heads, ffn and no norm."""
    layers: List[Dict[str, Any]] = []
    while any(k.startswith(f"layer.{len(layers)}.") for k in arrays):
        l = len(layers)
        heads = 0
        while f"layer.{l}.head.{heads}.query.weight" in arrays:
            heads += 1
        if any(k.startswith(f"layer.{l}.norm") for k in arrays):
            raise ExportError(
                f"layer {l} has norm weights: say where the norm sits with "
                f"layers=[{{..., \"norm\": \"pre\"|\"post\"}}]")
        layers.append({"heads": [{"range": "global"} for _ in range(heads)],
                       "ffn": f"layer.{l}.ffn.up.weight" in arrays})
    return layers


def from_torch(module: Any, *, alphabet: Sequence[str], number: Mapping[str, Any],
               layers: Optional[Sequence[Mapping[str, Any]]] = None, rename: Rename = None,
               name: Optional[str] = None, masking: str = "strict",
               drop: Iterable[str] = ()) -> "Model":
    """The numeric model of a trained module, in memory: ``ltlattn.Model``.

    module   a torch.nn.Module of docs/NUMERIC.md's architecture (NoPE, strict masking,
             ReLU feed-forward, LayerNorm if any), its state dict, or numpy arrays
    alphabet the tokens, in the order of the embedding rows (⊣ is the row after them)
    number   the ``[number]`` table, e.g. ``{"format": "fixed", "int_bits": 4, "frac_bits": 4}``
    layers   as for ``export``; when left out, read from the tensor names (after
             ``rename``) with every head global and no norm: give it for local heads,
             scales and norms
    rename   your parameter names -> NUMERIC.md's (a dict, a function or ``rules(...)``)

    A module with learned positions, an activation other than ReLU or a norm other than
    LayerNorm is refused (UnsupportedModule, naming the submodule and the reason); a
    missing, extra, mis-shaped or non-finite tensor too (ExportError). Then the weights
    are rounded into the format by ltlattn (ModelError if the model does not load).
    """
    from safetensors.numpy import save as to_bytes

    from ._ltlattn import load_text

    arrays = _arrays(module)
    _refuse_unsupported(module, arrays)
    if layers is None:
        renamed = _build_names(arrays, rename, drop)
        layers = _infer_layers(renamed)
    arrays = _build(module, alphabet=alphabet, layers=layers, number=number, rename=rename,
                    drop=drop)
    stem = "model"
    text = _toml(alphabet=alphabet, layers=layers, number=number,
                 weights=stem + ".safetensors", name=name, masking=masking)
    weights = to_bytes({k: arrays[k] for k in sorted(arrays)})
    return load_text(name or "<from_torch>", text, weights)


def _build_names(arrays: Mapping[str, Any], rename: Rename,
                 drop: Iterable[str]) -> Dict[str, Any]:
    """The tensor names after ``rename`` and ``drop`` (values untouched)."""
    f = _renamer(rename)
    out = {f(k): v for k, v in arrays.items()}
    for k in drop:
        out.pop(k, None)
    return out


_WEIGHTS_LINE = re.compile(r'^weights\s*=.*$', re.MULTILINE)


def save(model: "Model", path: Union[str, "os.PathLike[str]"]) -> None:
    """Write ``model`` to ``path`` (a model.toml); a numeric model's weights go to the
    safetensors file beside it, named after it (``m.toml`` -> ``m.safetensors``), and the
    TOML's ``weights`` key names that file. ``ltlattn.load(path)`` reads it back."""
    path = os.fspath(path)
    text = model.text
    weights = model.weights
    if weights is not None:
        stem = os.path.splitext(os.path.basename(path))[0]
        file = stem + ".safetensors"
        text, n = _WEIGHTS_LINE.subn(lambda _: f"weights = {_toml_string(file)}", text, count=1)
        if n != 1:
            raise ExportError("the numeric model's TOML has no `weights = ...` line to rewrite")
        folder = os.path.dirname(os.path.abspath(path))
        with open(os.path.join(folder, file), "wb") as out:
            out.write(weights)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
