#!/usr/bin/env python3
"""Writes the hand-built numeric models of this folder: a TOML file and a safetensors file
each (docs/NUMERIC.md §3). No dependencies: the safetensors format is an 8-byte header
length, a JSON header, then little-endian F32 data. Run from anywhere:
    python3 examples/numeric/make.py
Every model's header says what it recognizes; tests/it/numeric_models.rs checks it.

Coordinates: each model names its residual components (`dims`) and writes the weights
as {component: value} maps, so the construction reads like the paper's argument."""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        rows = tensors[name]
        flat = [x for r in rows for x in r] if isinstance(rows[0], list) else list(rows)
        shape = [len(rows), len(rows[0])] if isinstance(rows[0], list) else [len(rows)]
        data = struct.pack("<%df" % len(flat), *flat)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class Model:
    def __init__(self, name, alphabet, dims, fmt):
        self.name, self.alphabet, self.dims, self.fmt = name, alphabet, dims, fmt
        self.d = len(dims)
        self.t = {}
        self.layers = []

    def vec(self, m):
        v = [0.0] * self.d
        for k, x in m.items():
            v[self.dims.index(k)] = float(x)
        return v

    def embed(self, rows):
        self.t["embed"] = [self.vec(rows[tok]) for tok in self.alphabet + ["EOS"]]

    def layer(self, heads=(), ffn=None):
        """heads: list of dict(range, window, q_bias, k={dim: w}, v={dim: w}, v_bias, out=dim);
        ffn: list of (up={dim: w}, up_bias, out=dim) rows, one hidden unit each."""
        l = len(self.layers)
        for h, hd in enumerate(heads):
            p = f"layer.{l}.head.{h}"
            self.t[f"{p}.query.weight"] = [[0.0] * self.d]
            self.t[f"{p}.query.bias"] = [float(hd.get("q_bias", 1))]
            self.t[f"{p}.key.weight"] = [self.vec(hd.get("k", {}))]
            self.t[f"{p}.value.weight"] = [self.vec(hd["v"])]
            if "v_bias" in hd:
                self.t[f"{p}.value.bias"] = [float(hd["v_bias"])]
        if heads:
            self.t[f"layer.{l}.out.weight"] = [
                [1.0 if heads[h]["out"] == dim else 0.0 for h in range(len(heads))] for dim in self.dims
            ]
        if ffn:
            self.t[f"layer.{l}.ffn.up.weight"] = [self.vec(u) for u, _, _ in ffn]
            self.t[f"layer.{l}.ffn.up.bias"] = [float(b) for _, b, _ in ffn]
            self.t[f"layer.{l}.ffn.down.weight"] = [
                [1.0 if out == dim else 0.0 for _, _, out in ffn] for dim in self.dims
            ]
        self.layers.append((heads, bool(ffn)))

    def classifier(self, w, b=0.0):
        self.t["classifier.weight"] = [self.vec(w)]
        self.t["classifier.bias"] = [float(b)]

    def write(self, stem, header):
        save_safetensors(os.path.join(HERE, stem + ".safetensors"), self.t)
        lines = [f"# {line}" for line in header]
        lines += [f'name = "{self.name}"', "alphabet = [%s]" % ", ".join(f'"{a}"' for a in self.alphabet),
                  f'weights = "{stem}.safetensors"', 'acceptance = "eos"', "", "[number]"]
        lines += [f"{k} = {json.dumps(v)}" for k, v in self.fmt.items()]
        for heads, ffn in self.layers:
            lines += ["", "[[layer]]", f"ffn = {'true' if ffn else 'false'}"]
            for hd in heads:
                lines += ["[[layer.head]]", f'range = "{hd["range"]}"']
                if hd["range"] == "local":
                    lines.append(f'window = {hd["window"]}')
                lines.append("scale = 1.0")
        with open(os.path.join(HERE, stem + ".toml"), "w") as f:
            f.write("\n".join(lines) + "\n")


FIXED = {"format": "fixed", "int_bits": 5, "frac_bits": 2}
AB = ["a", "b"]
BASE = {"a": {"a": 1}, "b": {"b": 1}, "EOS": {"eos": 1}}


def naive_contains_a():
    m = Model("naive contains-a", AB, ["a", "b", "eos", "x"], FIXED)
    m.embed(BASE)
    # Score 4 on a-keys, value = is-a: x = round(#a·round(1/#a)) > 0 while #a ≤ 7.
    m.layer([dict(range="global", k={"a": 4}, v={"a": 1}, out="x")])
    m.classifier({"x": 1})
    m.write("naive-contains-a", [
        "The one-layer \"contains a\" of docs/NUMERIC.md §2 in fixed 5.2: score 4 on a-keys,",
        "value = is-a. With 8 a's every alpha rounds to 0 (round(1/8) is a tie, to the even 0).",
        "accepts: 1 <= #a <= 7; check --spec 'P a' finds a^8.",
        "spec: P a",
        "expect: counterexample a a a a a a a a",
    ])


