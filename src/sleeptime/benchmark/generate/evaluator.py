"""A safe evaluator for template expressions: an AST whitelist compiled to closures.

Template files are data written by others, so their expressions are never given to
``eval``. Each one is parsed with :func:`ast.parse` and every node is checked against a
short whitelist (arithmetic, comparisons, ``and``/``or``/``not``, ``x if c else y``,
literals, names, calls of functions we supply, indexing). Attribute access, lambdas,
comprehensions, keyword arguments, starred arguments and dunder names are refused before
anything runs, and sizes are bounded (``10**10**10`` is refused, not computed). The checked
tree is compiled once into nested closures, which keeps rejection sampling fast.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

from sleeptime.benchmark.generate.limits import (
    ExpressionError,
    UnsafeExpressionError,
    bounded,
    modulo,
    power,
    times,
)
from sleeptime.errors import InputError

__all__ = ["PAIR_PREFIX", "Evaluator", "ExpressionError", "UnsafeExpressionError", "run"]

MAX_SOURCE_CHARS = 2000
MAX_DEPTH = 60

Env = Mapping[str, Any]
Compiled = Callable[[Env], Any]
# A variable drawn from a (text, value) pair computes as its value; ``name[0]`` and
# ``name[1]`` still reach the pair. The pair sits in the environment under this prefix,
# which no identifier can spell.
PAIR_PREFIX = "\x00pair:"


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: modulo,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


class Evaluator:
    """Compile expressions against a fixed table of callable functions.

    ``functions`` maps a name (``"int"``) or a dotted name (``"np.arange"``) to a Python
    callable; only those can be called, only with positional arguments.
    """

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        self._functions = dict(functions)
        self._cache: dict[str, Compiled] = {}

    def compile(self, source: str) -> Compiled:
        """Check ``source`` against the whitelist and return a function of the variables."""
        cached = self._cache.get(source)
        if cached is not None:
            return cached
        text = source.strip()
        if len(text) > MAX_SOURCE_CHARS:
            raise UnsafeExpressionError(
                f"expression is {len(text)} characters; the limit is {MAX_SOURCE_CHARS}"
            )
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as error:
            raise UnsafeExpressionError(
                f"{text!r} is not a valid expression: {error.msg}"
            ) from None
        except (RecursionError, MemoryError, ValueError):
            raise UnsafeExpressionError("expression is nested too deeply") from None
        if _depth(tree) > MAX_DEPTH:
            raise UnsafeExpressionError(f"expression is nested more than {MAX_DEPTH} deep")
        compiled = self._node(tree.body, text)
        self._cache[source] = compiled
        return compiled

    def evaluate(self, source: str, env: Env) -> Any:
        """Compile (or reuse) ``source`` and run it with the variables in ``env``."""
        return run(self.compile(source), env, source)

    def _node(self, node: ast.expr, text: str) -> Compiled:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise UnsafeExpressionError(
                f"{type(node).__name__} is not allowed in template expressions "
                f"(in {text!r}); only arithmetic, comparisons, literals, names, indexing "
                "and calls of the template helpers are"
            )
        result: Compiled = method(node, text)
        return result

    def _Constant(self, node: ast.Constant, text: str) -> Compiled:
        value = node.value
        if not isinstance(value, int | float | str):
            raise UnsafeExpressionError(f"constant {value!r} is not allowed (in {text!r})")
        bounded(value)
        return lambda env: value

    def _Name(self, node: ast.Name, text: str) -> Compiled:
        name = node.id
        if name.startswith("_"):
            raise UnsafeExpressionError(f"name {name!r} is not allowed (in {text!r})")
        if name in ("True", "False"):
            flag = name == "True"
            return lambda env: flag

        def load(env: Env) -> Any:
            try:
                return env[name]
            except KeyError:
                raise ExpressionError(f"unknown name {name!r} in {text!r}") from None

        return load

    def _BinOp(self, node: ast.BinOp, text: str) -> Compiled:
        left, right = self._node(node.left, text), self._node(node.right, text)
        if isinstance(node.op, ast.Pow):
            return lambda env: power(left(env), right(env))
        if isinstance(node.op, ast.Mult):
            return lambda env: times(left(env), right(env))
        op = _BINARY.get(type(node.op))
        if op is None:
            raise UnsafeExpressionError(
                f"operator {type(node.op).__name__} is not allowed (in {text!r})"
            )
        return lambda env: bounded(op(left(env), right(env)))

    def _UnaryOp(self, node: ast.UnaryOp, text: str) -> Compiled:
        inner = self._node(node.operand, text)
        if isinstance(node.op, ast.USub):
            return lambda env: -inner(env)
        if isinstance(node.op, ast.UAdd):
            return lambda env: +inner(env)
        if isinstance(node.op, ast.Not):
            return lambda env: not inner(env)
        raise UnsafeExpressionError(f"operator {type(node.op).__name__} is not allowed")

    def _BoolOp(self, node: ast.BoolOp, text: str) -> Compiled:
        parts = [self._node(value, text) for value in node.values]
        if isinstance(node.op, ast.And):
            return lambda env: all(part(env) for part in parts)
        return lambda env: any(part(env) for part in parts)

    def _Compare(self, node: ast.Compare, text: str) -> Compiled:
        first = self._node(node.left, text)
        rest: list[tuple[Callable[[Any, Any], Any], Compiled]] = []
        for op, right in zip(node.ops, node.comparators, strict=True):
            function = _COMPARE.get(type(op))
            if function is None:
                raise UnsafeExpressionError(f"comparison {type(op).__name__} is not allowed")
            rest.append((function, self._node(right, text)))

        def compare(env: Env) -> bool:
            left = first(env)
            for function, right_of in rest:
                right = right_of(env)
                if not function(left, right):
                    return False
                left = right
            return True

        return compare

    def _IfExp(self, node: ast.IfExp, text: str) -> Compiled:
        test, body, other = (self._node(n, text) for n in (node.test, node.body, node.orelse))
        return lambda env: body(env) if test(env) else other(env)

    def _List(self, node: ast.List, text: str) -> Compiled:
        items = [self._node(item, text) for item in node.elts]
        return lambda env: [item(env) for item in items]

    def _Tuple(self, node: ast.Tuple, text: str) -> Compiled:
        items = [self._node(item, text) for item in node.elts]
        return lambda env: tuple(item(env) for item in items)

    def _Subscript(self, node: ast.Subscript, text: str) -> Compiled:
        target = self._node(node.value, text)
        if isinstance(node.slice, ast.Slice):
            bounds = [
                None if part is None else self._node(part, text)
                for part in (node.slice.lower, node.slice.upper, node.slice.step)
            ]
            return lambda env: target(env)[
                slice(*(None if b is None else _index(b(env)) for b in bounds))
            ]
        index = self._node(node.slice, text)
        if isinstance(node.value, ast.Name):
            pair_key = PAIR_PREFIX + node.value.id

            def item_or_pair(env: Env) -> Any:
                pair = env.get(pair_key)
                base = target(env) if pair is None else pair
                return _item(base, _index(index(env)), text)

            return item_or_pair
        return lambda env: _item(target(env), _index(index(env)), text)

    def _Call(self, node: ast.Call, text: str) -> Compiled:
        if node.keywords:
            raise UnsafeExpressionError(f"keyword arguments are not allowed (in {text!r})")
        name = _dotted(node.func)
        function = self._functions.get(name) if name else None
        if function is None:
            shown = name or type(node.func).__name__
            raise UnsafeExpressionError(
                f"call of {shown!r} is not allowed (in {text!r}); allowed: "
                f"{', '.join(sorted(self._functions))}"
            )
        args = [self._node(arg, text) for arg in node.args]
        return lambda env: bounded(function(*(arg(env) for arg in args)))


def _depth(tree: ast.AST) -> int:
    """Nesting depth of a tree, measured without recursion (so deep input cannot crash it)."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _dotted(node: ast.expr) -> str | None:
    """Return ``"np.random.randint"`` for a chain of plain names, else None.

    Only whole chains that name a whitelisted function are ever looked up; the objects
    along the chain are never touched, so no attribute of any object is reachable.
    """
    if isinstance(node, ast.Name):
        return None if node.id.startswith("_") else node.id
    if isinstance(node, ast.Attribute) and not node.attr.startswith("_"):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _index(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExpressionError(f"an index must be an integer, got {value!r}")
    return value


def _item(target: Any, index: int, text: str) -> Any:
    if not isinstance(target, str | list | tuple):
        raise ExpressionError(f"cannot index a {type(target).__name__} (in {text!r})")
    try:
        return target[index]
    except IndexError:
        raise ExpressionError(f"index {index} is out of range (in {text!r})") from None


def run(compiled: Compiled, env: Env, source: str) -> Any:
    """Run a compiled expression; Python errors become :class:`ExpressionError`."""
    try:
        return compiled(env)
    except InputError:
        raise
    except (ArithmeticError, TypeError, ValueError) as error:
        raise ExpressionError(f"{source.strip()!r} failed: {error}") from None
