#!/usr/bin/env python3
"""An exact executor for numeric models written from docs/NUMERIC.md and grammar/numeric.md
alone (not from src/numeric), compared with `ltlattn run --json` on random small models.

Python's standard library only (fractions, struct, json): CI runs it from `cargo test`
(tests/it/numeric_oracle.rs) before it installs anything from PyPI. Every value is an exact
Fraction or ±inf; every operation computes its exact result and rounds it once. exp and
1/sqrt(d) are bracketed by exact rational bounds (Taylor series with its remainder after
argument reduction, integer square roots), refined until both ends round alike.

Usage: numeric_oracle.py LTLATTN_BINARY [--seed N] [--models N] [--masking strict|inclusive] [--keep]
Exit 0 when the binary agrees on every model and word; 1 with the disagreements listed."""
import bisect
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
from fractions import Fraction as Q

INF = float("inf")


class NaNError(Exception):
    """An operation that would make NaN: the run ends with an error (NUMERIC.md §1)."""


def is_inf(x):
    return isinstance(x, float)


# ---------------------------------------------------------------------------------------
# Number formats (§1, grammar/numeric.md "Rounding of exact results", "Overflow")


class Fmt:
    def __init__(self, kind, a, b, sub=True, mode="nearest-even", over="saturate"):
        self.kind, self.a, self.b, self.sub, self.mode, self.over = kind, a, b, sub, mode, over
        pos = []  # (value >= 0, significand parity), increasing
        if kind == "fixed":
            for k in range(0, 2 ** (a + b)):
                pos.append((Q(k, 2 ** b), k % 2))
            self.lowest = -Q(2) ** a
        else:
            bias = 2 ** (a - 1) - 1
            pos.append((Q(0), 0))
            for biased in range(0, 2 ** a - 1):  # the all-ones exponent is inf
                for frac in range(0, 2 ** b):
                    if biased == 0:
                        if not sub or frac == 0:
                            continue
                        m, e = frac, 1 - bias - b
                    else:
                        m, e = frac + 2 ** b, biased - bias - b
                    pos.append((Q(m) * Q(2) ** e, m % 2))
        self.pos = pos
        self.vals = [v for v, _ in pos]
        self.max = self.vals[-1]
        if kind == "float":
            self.lowest = -self.max
        # The next value of the grid past the largest, as with an unbounded exponent.
        self.next_up = self.max + (self.vals[-1] - self.vals[-2])
        self.smallest = self.vals[1]

    def has_inf(self):
        return self.kind == "float" and self.over == "inf"

    def overflows(self, x):
        """Whether x > 0 rounds, with an unbounded exponent, past the largest value."""
        if self.mode == "toward-zero":
            return x >= self.next_up
        return x >= (self.max + self.next_up) / 2  # the tie goes to the even next_up

    def round_mag(self, x, negative):
        top = -self.lowest if negative else self.max
        if x > top:
            if self.kind == "fixed" and negative:
                # Below -2^int_bits the grid goes on with the same step; a tie between
                # -2^a (even) and the next (odd) keeps -2^a; beyond it saturates.
                return top
            if self.has_inf() and self.mode == "nearest-even" and self.overflows(x):
                return INF
            return top
        if x == top:
            return top  # -2^int_bits is a fixed format's value, one step past -max
        i = bisect.bisect_right(self.vals, x) - 1
        lo = self.vals[i]
        if lo == x:
            return lo
        hi = self.vals[i + 1] if i + 1 < len(self.vals) else self.next_up
        if self.mode == "toward-zero":
            return lo
        mid = (lo + hi) / 2
        if x < mid:
            return lo
        if x > mid:
            return hi if hi <= top else top
        return lo if self.pos[i][1] == 0 else hi  # a tie: the even significand (0 below normals)

    def round(self, x):
        if is_inf(x):
            if x != x:
                raise NaNError("nan")
            # An exact infinity stays one (it only arises in formats that have it).
            return x
        neg = x < 0
        r = self.round_mag(-x if neg else x, neg)
        return -r if neg else r


# ---------------------------------------------------------------------------------------
# Exact operations with infinities; NaN is an error


def mul(x, y, what):
    if (is_inf(x) and y == 0) or (is_inf(y) and x == 0):
        raise NaNError(f"inf*0 in {what}")
    if is_inf(x) or is_inf(y):
        return INF if (x > 0) == (y > 0) else -INF
    return x * y


