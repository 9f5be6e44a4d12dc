"""ltlattn: fixed-precision transformers as past-time temporal logic, from Python.

The functions mirror the library behind the ``ltlattn`` command (docs/book/guide/python.md):

    >>> import ltlattn
    >>> m = ltlattn.load("examples/numeric/naive-contains-a.toml")
    >>> v = ltlattn.check(m, "P a")
    >>> v.holds, str(v.counterexample)
    (False, 'a a a a a a a a')

Every result has ``to_dict()``, equal to the command line's ``--json``. Budgets are
keyword arguments (``max_states=``, ``timeout=`` in seconds); long work releases the GIL
and stops on Ctrl-C (KeyboardInterrupt). Errors are ``ParseError``, ``ModelError``,
``InputError`` and ``BudgetExceeded``, all ``LtlattnError``, each with ``message``,
``help``, ``span`` and ``source``.
"""
from __future__ import annotations

import os
from typing import Iterable, List, Optional, Sequence, Union

from . import _ltlattn as _native
from ._ltlattn import (
    DEFAULT_MAX_STATES,
    BudgetExceeded,
    Formula,
    InputError,
    LtlattnError,
    Model,
    ModelError,
    ParseError,
)
from ._results import (
    Classification,
    Compilation,
    Counterexample,
    Decision,
    Result,
    Run,
    Verdict,
)
from ._export import ExportError, UnsupportedModule, export, from_torch, rules, save

from .sweep import sweep

__version__: str = _native.version()

__all__ = [
    "load", "formula", "check", "equiv", "includes", "compile", "classify", "run",
    "sample", "from_torch", "save", "export", "rules", "sweep",
    "Model", "Formula", "Result", "Verdict", "Counterexample", "Compilation",
    "Classification", "Decision", "Run",
    "LtlattnError", "ParseError", "ModelError", "InputError", "BudgetExceeded",
    "ExportError", "UnsupportedModule", "DEFAULT_MAX_STATES",
]

#: A language: a formula (text or ``formula(...)``) or a model (``load(...)``).
Language = Union[str, Formula, Model]

PathLike = Union[str, "os.PathLike[str]"]


def load(path: PathLike) -> Model:
    """Read a model.toml: a Boolean model, or a numeric one with the safetensors file
    its ``weights`` key names (relative to the model file). Raises ModelError."""
    return _native.load(os.fspath(path))


def formula(text: str) -> Formula:
    """Parse a formula (grammar/formula.md). Raises ParseError with the span."""
    return _native.formula(text)


def check(model: Model, spec: Union[str, Formula], *, engine: str = "auto",
          max_states: int = DEFAULT_MAX_STATES, timeout: Optional[float] = None,
          max_depth: int = 200) -> Verdict:
    """Does the model recognize exactly L(spec), at every length?

    ``ltlattn check MODEL --spec SPEC --json``. The counterexample's sides are the
    model's answer and the spec's. Raises BudgetExceeded (with ``checked_up_to_length``
    for a numeric model) when ``max_states``/``timeout`` stop the work.
    """
    return Verdict._from_json(_native.check(model, spec, engine=engine, max_states=max_states,
                                            timeout=timeout, max_depth=max_depth))


def equiv(first: Language, second: Language, *, engine: str = "auto",
          max_states: int = DEFAULT_MAX_STATES, timeout: Optional[float] = None,
          max_depth: int = 200, accept: str = "eos",
          alphabet: Optional[Sequence[str]] = None, props: bool = False) -> Verdict:
    """Do the two languages (formulas or models) agree on every word? A shortest
    counterexample if not. ``ltlattn equiv FIRST SECOND --json``."""
    return Verdict._from_json(_native.equiv(
        first, second, engine=engine, max_states=max_states, timeout=timeout,
        max_depth=max_depth, accept=accept, alphabet=_list(alphabet), props=props))


def includes(first: Language, second: Language, *, engine: str = "auto",
             max_states: int = DEFAULT_MAX_STATES, timeout: Optional[float] = None,
             max_depth: int = 200, accept: str = "eos",
             alphabet: Optional[Sequence[str]] = None, props: bool = False) -> Verdict:
    """Is every word of L(first) in L(second)? ``ltlattn includes FIRST SECOND --json``."""
    return Verdict._from_json(_native.includes(
        first, second, engine=engine, max_states=max_states, timeout=timeout,
        max_depth=max_depth, accept=accept, alphabet=_list(alphabet), props=props))


def compile(model: Model, *, max_states: int = DEFAULT_MAX_STATES,
            timeout: Optional[float] = None) -> Compilation:
    """The formula each feature computes and the accepted language's formula (a Boolean
    model), or the minimal DFA, heads and a formula (a numeric model).
    ``ltlattn compile MODEL --json``."""
    text, exit = _native.compile(model, max_states=max_states, timeout=timeout)
    return Compilation(Result._from_json(text)._data, exit)


def classify(language: Language, *, depth: int = 3, window: Optional[int] = None,
             max_states: int = DEFAULT_MAX_STATES, timeout: Optional[float] = None,
             accept: str = "eos", alphabet: Optional[Sequence[str]] = None) -> Classification:
    """Which architectures can recognize the language, with certificates for yes and no.
    ``ltlattn classify FORMULA --json`` (or ``--model MODEL``)."""
    return Classification._from_json(_native.classify(
        language, depth=depth, window=window, max_states=max_states, timeout=timeout,
        accept=accept, alphabet=_list(alphabet)))


def run(model: Model, word: Union[str, Sequence[str]], trace: bool = False) -> Run:
    """Run the model on a word (a string of space-separated tokens, or a list of tokens)
    with the reference executor (Boolean) or the exact executor (numeric).
    ``ltlattn run MODEL --word WORD --json``: ``to_dict()`` always has the whole report;
    ``trace=True`` also fills ``Run.trace`` (every feature at every position, or the
    vectors, attention weights and logit), which is None otherwise."""
    text = word if isinstance(word, str) else _word(word)
    return Run(Result._from_json(_native.run(model, text))._data, trace)


def sample(language: Language, *, length: int, count: int, seed: Optional[int] = None,
           negative: bool = False, max_states: int = DEFAULT_MAX_STATES,
           timeout: Optional[float] = None, accept: str = "eos",
           alphabet: Optional[Sequence[str]] = None) -> List[List[str]]:
    """``count`` words of length ``length`` drawn exactly uniformly and independently
    from the language (its complement with ``negative=True``), as lists of tokens. The
    same ``seed`` gives the same words as ``ltlattn sample --positive --seed``."""
    words, _ = _native.sample(language, length=length, count=count, seed=seed,
                              negative=negative, max_states=max_states, timeout=timeout,
                              accept=accept, alphabet=_list(alphabet))
    return words


def _list(x: Optional[Iterable[str]]) -> Optional[List[str]]:
    return None if x is None else [str(t) for t in x]


def _word(tokens: Sequence[str]) -> str:
    for t in tokens:
        if not t or any(c.isspace() for c in t):
            raise InputError(f"the token {t!r} is empty or has a space")
    return " ".join(tokens)
