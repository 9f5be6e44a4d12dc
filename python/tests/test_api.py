"""Every function of the package against the command line's --json on the examples,
and the exceptions."""
from __future__ import annotations

import glob
import os
import threading
import time
import _thread
from typing import Any, Dict, List, Optional

import pytest

import ltlattn
from conftest import cli, cli_text

# Model, spec: Boolean and numeric, holding and not.
CHECKS = [
    ("examples/models/contains-ba.toml", "P (a & Y b)"),
    ("examples/models/contains-ba.toml", "P a"),
    ("examples/models/ends-with-ab.toml", "Y (b & Y a)"),
    ("examples/models/recent-a.toml", "Y<=3 a"),
    ("examples/models/ab-star.toml", "Y b"),
    ("examples/numeric/contains-a.toml", "P a"),
    ("examples/numeric/naive-contains-a.toml", "P a"),
    ("examples/numeric/ends-with-ab.toml", "Y (b & Y a)"),
    ("examples/numeric/last-letter-a.toml", "Y a"),
]


def without_seconds(d: Any) -> Any:
    """A report without its wall-clock times (they differ from run to run)."""
    if isinstance(d, dict):
        return {k: without_seconds(v) for k, v in d.items() if k != "seconds"}
    if isinstance(d, list):
        return [without_seconds(v) for v in d]
    return d


@pytest.mark.parametrize("path,spec", CHECKS)
def test_check_is_the_cli(path: str, spec: str) -> None:
    v = ltlattn.check(ltlattn.load(path), spec)
    want, code = cli("check", path, "--spec", spec, "--json")
    assert without_seconds(v.to_dict()) == without_seconds(want)
    assert code == (0 if v.holds else 1)
    assert bool(v) == v.holds
    if not v.holds:
        c = v.counterexample
        assert c is not None and c.word == want["counterexample"]
        assert (c.first, c.second) == (want["model_accepts"], want["spec_accepts"])
    assert v.engine == want["engine"]
    assert "engine" not in v.certificate and "holds" not in v.certificate
    assert v.shortest == (None if v.holds else want.get("shortest", True))
    assert "shortest" not in v.certificate


def test_a_counterexample_found_past_the_search_is_not_known_shortest() -> None:
    # A trained (ab)* model wrong only on words longer than the search reaches in 20 s.
    m = ltlattn.load("examples/trained/ab-star/hybrid-2-e4m3-s2/model.toml")
    spec = "(start | Y b) & !P (a & Y a) & !P (b & Y b) & !P (b & start)"
    v = ltlattn.check(m, spec, timeout=20)
    assert not v.holds and v.counterexample is not None
    if v.engine == "hunt":
        n = v.certificate["checked_up_to_length"]
        assert v.shortest is False and n < len(v.counterexample.word)
        assert v.certificate["counterexample_length"] == len(v.counterexample.word)
    else:
        assert v.engine == "on-the-fly" and v.shortest is True


def test_check_takes_a_formula_object_and_keywords() -> None:
    m = ltlattn.load("examples/numeric/naive-contains-a.toml")
    v = ltlattn.check(m, ltlattn.formula("P a"), engine="explicit", max_states=100_000,
                      timeout=60)
    assert not v.holds and str(v.counterexample) == "a a a a a a a a"
    assert v.fragment == "LTL[P]"


COMPARISONS = [
    ("P (a & Y b)", "P (a & P b)"),
    ("P a", "!H !a"),
    ("Y a", "P a"),
    ("P (a & Y b)", "examples/models/contains-ba.toml"),
    ("examples/numeric/contains-a.toml", "P a"),
    ("examples/numeric/naive-contains-a.toml", "examples/numeric/contains-a.toml"),
]


def test_models_over_different_alphabets_are_a_model_error() -> None:
    a, b = "examples/numeric/naive-contains-a.toml", "examples/models/contains-a.toml"
    with pytest.raises(ltlattn.ModelError, match="different alphabets") as e:
        ltlattn.equiv(ltlattn.load(a), ltlattn.load(b))
    assert e.value.help
    _, code = cli("equiv", a, b, "--json")
    assert code == 2


def language(x: str) -> ltlattn.Language:
    return ltlattn.load(x) if x.endswith(".toml") else ltlattn.formula(x)


@pytest.mark.parametrize("command", ["equiv", "includes"])
@pytest.mark.parametrize("first,second", COMPARISONS)
def test_comparisons_are_the_cli(command: str, first: str, second: str) -> None:
    f = ltlattn.equiv if command == "equiv" else ltlattn.includes
    v = f(language(first), language(second))
    want, code = cli(command, first, second, "--json")
    assert without_seconds(v.to_dict()) == without_seconds(want)
    assert code == (0 if v.holds else 1)
    if v.counterexample is not None:
        assert v.counterexample.first == want["first"]["accepts"]
        assert v.counterexample.second == want["second"]["accepts"]