def exact_sum(terms, what):
    infs = {t for t in terms if is_inf(t)}
    if len(infs) == 2:
        raise NaNError(f"inf-inf in {what}")
    if infs:
        return infs.pop()
    return sum(terms, Q(0))


def dot(f, w_row, xs, bias, what, scale=None):
    terms = [mul(w, x, what) for w, x in zip(w_row, xs)]
    if bias is not None:
        terms.append(bias)
    s = exact_sum(terms, what)
    if scale is not None:
        s = mul(scale, s, what)
    return f.round(s)


def linear(f, w, b, xs, what):
    return [dot(f, w[r], xs, b[r] if b is not None else None, what) for r in range(len(w))]


def exp_round(f, x, cache):
    """round(exp(x)) for x <= 0 exact (or -inf), correctly rounded."""
    if is_inf(x):
        return Q(0)
    if x == 0:
        return Q(1)
    key = (f.kind, f.a, f.b, f.sub, f.mode, f.over, x)
    if key in cache:
        return cache[key]
    # e^x < 2^x for x < 0: at or below a quarter of the smallest positive value it rounds
    # to 0 in every mode (a tie would need exactly half of it).
    s = f.smallest.numerator.bit_length() - f.smallest.denominator.bit_length()  # log2
    if x <= s - 2:
        cache[key] = Q(0)
        return Q(0)
    r = 0
    while abs(x) / 2 ** r > 1:
        r += 1
    y = x / 2 ** r  # in [-1, 0)
    p = 48
    while True:
        # Taylor to a term below 2^-(p+8): y alternates and shrinks, so the remainder is
        # bounded by the first term left out.
        total, term, k = Q(1), Q(1), 0
        while True:
            k += 1
            term = term * y / k
            total += term
            if abs(term) * 2 ** (p + 8) < 1:
                break
        rem = abs(term * y / (k + 1))
        lo = math.floor((total - rem) * 2 ** p)
        hi = math.ceil((total + rem) * 2 ** p)
        lo = max(lo, 0)
        for _ in range(r):  # squarings, rounded outward
            lo = (lo * lo) >> p
            hi = -((-(hi * hi)) >> p)
        a, b = f.round(Q(lo, 2 ** p)), f.round(Q(hi, 2 ** p))
        if a == b:
            cache[key] = a
            return a
        p *= 2


