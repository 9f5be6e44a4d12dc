"""Export a PyTorch transformer to ltlattn's numeric model format.

ltlattn reads a numeric model as a TOML file beside a safetensors file whose tensors have
the names and shapes of docs/NUMERIC.md §3 (``embed``, ``layer.{l}.head.{h}.query.weight``,
…, ``classifier.weight``). ``export`` takes a trained module (or its state dict, or plain
numpy arrays), renames its parameters to those names, checks every name and shape
against the architecture you describe, and writes both files. It needs numpy and
safetensors only; torch is used when you hand it a module or torch tensors.

    import ltlattn_export as lx
    lx.export(model, alphabet=["a", "b"],
              layers=[{"heads": [{"range": "global"}], "ffn": False}],
              number={"format": "fixed", "int_bits": 5, "frac_bits": 2},
              path="contains-a.toml",
              rename=lx.rules([(r"^tok\\.weight$", "embed"), ...]))

Then ``ltlattn compile contains-a.toml`` says what the rounded model recognizes at every
length. See python/README.md for a complete, runnable example.
"""
import math
import os
import re

import numpy as np
from safetensors.numpy import save_file

__all__ = ["export", "rules", "expected_tensors", "ExportError"]


class ExportError(ValueError):
    """The weights do not fit the architecture (the message names the tensor)."""


def rules(pairs):
    """A rename function from (regex, replacement) pairs, tried in order; a name no
    pattern matches is kept as it is."""
    compiled = [(re.compile(p), r) for p, r in pairs]

    def rename(name):
        for pattern, replacement in compiled:
            if pattern.search(name):
                return pattern.sub(replacement, name)
        return name

    return rename


def _arrays(state):
    """name -> float32 numpy array, from a module, a state dict or a dict of arrays."""
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    out = {}
    for name, value in state.items():
        if hasattr(value, "detach"):  # a torch tensor
            value = value.detach().cpu().float().numpy()
        out[name] = np.ascontiguousarray(np.asarray(value, dtype=np.float32))
    return out


def expected_tensors(alphabet, layers, d, d_head, d_ff):
    """Every tensor ltlattn reads for this architecture: name -> (shape, optional)."""
    want = {"embed": ((len(alphabet) + 1, d), False)}
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


def _toml_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not math.isfinite(v):
            raise ExportError(f"the value {v} cannot be written")
        return repr(v)
    return _toml_string(str(v))


def export(state, *, alphabet, layers, number, path, rename=None, name=None,
           masking="strict", drop=()):
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
    arrays = _arrays(state)
    if rename is not None:
        f = rename.get if isinstance(rename, dict) else rename
        renamed = {}
        for k, v in arrays.items():
            new = f(k) if not isinstance(rename, dict) else rename.get(k, k)
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
    stem = os.path.splitext(os.path.basename(path))[0]
    weights = stem + ".safetensors"
    folder = os.path.dirname(os.path.abspath(path))
    save_file({k: arrays[k] for k in sorted(arrays)}, os.path.join(folder, weights))
    lines = []
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
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return sorted(arrays)
