"""The parameter names of python/example_torch.py's module and their NUMERIC.md names,
shared by the example and by test_export.py (which builds the same names from numpy)."""
import ltlattn_export as lx

RENAME = lx.rules([
    (r"^tok\.weight$", "embed"),
    (r"^blocks\.(\d+)\.attn\.q\.", r"layer.\1.head.0.query."),
    (r"^blocks\.(\d+)\.attn\.k\.", r"layer.\1.head.0.key."),
    (r"^blocks\.(\d+)\.attn\.v\.", r"layer.\1.head.0.value."),
    (r"^blocks\.(\d+)\.attn\.o\.", r"layer.\1.out."),
    (r"^head\.", "classifier."),
])