def inv_sqrt_round(f, n):
    """round(1/sqrt(n)), n >= 1 an integer: exact for squares, else bracketed."""
    r = math.isqrt(n)
    if r * r == n:
        return f.round(Q(1, r))
    p = 32
    while True:
        t = 4 ** p
        lo = math.isqrt(t // n)  # <= 2^p / sqrt(n)
        hi = math.isqrt(-(-t // n)) + 1  # >= 2^p / sqrt(n)
        a, b = f.round(Q(lo, 2 ** p)), f.round(Q(hi, 2 ** p))
        if a == b:
            return a
        p *= 2


# ---------------------------------------------------------------------------------------
# The network (§2)


def attended(i, head, inclusive):
    """J(i), 1-based positions (§2.2)."""
    if inclusive:
        lo = 1 if head["range"] == "global" else max(1, i - head["window"] + 1)
        return list(range(lo, i + 1))
    lo = 1 if head["range"] == "global" else max(1, i - head["window"])
    return list(range(lo, i))


def run_model(m, word, cache):
    """(vectors per layer, alphas per layer/head/position as [(j0, α)], logit) or NaNError.

    Every value of §2 is computed at every position — each head's q, k, v included, read
    or not — as a batched implementation computes them (docs/NUMERIC.md §2)."""
    f = m["fmt"]
    w = m["w"]
    toks = [m["alphabet"].index(t) for t in word] + [len(m["alphabet"])]
    n1 = len(toks)
    h = [list(w["embed"][t]) for t in toks]
    vectors = [h]
    alphas = []
    for l, layer in enumerate(m["layers"]):
        heads_out = [[] for _ in range(n1)]
        layer_alphas = []
        for hi, head in enumerate(layer["heads"]):
            p = f"layer.{l}.head.{hi}"
            qs = [linear(f, w[p + ".query.weight"], w.get(p + ".query.bias"), h[i], f"{p} query") for i in range(n1)]
            ks = [linear(f, w[p + ".key.weight"], w.get(p + ".key.bias"), h[i], f"{p} key") for i in range(n1)]
            vs = [linear(f, w[p + ".value.weight"], w.get(p + ".value.bias"), h[i], f"{p} value") for i in range(n1)]
            dh = len(qs[0])
            scale = head["scale_value"]
            rows = []
            for i in range(1, n1 + 1):
                js = attended(i, head, m["inclusive"])
                if not js:
                    heads_out[i - 1].extend([Q(0)] * dh)
                    rows.append([])
                    continue
                s = {}
                for j in js:
                    terms = [mul(a, b, f"{p} score") for a, b in zip(qs[i - 1], ks[j - 1])]
                    s[j] = f.round(mul(scale, exact_sum(terms, f"{p} score"), f"{p} score"))
                mu = max(s.values())
                e = {}
                for j in js:
                    if is_inf(mu) and s[j] == mu:
                        raise NaNError(f"{p} exp(inf-inf)")
                    diff = -INF if is_inf(mu) else (s[j] - mu)
                    e[j] = exp_round(f, diff, cache)
                total = sum(e.values(), Q(0))
                # The denominator rule (§2.4): +inf when its rounding overflows, in every format.
                if f.overflows(total):
                    alpha = {j: Q(0) for j in js}
                else:
                    d = f.round(total)
                    alpha = {j: f.round(e[j] / d) for j in js}
                rows.append([(j - 1, alpha[j]) for j in js])
                for c in range(dh):
                    terms = [mul(alpha[j], vs[j - 1][c], f"{p} average") for j in js]
                    heads_out[i - 1].append(f.round(exact_sum(terms, f"{p} average")))
            layer_alphas.append(rows)
        alphas.append(layer_alphas)
        if layer["heads"]:
            a = [linear(f, w[f"layer.{l}.out.weight"], w.get(f"layer.{l}.out.bias"), heads_out[i], "out") for i in range(n1)]
            h = [[f.round(exact_sum([x, y], "residual")) for x, y in zip(h[i], a[i])] for i in range(n1)]
        if layer["ffn"]:
            up = [linear(f, w[f"layer.{l}.ffn.up.weight"], w.get(f"layer.{l}.ffn.up.bias"), h[i], "ffn up") for i in range(n1)]
            u = [[x if x > 0 else Q(0) for x in row] for row in up]
            down = [linear(f, w[f"layer.{l}.ffn.down.weight"], w.get(f"layer.{l}.ffn.down.bias"), u[i], "ffn down") for i in range(n1)]
            h = [[f.round(exact_sum([x, y], "residual")) for x, y in zip(h[i], down[i])] for i in range(n1)]
        vectors.append(h)
    logit = dot(f, w["classifier.weight"][0], h[-1], w["classifier.bias"][0], "classifier")
    return vectors, alphas, logit


# ---------------------------------------------------------------------------------------
# Random models, written as TOML + safetensors (§3)


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
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def random_weight(rng, big):
    r = rng.random()
    if r < 0.25:
        return 0.0
    if r < 0.8:
        return rng.choice([-1, 1]) * rng.randint(1, 16) / 4  # on most grids
    if r < 0.97 or not big:
        return f32(rng.uniform(-3, 3))  # rounded on loading
    return rng.choice([-1, 1]) * rng.choice([48.0, 300.0, 70000.0])  # overflows small formats


def random_model(rng, idx):
    kind = rng.choice(["fixed", "float"])
    if kind == "fixed":
        number = {"format": "fixed", "int_bits": rng.randint(1, 4), "frac_bits": rng.randint(0, 3)}
        fmt = Fmt("fixed", number["int_bits"], number["frac_bits"])
    else:
        number = {"format": "float", "exp_bits": rng.randint(2, 4), "man_bits": rng.randint(1, 3),
                  "subnormals": rng.random() < 0.6}
        number["overflow"] = rng.choice(["saturate", "inf"])
        fmt = None
    number["rounding"] = rng.choice(["nearest-even", "nearest-even", "toward-zero"])
    if kind == "fixed":
        fmt = Fmt("fixed", number["int_bits"], number["frac_bits"], True, number["rounding"])
    else:
        fmt = Fmt("float", number["exp_bits"], number["man_bits"], number["subnormals"],
                  number["rounding"], number["overflow"])
    alphabet = ["a", "b", "c"][: rng.randint(1, 3)]
    d = rng.randint(1, 3)
    big = rng.random() < 0.15
    t = {}

    def mat(r, c):
        return [[random_weight(rng, big) for _ in range(c)] for _ in range(r)]

    t["embed"] = mat(len(alphabet) + 1, d)
    layers = []
    for l in range(rng.randint(1, 2)):
        heads = []
        nh = rng.randint(0 if l > 0 else 1, 2)
        dh = rng.randint(1, 3)
        for hi in range(nh):
            head = {"range": rng.choice(["global", "local"])}
            if head["range"] == "local":
                head["window"] = rng.randint(1, 3)
            sc = rng.choice([None, None, 1.0, 2.0, 0.5])
            if sc is not None and fmt.round(Q(sc)) != Q(sc):
                sc = None
            head["scale"] = sc
            p = f"layer.{l}.head.{hi}"
            for part in ("query", "key", "value"):
                t[f"{p}.{part}.weight"] = mat(dh, d)
                if rng.random() < 0.5:
                    t[f"{p}.{part}.bias"] = mat(1, dh)[0]
            heads.append(head)
        if heads:
            t[f"layer.{l}.out.weight"] = mat(d, nh * dh)
            if rng.random() < 0.5:
                t[f"layer.{l}.out.bias"] = mat(1, d)[0]
        ffn = rng.random() < 0.5
        if ffn:
            dff = rng.randint(1, 3)
            t[f"layer.{l}.ffn.up.weight"] = mat(dff, d)
            t[f"layer.{l}.ffn.down.weight"] = mat(d, dff)
            if rng.random() < 0.5:
                t[f"layer.{l}.ffn.up.bias"] = mat(1, dff)[0]
            if rng.random() < 0.5:
                t[f"layer.{l}.ffn.down.bias"] = mat(1, d)[0]
        layers.append({"heads": heads, "ffn": ffn})
    t["classifier.weight"] = mat(1, d)
    t["classifier.bias"] = [random_weight(rng, False)]
    masking = rng.choice(["strict", "inclusive"])
    return {"name": f"oracle-{idx}", "alphabet": alphabet, "number": number, "fmt": fmt,
            "layers": layers, "tensors": t, "inclusive": masking == "inclusive", "masking": masking}


def write_model(m, folder):
    stem = m["name"]
    save_safetensors(os.path.join(folder, stem + ".safetensors"), m["tensors"])
    lines = [f'name = "{stem}"', "alphabet = [%s]" % ", ".join(f'"{a}"' for a in m["alphabet"]),
             f'weights = "{stem}.safetensors"', f'masking = "{m["masking"]}"', "", "[number]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in m["number"].items()]
    for layer in m["layers"]:
        lines += ["", "[[layer]]", f"ffn = {'true' if layer['ffn'] else 'false'}"]
        for hd in layer["heads"]:
            lines += ["[[layer.head]]", f'range = "{hd["range"]}"']
            if hd["range"] == "local":
                lines.append(f'window = {hd["window"]}')
            if hd["scale"] is not None:
                lines.append(f"scale = {hd['scale']}")
    path = os.path.join(folder, stem + ".toml")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def load_weights(m):
    """Every f32 weight's exact value rounded into F (§1: rounded on loading)."""
    f = m["fmt"]

    def conv(x):
        return f.round(Q(f32(x)))

    w = {}
    for name, rows in m["tensors"].items():
        w[name] = [[conv(x) for x in r] for r in rows] if isinstance(rows[0], list) else [conv(x) for x in rows]
    m["w"] = w
    for l, layer in enumerate(m["layers"]):
        for hi, head in enumerate(layer["heads"]):
            dh = len(w[f"layer.{l}.head.{hi}.query.weight"])
            head["scale_value"] = f.round(Q(head["scale"])) if head["scale"] is not None else inv_sqrt_round(f, dh)


# ---------------------------------------------------------------------------------------
# Comparison with the binary


def parse_num(s):
    if s == "+∞":
        return INF
    if s in ("−∞", "-∞"):
        return -INF
    if "·2^" in s:
        m, e = s.split("·2^")
        return Q(int(m)) * Q(2) ** int(e)
    return Q(s)


def show(x):
    if is_inf(x):
        return "+inf" if x > 0 else "-inf"
    return str(x)


def compare(m, word, ours, out, err, code):
    """A list of disagreements (strings)."""
    # `run` exits 0 on an accepted word, 1 on a rejected one, 2 on an error.
    ran = code in (0, 1)
    if isinstance(ours, NaNError):
        if ran:
            return [f"oracle: NaN error ({ours}); binary accepted={json.loads(out).get('accepted')}"]
        if "not a number" not in err:
            return [f"binary failed (exit {code}) without naming NaN: {err.strip()[:300]}"]
        return []
    if not ran:
        return [f"binary failed (exit {code}): {err.strip()[:300]}"]
    vectors, alphas, logit = ours
    got = json.loads(out)
    if code != (0 if got["accepted"] else 1):
        return [f"exit code {code} with accepted={got['accepted']}"]
    bad = []
    if parse_num(got["logit"]) != logit:
        bad.append(f"logit: oracle {show(logit)}, binary {got['logit']}")
    if got["accepted"] != (logit > 0):
        bad.append(f"verdict: oracle {logit > 0}, binary {got['accepted']}")
    for l, layer in enumerate(alphas):
        for h, rows in enumerate(layer):
            for i, row in enumerate(rows):
                theirs = [(j, parse_num(a)) for j, a in got["alphas"][l][h][i]]
                if theirs != row:
                    bad.append(f"alpha layer {l} head {h} position {i}: oracle "
                               f"{[(j, show(a)) for j, a in row]}, binary {got['alphas'][l][h][i]}")
    for l, vs in enumerate(vectors):
        for i, v in enumerate(vs):
            theirs = [parse_num(x) for x in got["vectors"][l][i]]
            if theirs != v:
                bad.append(f"vector h^{l} position {i}: oracle {[show(x) for x in v]}, binary {got['vectors'][l][i]}")
    return bad


def words_for(rng, alphabet):
    ws = [[]]
    for n in (1, 2, 3, 4, 5):
        for _ in range(2 if n < 5 else 1):
            ws.append([rng.choice(alphabet) for _ in range(n)])
    uniq = []
    for w in ws:
        if w not in uniq:
            uniq.append(w)
    return uniq


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    binary = args[0]
    seed, count, keep, only = 29, 300, False, None
    i = 1
    while i < len(args):
        if args[i] == "--seed":
            seed, i = int(args[i + 1]), i + 2
        elif args[i] == "--models":
            count, i = int(args[i + 1]), i + 2
        elif args[i] == "--masking":
            only, i = args[i + 1], i + 2
        elif args[i] == "--keep":
            keep, i = True, i + 1
        else:
            print(f"unknown argument {args[i]}")
            return 2
    rng = random.Random(seed)
    folder = tempfile.mkdtemp(prefix="ltlattn-oracle-")
    cache = {}
    failures, runs, stats = [], 0, {}
    for idx in range(count):
        m = random_model(rng, idx)
        if only is not None and m["masking"] != only:
            continue
        path = write_model(m, folder)
        load_weights(m)
        kinds = {(m["masking"], hd["range"], hd.get("window")) for ly in m["layers"] for hd in ly["heads"]}
        for k in kinds:
            stats[k] = stats.get(k, 0) + 1
        fk = (m["number"]["format"], m["number"].get("overflow", "saturate"), m["number"].get("subnormals", True))
        stats[fk] = stats.get(fk, 0) + 1
        for word in words_for(rng, m["alphabet"]):
            try:
                ours = run_model(m, word, cache)
            except NaNError as e:
                ours = e
            stats["nan"] = stats.get("nan", 0) + isinstance(ours, NaNError)
            p = subprocess.run([binary, "run", path, "--json", "--word", " ".join(word)],
                               capture_output=True, text=True)
            runs += 1
            bad = compare(m, word, ours, p.stdout, p.stderr, p.returncode)
            if bad:
                failures.append((path, word, bad))
    print(f"{count} models, {runs} runs, seed {seed}")
    for k in sorted(stats, key=str):
        print(f"  {k}: {stats[k]}")
    if failures:
        print(f"{len(failures)} runs disagree; models kept in {folder}")
        for path, word, bad in failures[:40]:
            print(f"- {os.path.basename(path)} on '{' '.join(word)}':")
            for b in bad[:6]:
                print(f"    {b}")
        return 1
    if keep:
        print(f"models kept in {folder}")
    else:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
