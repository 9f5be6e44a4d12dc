# %% [markdown]
# # The numeric examples, from Python
#
# A notebook-style walk (cells marked `# %%`: open it in Jupyter with jupytext, in VS Code,
# or run it whole with `python3 python/examples/numeric_tour.py` from the repository
# root). It trains nothing: it loads the numeric models of `examples/numeric/` (real
# weights, run exactly in their number format), checks each against the language it was
# built for, and classifies what the rounded model really recognizes.
# docs/book/guide/python.md explains each call.

# %%
from __future__ import annotations

import glob
import os
from typing import Dict

import ltlattn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.chdir(ROOT)

# The language each example was built for (examples/numeric/make.py).
SPECS: Dict[str, str] = {
    "contains-a": "P a",
    "naive-contains-a": "P a",
    "contains-ba": "P (a & Y b)",
    "ends-with-ab": "Y (b & Y a)",
    "last-letter-a": "Y a",
    "first-equals-last": "(O (a & !Y true) & Y a) | (O (b & !Y true) & Y b)",
}

# %% [markdown]
# ## Check: does each model recognize exactly its language, at every length?

# %%
for path in sorted(glob.glob("examples/numeric/*.toml")):
    stem = os.path.splitext(os.path.basename(path))[0]
    spec = SPECS.get(stem)
    if spec is None:
        continue
    model = ltlattn.load(path)
    try:
        v = ltlattn.check(model, spec, timeout=60)
    except ltlattn.BudgetExceeded as e:
        print(f"{stem:20} undecided: {e.message}")
        continue
    if v.holds:
        print(f"{stem:20} holds ({v.engine})")
    else:
        c = v.counterexample
        assert c is not None
        print(f"{stem:20} fails on `{c}`: the model says {c.first}, {spec} says {c.second}")

# %% [markdown]
# ## Classify: which architectures recognize what the naive model computes?
#
# The naive "contains a" drifts at eight a's (every α rounds to a tie and goes to the
# even 0); its language is still in LTL[P], the class of global soft attention.

# %%
naive = ltlattn.load("examples/numeric/naive-contains-a.toml")
classes = ltlattn.classify(naive)
print(classes.language, f"({classes.dfa_states} DFA states)")
for name, member in classes.classes.items():
    print(f"  {name:12} {member}")

# %% [markdown]
# ## Every result is the command line's JSON

# %%
print(ltlattn.compile(naive).to_dict()["fragment"])
