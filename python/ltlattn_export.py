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

The exporter is part of the Python package (``ltlattn.export``, ``ltlattn.from_torch``,
``ltlattn.save``; python/pkg/ltlattn/_export.py). This file loads that module by its
path, so it keeps working without the package installed.
"""
import importlib.util
import os
import sys

_HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pkg", "ltlattn", "_export.py")
_spec = importlib.util.spec_from_file_location("ltlattn_export._impl", _HERE)
_impl = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _impl
_spec.loader.exec_module(_impl)

export = _impl.export
rules = _impl.rules
expected_tensors = _impl.expected_tensors
ExportError = _impl.ExportError

__all__ = ["export", "rules", "expected_tensors", "ExportError"]
