#!/usr/bin/env python3
"""Writes fuzz/seeds/numeric/: each numeric example (examples/numeric/*.toml) and each
hostile numeric case (tests/hostile/numeric-*.toml) as one fuzz input — the TOML text,
the line `--- safetensors ---`, the safetensors bytes (fuzz/README.md) — and variants
of the examples the byte-level mutator seldom reaches on its own, because TOML and
tensors must change together: inclusive masking, float formats (with subnormals, with
overflow = "inf"), toward-zero rounding, and pre-/post-norm layers (γ = 1, β = 0.5
tensors added). Run from anywhere: python3 fuzz/make_numeric_seeds.py"""
import glob
import json
import os
import re
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "seeds", "numeric")
SEP = b"\n--- safetensors ---\n"


def read_model(toml_path):
    text = open(toml_path, encoding="utf-8").read()
    # Leading comments only explain the example; the mutator does better without them.
    lines = text.split("\n")
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    text = "\n".join(lines)
    name = re.search(r'^weights = "(.*)"', text, re.M).group(1)
    weights = open(os.path.join(os.path.dirname(toml_path), name), "rb").read()
    return text, weights


def tensors(blob):
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8 : 8 + n])
    data = blob[8 + n :]
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = (v["dtype"], v["shape"], data[a:b])
    return out


def safetensors(ts):
    header, blobs, offset = {}, [], 0
    for name in sorted(ts):
        dtype, shape, data = ts[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def number(text, new):
    return re.sub(r"\[number\]\n(?:[a-z_]+ = .*\n)+", "[number]\n" + new, text, count=1)


def with_norm(text, weights, place):
    """Every layer gets `norm = place` and its norm tensors (γ = 1, β = 0.5)."""
    ts = tensors(weights)
    width = ts["embed"][1][1]
    layers = text.split("[[layer]]\n")
    for l in range(1, len(layers)):
        body = layers[l]
        has_heads = "[[layer.head]]" in body
        has_ffn = re.search(r"^ffn = true", body, re.M) is not None
        layers[l] = f'norm = "{place}"\n' + body
        for which, present in (("norm1", has_heads), ("norm2", has_ffn)):
            if present:
                ts[f"layer.{l - 1}.{which}.weight"] = ("F32", [width], struct.pack(f"<{width}f", *[1.0] * width))
                ts[f"layer.{l - 1}.{which}.bias"] = ("F32", [width], struct.pack(f"<{width}f", *[0.5] * width))
    return "[[layer]]\n".join(layers), safetensors(ts)


def write(name, text, weights):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(text.encode() + SEP + weights)


def main():
    os.makedirs(OUT, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "hostile", "numeric-*.toml"))):
        write(os.path.basename(path)[:-5], *read_model(path))
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "numeric", "*.toml"))):
        base = os.path.basename(path)[:-5]
        text, weights = read_model(path)
        write(base, text, weights)
        if base not in ("last-letter-a", "ends-with-ab", "first-equals-last"):
            continue
        write(base + "-inclusive", text.replace('acceptance = "eos"\n', 'acceptance = "eos"\nmasking = "inclusive"\n', 1), weights)
        write(base + "-e3m1-inf", number(text, 'format = "float"\nexp_bits = 3\nman_bits = 1\noverflow = "inf"\n'), weights)
        write(base + "-e4m3-subnormal", number(text, 'format = "float"\nexp_bits = 4\nman_bits = 3\nsubnormals = true\n'), weights)
        write(base + "-toward-zero", number(text, 'format = "fixed"\nint_bits = 3\nfrac_bits = 1\nrounding = "toward-zero"\n'), weights)
        write(base + "-pre-norm", *with_norm(text, weights, "pre"))
        write(base + "-post-norm", *with_norm(text, weights, "post"))


main()
