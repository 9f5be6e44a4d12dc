"""From a PyTorch module to a verdict in one call (needs torch; not run in CI).

    pip install torch ./python
    python3 python/examples/torch_to_verdict.py

The module is python/example_torch.py's: docs/NUMERIC.md's architecture in plain
PyTorch (NoPE, strict masking, the classifier read at ⊣), with the naive "contains a"
weights set by hand; train your own instead. `RENAME` maps its parameter names to the
tensor names ltlattn reads. CI runs the same call on numpy stand-ins of this module
(python/tests/test_from_torch.py).
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import ltlattn  # noqa: E402
from example_naming import RENAME  # type: ignore[import-not-found]  # noqa: E402
from example_torch import naive_contains_a  # type: ignore[import-not-found]  # noqa: E402

model = ltlattn.from_torch(
    naive_contains_a(),
    alphabet=["a", "b"],
    number={"format": "fixed", "int_bits": 5, "frac_bits": 2},
    layers=[{"heads": [{"range": "global", "scale": 1.0}], "ffn": False}],
    rename=RENAME,
)
verdict = ltlattn.check(model, "P a")
print(verdict.holds, verdict.counterexample)
# False a a a a a a a a   (the rounded model forgets the a's at length 8)
