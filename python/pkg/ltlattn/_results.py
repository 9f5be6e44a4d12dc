"""Typed results: each wraps the JSON report the command line prints with ``--json``.

``to_dict()`` returns that JSON as a dict, key for key (docs/book/reference/json.md
documents every key); the properties are the keys people read most, typed.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Type, TypeVar

__all__ = [
    "Result",
    "Counterexample",
    "Verdict",
    "Compilation",
    "Classification",
    "Decision",
    "Run",
]


R = TypeVar("R", bound="Result")


class Result:
    """A report of one command: ``to_dict()`` is the command line's ``--json``."""

    def __init__(self, data: Dict[str, Any]) -> None:
        self._data = data

    @classmethod
    def _from_json(cls: Type[R], text: str) -> R:
        return cls(json.loads(text))

    def to_dict(self) -> Dict[str, Any]:
        """The report as the command line's ``--json`` prints it (a deep copy)."""
        return copy.deepcopy(self._data)

    def to_json(self) -> str:
        """The report as one line of JSON (keys in the command line's order)."""
        return json.dumps(self._data, ensure_ascii=False, separators=(",", ":"))

    @property
    def command(self) -> str:
        """The command that made the report (``check``, ``equiv``, …)."""
        return str(self._data["command"])

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def keys(self) -> List[str]:
        """The report's keys."""
        return list(self._data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Result) and self._data == other._data

    def __hash__(self) -> int:
        return hash(self.to_json())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_json()[:200]})"


@dataclass(frozen=True)
class Counterexample:
    """A word on which the two sides differ (shortest unless ``Verdict.shortest`` is
    False), and each side's answer on it (for ``check``: the model's, then the spec's)."""

    word: List[str]
    first: Optional[bool]
    second: Optional[bool]

    def __str__(self) -> str:
        return " ".join(self.word) if self.word else "ε"


# The keys of a comparison that are not the engine's report.
_VERDICT_KEYS = {
    "command", "holds", "equivalent", "included", "counterexample", "first", "second",
    "tables", "model_accepts", "spec_accepts", "fragment", "trace", "spec_table",
    "shortest",
}


class Verdict(Result):
    """The answer of ``check``, ``equiv`` or ``includes``: whether it holds, a shortest
    counterexample if not (with both sides' answers), which engine answered and its
    certificate (a proof's method and numbers, or the states explored)."""

    @property
    def holds(self) -> bool:
        """Whether the property holds (the command line's exit 0; 1 when not)."""
        return bool(self._data["holds"])

    @property
    def counterexample(self) -> Optional[Counterexample]:
        """A word on which the sides differ, or None when the property holds: shortest
        unless ``shortest`` is False."""
        word = self._data.get("counterexample")
        if word is None:
            return None
        if self.command == "check":
            return Counterexample(list(word), self._data.get("model_accepts"),
                                  self._data.get("spec_accepts"))
        return Counterexample(list(word), self._data["first"].get("accepts"),
                              self._data["second"].get("accepts"))

    @property
    def shortest(self) -> Optional[bool]:
        """Whether the counterexample is known to be shortest (None when the property
        holds): always, except for engine ``hunt`` (a word found by testing words past
        the breadth-first search; its ``checked_up_to_length`` bounds a shortest one's
        length from below)."""
        if self._data.get("counterexample") is None:
            return None
        return bool(self._data.get("shortest", True))

    @property
    def engine(self) -> str:
        """The engine that answered: explicit, bdd, z3, on-the-fly, hunt or bounds."""
        return str(self._data["engine"])

    @property
    def certificate(self) -> Dict[str, Any]:
        """The engine's report: its proof (z3, BDD, bounds) or effort (states explored)."""
        return {k: copy.deepcopy(v) for k, v in self._data.items()
                if k not in _VERDICT_KEYS and k != "engine"}

    @property
    def fragment(self) -> Optional[str]:
        """For ``check``: the fragment the model's architecture lands in."""
        f = self._data.get("fragment")
        return None if f is None else str(f)

    def __bool__(self) -> bool:
        return self.holds


class Compilation(Result):
    """The answer of ``compile``: the formula the model computes, its fragment, feature
    by feature (a Boolean model) or head by head (a numeric model)."""

    def __init__(self, data: Dict[str, Any], exit: int = 0) -> None:
        super().__init__(data)
        self._exit = exit

    @property
    def accept(self) -> Optional[str]:
        """The formula of the accepted language (None when a numeric model has none
        within the classifier's limits: its minimal DFA is exact)."""
        a = self._data.get("accept")
        return None if a is None else str(a)

    @property
    def fragment(self) -> str:
        """The fragment, e.g. ``LTL[P, Y]``."""
        return str(self._data["fragment"])

    @property
    def architecture(self) -> str:
        """The architecture that fragment corresponds to."""
        return str(self._data["architecture"])

    @property
    def features(self) -> Dict[str, Dict[str, Any]]:
        """Per feature (or head): layer, what makes it, its formula."""
        return copy.deepcopy(self._data["features"])

    @property
    def exit(self) -> int:
        """The command line's exit code: 0, or 2 when a numeric model has no formula."""
        return self._exit


@dataclass(frozen=True)
class Decision:
    """One row of ``classify``: is the language in the class, and why."""

    member: Optional[bool]
    basis: str
    hypothesis: bool
    certificate: Mapping[str, Any]
    note: Optional[str]


class Classification(Result):
    """The answer of ``classify``: which architectures can recognize the language."""

    @property
    def language(self) -> str:
        """The language, as the report names it."""
        return str(self._data["language"])

    @property
    def dfa_states(self) -> int:
        """States of its minimal DFA."""
        return int(self._data["dfa_states"])

    @property
    def monoid_size(self) -> Optional[int]:
        """Elements of its syntactic monoid (None beyond the limit)."""
        m = self._data.get("monoid_size")
        return None if m is None else int(m)

    def decision(self, cls: str) -> Decision:
        """The row of one class: ``global``, ``local``, ``hybrid``, ``hard``, …"""
        d = self._data[cls]
        return Decision(d.get("member"), str(d.get("basis", "")), bool(d.get("hypothesis")),
                        copy.deepcopy(d.get("certificate") or {}), d.get("note"))

    @property
    def classes(self) -> Dict[str, Optional[bool]]:
        """Every class with its answer (True, False, or None: not decided)."""
        return {k: v.get("member") for k, v in self._data.items()
                if isinstance(v, dict) and "member" in v}


class Run(Result):
    """The answer of ``run``: whether the model accepts the word, and its trace."""

    def __init__(self, data: Dict[str, Any], trace: bool = True) -> None:
        super().__init__(data)
        self._trace = trace

    @property
    def accepted(self) -> bool:
        """Whether the model accepts the word."""
        return bool(self._data["accepted"])

    @property
    def positions(self) -> List[str]:
        """The positions read: the word's tokens, then the end marker."""
        return list(self._data["positions"])

    @property
    def trace(self) -> Optional[Dict[str, Any]]:
        """Every feature at every position (Boolean); the vectors, the attention weights
        and the logit (numeric). None unless ``run(..., trace=True)``."""
        if not self._trace:
            return None
        return {k: copy.deepcopy(v) for k, v in self._data.items()
                if k not in ("command", "holds", "accepted", "positions")}

    def __bool__(self) -> bool:
        return self.accepted
