"""The template expression evaluator: the template language works, everything else is refused."""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import pytest

from sleeptime.benchmark.generate.evaluator import (
    PAIR_PREFIX,
    Evaluator,
    ExpressionError,
    UnsafeExpressionError,
)
from sleeptime.benchmark.generate.functions import (
    DOMAIN_FUNCTIONS,
    EXPRESSION_FUNCTIONS,
    Draw,
    divides,
    format_frac,
    is_int,
)
from sleeptime.benchmark.generate.pools import number_words, pools, word_values
from sleeptime.benchmark.generate.render import display, final_number, strip_calculator

EVAL = Evaluator(EXPRESSION_FUNCTIONS)
DOMAINS = Evaluator(DOMAIN_FUNCTIONS)


def ev(source: str, **env: Any) -> Any:
    return EVAL.evaluate(source, env)


@pytest.mark.parametrize(
    ("source", "env", "expected"),
    [
        ("int((k * y)/ (x * 12) * 100)", {"k": 2, "y": 6, "x": 10}, 10),
        ("(total - diff) // 2", {"total": 21, "diff": 4}, 8),
        (
            "divides(x * 12, k*y) and is_int(f * k)",
            {"x": 10, "k": 2, "y": 6, "f": Fraction(1, 2)},
            True,
        ),
        ("7 if time_period == 'week' else 30", {"time_period": "month"}, 30),
        ("w3 < w2 < w1", {"w1": 13, "w2": 12, "w3": Fraction(1, 2)}, True),
        ("not n1 % 2 != 0", {"n1": 4}, True),
        ("Fraction(m2, 60)", {"m2": 30}, Fraction(1, 2)),
        ("format_frac(3 + Fraction(1, 2))", {}, "3 1/2"),
        ("d3[0]", {"d3": "Wednesday"}, "W"),
        ("round(p1) + 2**3", {"p1": 1.59}, 10),
        ("-x + +y", {"x": 2, "y": 5}, 3),
    ],
)
def test_template_expressions_evaluate_like_python(
    source: str, env: dict[str, Any], expected: Any
) -> None:
    assert ev(source, **env) == expected


def test_a_pair_computes_as_its_value_and_indexes_as_a_pair() -> None:
    env = {"mult": 3, PAIR_PREFIX + "mult": ("three times", 3)}
    assert EVAL.evaluate("n1 * mult", {**env, "n1": 4}) == 12
    assert EVAL.evaluate("mult[1]", env) == 3
    assert EVAL.evaluate("mult[0]", env) == "three times"


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "'abc'.upper()",
        "open('/etc/passwd')",
        "eval('1+1')",
        "exec('x=1')",
        "getattr(x, 'real')",
        "(lambda: 1)()",
        "[i for i in range(3)]",
        "{i: i for i in range(3)}",
        "{i for i in range(3)}",
        "(i for i in range(3))",
        "{'a': 1}",
        "f'{x}'",
        "(y := 3)",
        "int(*[1])",
        "round(x, ndigits=1)",
        "x if True else __builtins__",
        "1 << 100",
        "x @ y",
        "np.random.__dict__",
        "import os",
        "x = 1",
    ],
)
def test_hostile_expressions_are_refused_before_running(source: str) -> None:
    with pytest.raises(UnsafeExpressionError):
        EVAL.compile(source)


@pytest.mark.parametrize(
    "source",
    [
        "10**10**10",
        "(10**100)**64",
        "2**5000",
        "9**65",
        "'a' * 10**9",
        "[0] * 10**8",
        "'%999999999d' % 1",
    ],
)
def test_huge_results_are_refused_quickly(source: str) -> None:
    started = time.monotonic()
    with pytest.raises(UnsafeExpressionError):
        ev(source)
    assert time.monotonic() - started < 1.0


def test_overlong_or_deeply_nested_source_is_refused() -> None:
    with pytest.raises(UnsafeExpressionError, match="limit"):
        EVAL.compile("1+" * 1500 + "1")
    for deep in ("-" * 1500 + "1", "(" * 250 + "1" + ")" * 250, "not " * 400 + "x"):
        with pytest.raises(UnsafeExpressionError):
            EVAL.compile(deep)


def test_runtime_failures_are_typed_errors() -> None:
    with pytest.raises(ExpressionError, match="unknown name 'zz'"):
        ev("zz + 1")
    with pytest.raises(ExpressionError, match="division by zero"):
        ev("1 / x", x=0)
    with pytest.raises(ExpressionError):
        ev("'a' - 1")


def test_domain_functions_build_draws() -> None:
    names = pools()
    draw = DOMAINS.evaluate("sample(names, 3)", names)
    assert isinstance(draw, Draw) and draw.count == 3 and "Kenji" in draw.items
    assert DOMAINS.evaluate("range(10, 500, 10)", {})[-1] == 490
    assert DOMAINS.evaluate("np.arange(11, 12, 0.5)", {}) == [11, 11.5]
    assert DOMAINS.evaluate("fix_floats(np.arange(1.26, 3.53, 0.33))", {})[-1] == 3.24
    assert DOMAINS.evaluate("numbers_within(2, 4)", {}) == [("two", 2), ("three", 3), ("four", 4)]
    assert DOMAINS.evaluate("fraction_nums[:4]", names)[0] == ("1/2", Fraction(1, 2))
    week = DOMAINS.evaluate("sample_sequential(weekdays, 3)", names)
    assert week.sequential and week.count == 3
    assert len(DOMAINS.evaluate("list(range(2, 6)) * 10", {})) == 40
    with pytest.raises(UnsafeExpressionError):
        DOMAINS.compile("np.load('x')")


def test_helpers_tolerate_float_noise_but_not_real_fractions() -> None:
    assert is_int(0.1 * 30) and is_int(Fraction(4, 2)) and not is_int(2.5)
    assert not is_int("3") and not is_int(True)
    assert divides(100, 120 / 12) and not divides(10, 3) and not divides(5, 0)
    assert ev("int(0.29 * 100)") == 29  # plain int() would give 28
    assert format_frac(Fraction(-3, 2)) == "-1 1/2" and format_frac(4.0) == "4"


def test_numbers_and_words() -> None:
    assert display(15.0) == "15" and display(0.1 + 0.2) == "0.3"
    assert display(Fraction(1, 3)) == "1/3"
    assert final_number(Fraction(5, 2)) == "2.5" and final_number(32.5) == "32.5"
    assert final_number(Fraction(1, 3)) == "0.333333"
    with pytest.raises(ExpressionError):
        final_number("seven")
    assert number_words(42) == "forty-two" and number_words(300) == "three hundred"
    words = word_values()
    assert words["a third"] == Fraction(1, 3) and words["twice"] == 2
    assert words["three quarters"] == Fraction(3, 4) and words["two-fifths"] == Fraction(2, 5)


def test_calculator_notes_are_dropped_without_leaving_double_spaces() -> None:
    assert strip_calculator("= <<6*2=12>>12 inches\n16 - 8 = <<16-8>> 8.") == (
        "= 12 inches\n16 - 8 = 8."
    )
