"""Tests of ltlattn_export with numpy + safetensors only (run in CI by .ci/run):

    python3 -m unittest discover -s python

The exported files are loaded by the ltlattn binary (LTLATTN, else the newer of
target/debug/ltlattn and target/release/ltlattn): `run` and `check` on the naive contains-a model of
docs/NUMERIC.md §2, written under a PyTorch-style naming and renamed by rules().
"""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np
from safetensors.numpy import load_file

import ltlattn_export as lx
from example_naming import RENAME

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binary():
    if os.environ.get("LTLATTN"):
        return os.environ["LTLATTN"]
    built = [p for p in (os.path.join(ROOT, "target", d, "ltlattn") for d in ("debug", "release"))
             if os.path.exists(p)]
    if not built:
        raise unittest.SkipTest("no ltlattn binary (build it with cargo build, or set LTLATTN)")
    return max(built, key=os.path.getmtime)  # the newest build


# The naive "contains a" of docs/NUMERIC.md §2 with the names a PyTorch module would
# give its parameters (tok = nn.Embedding, blocks[0].attn.{q,k,v,o} = nn.Linear, head).
def naive_state():
    return {
        "tok.weight": np.array([[1, 0], [0, 1], [0, 0]], dtype=np.float32),
        "blocks.0.attn.q.weight": np.array([[0, 0]], dtype=np.float32),
        "blocks.0.attn.q.bias": np.array([1], dtype=np.float32),
        "blocks.0.attn.k.weight": np.array([[4, 0]], dtype=np.float32),
        "blocks.0.attn.v.weight": np.array([[1, 0]], dtype=np.float32),
        "blocks.0.attn.o.weight": np.array([[0], [1]], dtype=np.float32),
        "head.weight": np.array([[0, 1]], dtype=np.float32),
        "head.bias": np.array([-0.125], dtype=np.float32),
    }


LAYERS = [{"heads": [{"range": "global", "scale": 1.0}], "ffn": False}]
FIXED52 = {"format": "fixed", "int_bits": 5, "frac_bits": 2}


class ExportTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.path = os.path.join(self.dir, "naive.toml")

    def export(self, state=None, **kw):
        args = dict(alphabet=["a", "b"], layers=LAYERS, number=FIXED52, path=self.path,
                    rename=RENAME)
        args.update(kw)
        return lx.export(naive_state() if state is None else state, **args)

    def test_names_shapes_and_the_toml(self):
        names = self.export(name="naive contains-a")
        self.assertIn("layer.0.head.0.query.bias", names)
        tensors = load_file(os.path.join(self.dir, "naive.safetensors"))
        self.assertEqual(sorted(tensors), names)
        self.assertEqual(tensors["embed"].shape, (3, 2))
        self.assertEqual(tensors["embed"].dtype, np.float32)
        toml = open(self.path).read()
        self.assertIn('weights = "naive.safetensors"', toml)
        self.assertIn('range = "global"', toml)

    def test_ltlattn_reads_runs_and_checks_the_export(self):
        self.export()
        ltl = binary()
        run = subprocess.run([ltl, "run", self.path, "--word", "a b", "--json"],
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertTrue(json.loads(run.stdout)["holds"])
        # The naive model fails "contains a" first at a⁸ (NUMERIC.md §2).
        check = subprocess.run([ltl, "check", self.path, "--spec", "P a", "--json"],
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 1, check.stderr)
        self.assertEqual(json.loads(check.stdout)["counterexample"], ["a"] * 8)

    def test_mistakes_name_the_tensor(self):
        s = naive_state()
        del s["blocks.0.attn.k.weight"]
        with self.assertRaisesRegex(lx.ExportError, "layer.0.head.0.key.weight"):
            self.export(s)
        s = naive_state()
        s["blocks.0.attn.v.weight"] = np.zeros((2, 2), dtype=np.float32)
        with self.assertRaisesRegex(lx.ExportError, r"layer.0.head.0.value.weight.*shape"):
            self.export(s)
        s = naive_state()
        s["head.weight"][0, 0] = np.nan
        with self.assertRaisesRegex(lx.ExportError, "classifier.weight.*non-finite"):
            self.export(s)
        s = naive_state()
        s["pos.weight"] = np.zeros((40, 2), dtype=np.float32)
        with self.assertRaisesRegex(lx.ExportError, "pos.weight"):
            self.export(s)
        self.export(s, drop=["pos.weight"])  # told explicitly: fine
        with self.assertRaisesRegex(lx.ExportError, "rows"):
            self.export(alphabet=["a", "b", "c"])

    def test_a_dict_rename_and_layer_norm_tables(self):
        s = {RENAME(k): v for k, v in naive_state().items()}
        s["layer.0.norm1.weight"] = np.ones(2, dtype=np.float32)
        layers = [dict(LAYERS[0], norm="pre", norm_eps=1e-5)]
        names = self.export(s, rename={}, layers=layers)
        self.assertIn("layer.0.norm1.weight", names)
        toml = open(self.path).read()
        self.assertIn('norm = "pre"', toml)
        run = subprocess.run([binary(), "run", self.path, "--word", "a"],
                             capture_output=True, text=True)
        self.assertIn(run.returncode, (0, 1), run.stderr)


if __name__ == "__main__":
    unittest.main()