def test_comparison_options_are_the_cli_flags() -> None:
    v = ltlattn.equiv("P a", "Y a", accept="last", alphabet=["a", "b", "c"])
    want, _ = cli("equiv", "P a", "Y a", "--accept", "last", "--alphabet", "a,b,c", "--json")
    assert v.to_dict() == want
    v = ltlattn.includes("p & q", "p", props=True)
    want, _ = cli("includes", "p & q", "p", "--props", "--json")
    assert without_seconds(v.to_dict()) == without_seconds(want)


# Every Boolean example but dyck-depth-2 (12 s per compile in the dev profile; the
# others cover its code paths), and numeric ones.
MODELS = sorted(p for p in glob.glob("examples/models/*.toml", root_dir=os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    if "dyck" not in p) + [
    "examples/numeric/contains-a.toml", "examples/numeric/naive-contains-a.toml",
    "examples/numeric/first-equals-last.toml"]


@pytest.mark.parametrize("path", MODELS)
def test_compile_is_the_cli(path: str) -> None:
    model = ltlattn.load(path)
    want, code = cli("compile", path, "--json")
    if code == 2 and "command" not in want:
        with pytest.raises(ltlattn.LtlattnError):
            ltlattn.compile(model)
        return
    c = ltlattn.compile(model)
    assert c.to_dict() == want
    assert c.exit == code
    assert c.fragment == want["fragment"]


CLASSIFY = ["P (a & Y b)", "Y a", "(start | Y b) & !P (a & Y a) & !P (b & Y b) & !P (b & start)"]


@pytest.mark.parametrize("text", CLASSIFY)
def test_classify_is_the_cli(text: str) -> None:
    c = ltlattn.classify(text)
    want, code = cli("classify", text, "--json")
    assert c.to_dict() == want and code == 0
    assert c.dfa_states == want["dfa_states"]
    assert c.decision("global").member == want["global"]["member"]
    assert c.classes["global"] == want["global"]["member"]


@pytest.mark.parametrize("path,window", [("examples/models/contains-ba.toml", None),
                                         ("examples/numeric/contains-a.toml", 2)])
def test_classify_a_model_is_the_cli(path: str, window: Optional[int]) -> None:
    c = ltlattn.classify(ltlattn.load(path), window=window)
    flags = ["--window", str(window)] if window else []
    want, _ = cli("classify", "--model", path, *flags, "--json")
    assert c.to_dict() == want


@pytest.mark.parametrize("path,word", [
    ("examples/models/contains-ba.toml", "b a"),
    ("examples/models/contains-ba.toml", "a b c"),
    ("examples/models/ends-with-ab.toml", ""),
    ("examples/numeric/contains-a.toml", "b a"),
    ("examples/numeric/naive-contains-a.toml", "a a a a a a a a"),
])
def test_run_is_the_cli(path: str, word: str) -> None:
    m = ltlattn.load(path)
    r = ltlattn.run(m, word)
    want, code = cli("run", path, "--word", word, "--json")
    assert r.to_dict() == want
    assert code == (0 if r.accepted else 1)
    assert r.trace is None
    assert ltlattn.run(m, word.split(), trace=True).trace is not None


@pytest.mark.parametrize("language,negative", [
    ("P (a & Y b)", False), ("P (a & Y b)", True),
    ("examples/models/ends-with-ab.toml", False),
    ("examples/numeric/contains-a.toml", True),
])
def test_sample_is_the_cli(language: str, negative: bool) -> None:
    lang: Any = ltlattn.load(language) if language.endswith(".toml") else language
    words = ltlattn.sample(lang, length=7, count=25, seed=42, negative=negative)
    text, code = cli_text("sample", language, "--negative" if negative else "--positive",
                          "--length", "7", "--count", "25", "--seed", "42")
    assert code == 0
    assert [" ".join(w) for w in words] == text.splitlines()
    assert all(len(w) == 7 for w in words)


def test_formula_objects() -> None:
    f = ltlattn.formula("P(a&Y b)")
    assert str(f) == "P (a & Y b)" and f.atoms == ["a", "b"]
    assert f.show("unicode").startswith("P")


def test_models_say_what_they_are() -> None:
    b = ltlattn.load("examples/models/contains-ba.toml")
    n = ltlattn.load("examples/numeric/contains-a.toml")
    assert (b.kind, n.kind) == ("boolean", "numeric")
    assert b.alphabet == ["a", "b", "c"] and n.weights is not None and b.weights is None


def test_save_and_load_round_trip(tmp_path: Any) -> None:
    n = ltlattn.load("examples/numeric/naive-contains-a.toml")
    ltlattn.save(n, tmp_path / "copy.toml")
    assert (tmp_path / "copy.safetensors").exists()
    again = ltlattn.load(tmp_path / "copy.toml")
    assert ltlattn.check(again, "P a").to_dict() == ltlattn.check(n, "P a").to_dict()


# The exceptions: class, message, help, span, as the command line says them.

def test_parse_error_has_message_help_and_span() -> None:
    with pytest.raises(ltlattn.ParseError) as e:
        ltlattn.formula("P (a & ")
    err = e.value
    assert isinstance(err, ltlattn.LtlattnError)
    assert err.message and err.span is not None and err.source == "formula"
    start, end = err.span
    assert 0 <= start <= end <= len("P (a & ") + 1
    assert "P (a &" in err.rendered


def test_parse_error_in_a_spec_points_into_the_spec() -> None:
    with pytest.raises(ltlattn.ParseError) as e:
        ltlattn.check(ltlattn.load("examples/models/contains-a.toml"), "P (a")
    assert e.value.source == "spec"


def test_model_error(tmp_path: Any) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('alphabet = ["a"]\n[[feature]]\nname = "x"\nkind = "nonsense"\n')
    with pytest.raises(ltlattn.ModelError) as e:
        ltlattn.load(bad)
    assert e.value.message
    _, code = cli("compile", str(bad), "--json")
    assert code == 2


def test_spec_outside_the_alphabet_is_a_model_error() -> None:
    with pytest.raises(ltlattn.ModelError) as e:
        ltlattn.check(ltlattn.load("examples/models/contains-a.toml"), "P z")
    assert e.value.help and "alphabet" in e.value.help


def test_word_outside_the_alphabet_is_an_input_error() -> None:
    with pytest.raises(ltlattn.InputError) as e:
        ltlattn.run(ltlattn.load("examples/models/contains-ba.toml"), "a z")
    assert "z" in e.value.message and e.value.help


def test_budget_exceeded_says_how_far_the_search_got() -> None:
    path = "examples/numeric/contains-a.toml"
    with pytest.raises(ltlattn.BudgetExceeded) as e:
        ltlattn.check(ltlattn.load(path), "P a", max_states=20)
    want, code = cli("check", path, "--spec", "P a", "--max-states", "20", "--json")
    assert want["checked_up_to_length"] == 2
    # A state limit, not a clock, stopped the compilation and the proof.
    assert want["timed_out"] is False
    assert code == 2
    assert e.value.report == want
    assert e.value.checked_up_to_length == want["checked_up_to_length"]
    assert e.value.help


# The 22nd letter from the end: a DFA of 2^22 states, minutes for the explicit engine.
LAST_22 = "Y " * 22 + "a"
HARD = (LAST_22, f"{LAST_22} | {'Y ' * 22}b")


def test_budget_exceeded_on_formulas_has_the_cli_report() -> None:
    a, b = HARD
    with pytest.raises(ltlattn.BudgetExceeded) as e:
        ltlattn.equiv(a, b, engine="explicit", max_states=50)
    want, code = cli("equiv", a, b, "--engine", "explicit", "--max-states", "50", "--json")
    assert code == 2 and e.value.report == want and want["holds"] is None


def test_bad_keyword_values() -> None:
    with pytest.raises(ltlattn.LtlattnError):
        ltlattn.equiv("P a", "Y a", engine="nonsense")
    with pytest.raises(ltlattn.LtlattnError):
        ltlattn.equiv("P a", "Y a", timeout=-1)
    with pytest.raises(ltlattn.LtlattnError):
        ltlattn.equiv("P a", "Y a", accept="sometimes")
    with pytest.raises(TypeError):
        ltlattn.equiv("P a", 3)  # type: ignore[arg-type]


def test_ctrl_c_stops_the_work_with_keyboard_interrupt() -> None:
    a, b = HARD
    # The interrupt comes at 0.2 s: before `auto` starts z3 on a two-core machine
    # (AUTO_Z3_DELAY, 1 s), which refutes this pair in about half a second.
    for engine in ("explicit", "auto"):
        timer = threading.Timer(0.2, _thread.interrupt_main)
        timer.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            ltlattn.equiv(a, b, engine=engine, max_states=10**9)
        assert time.monotonic() - started < 10
        timer.cancel()


def test_the_gil_is_released_while_deciding() -> None:
    ticks: List[int] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.01)

    t = threading.Thread(target=tick)
    t.start()
    try:
        with pytest.raises(ltlattn.BudgetExceeded):
            ltlattn.equiv(*HARD, engine="explicit", timeout=1.0, max_states=10**9)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 20


def test_results_compare_and_print() -> None:
    v = ltlattn.equiv("P a", "!H !a")
    assert v == ltlattn.equiv("P a", "!H !a") and "holds" in repr(v)
    d: Dict[str, Any] = v.to_dict()
    d["holds"] = None
    assert v.holds is True  # to_dict is a copy