def contains_a():
    m = Model("contains-a, at every length", AB, ["a", "b", "eos", "x", "y", "z"], FIXED)
    m.embed(BASE)
    # Layer 0: x = the naive head over earlier positions (> 0 iff 1..7 earlier a's);
    # y = x at a-positions only (ReLU(4·is_a + x − 4)): y > 0 marks the 2nd to 8th a.
    m.layer([dict(range="global", k={"a": 4}, v={"a": 1}, out="x")],
            ffn=[({"a": 4, "x": 1}, -4, "y")])
    # Layer 1 at ⊣: keys scored 4·is_a + 8·y. The 2nd–8th a's (at most 7 of each type)
    # outscore everything by ≥ 6, so the others' weights round to 0 and theirs do not
    # vanish; with a single a, it outscores every b by 4. Rare types never vanish.
    m.layer([dict(range="global", k={"a": 4, "y": 8}, v={"a": 1}, out="z")])
    m.classifier({"z": 1})
    m.write("contains-a", [
        "\"contains a\" at every length in fixed 5.2, two global layers: the a's with 1..7",
        "earlier a's (at most 7 of each type) carry the answer, so no alpha vanishes.",
        "spec: P a",
        "expect: holds",
    ])


def last_letter_a():
    m = Model("last letter is a", AB, ["a", "b", "eos", "x"], FIXED)
    m.embed(BASE)
    m.layer([dict(range="local", window=1, v={"a": 1}, out="x")])
    m.classifier({"x": 1})
    m.write("last-letter-a", [
        "The last letter is a (Σ*a), one local head of window 1: at ⊣ it reads position n alone.",
        "spec: Y a",
        "expect: holds",
    ])


def ends_with_ab():
    m = Model("ends with ab", AB, ["a", "b", "eos", "x", "y", "z"], FIXED)
    m.embed(BASE)
    # x_i = is_a(i−1); y_i = ReLU(is_b + x − 1) = [position i ends "ab"].
    m.layer([dict(range="local", window=1, v={"a": 1}, out="x")],
            ffn=[({"b": 1, "x": 1}, -1, "y")])
    m.layer([dict(range="local", window=1, v={"y": 1}, out="z")])
    m.classifier({"z": 1})
    m.write("ends-with-ab", [
        "Ends with ab (Σ*ab): local heads of window 1 in two layers.",
        "spec: Y (b & Y a)",
        "expect: holds",
    ])


def first_equals_last():
    dims = ["a", "b", "eos", "prev", "first_a", "first_b", "fa", "fb", "la", "lb", "u", "v"]
    m = Model("first letter = last letter", AB, dims, FIXED)
    m.embed(BASE)
    # Layer 0: prev = 1 at every position but the first (a window-1 head with value 1).
    m.layer([dict(range="local", window=1, v={}, v_bias=1, out="prev")],
            ffn=[({"a": 1, "prev": -1}, 0, "first_a"), ({"b": 1, "prev": -1}, 0, "first_b")])
    # Layer 1 at ⊣: a global head that scores the (unique) first position 8 higher reads
    # its letter; a window-1 head reads the last letter.
    m.layer([dict(range="global", k={"first_a": 8, "first_b": 8}, v={"first_a": 1}, out="fa"),
             dict(range="global", k={"first_a": 8, "first_b": 8}, v={"first_b": 1}, out="fb"),
             dict(range="local", window=1, v={"a": 1}, out="la"),
             dict(range="local", window=1, v={"b": 1}, out="lb")],
            ffn=[({"fa": 1, "la": 1}, -1, "u"), ({"fb": 1, "lb": 1}, -1, "v")])
    m.classifier({"u": 1, "v": 1}, -0.5)
    m.write("first-equals-last", [
        "The first letter equals the last (a hybrid language): the first position is unique,",
        "so a global head that prefers it never vanishes; a window-1 head reads the last letter.",
        "spec: (O (a & !Y true) & Y a) | (O (b & !Y true) & Y b)",
        "expect: holds",
    ])


def contains_ba():
    dims = ["a", "b", "eos", "p", "y", "x", "y2", "z"]
    m = Model("contains the factor ba", AB, dims, FIXED)
    m.embed(BASE)
    # Layer 0: p = is_b(i−1); y = ReLU(is_a + p − 1) marks a-positions right after a b.
    m.layer([dict(range="local", window=1, v={"b": 1}, out="p")],
            ffn=[({"a": 1, "p": 1}, -1, "y")])
    # Layers 1–2: the contains-a construction on the marked positions y.
    m.layer([dict(range="global", k={"y": 4}, v={"y": 1}, out="x")],
            ffn=[({"y": 4, "x": 1}, -4, "y2")])
    m.layer([dict(range="global", k={"y": 4, "y2": 8}, v={"y": 1}, out="z")])
    m.classifier({"z": 1})
    m.write("contains-ba", [
        "Contains the factor ba (hybrid): a window-1 head marks the a's right after a b, then",
        "the two-layer contains-a construction detects a marked position at every length.",
        "spec: P (a & Y b)",
        "expect: holds",
    ])


naive_contains_a()
contains_a()
last_letter_a()
ends_with_ab()
first_equals_last()
contains_ba()
