"""The Python that model code uses, as convcalc's interpreter follows it: each snippet is run
by CPython too (our own trusted test text; convcalc never runs the files it reads), and the
two must agree on the value of `result`."""

from __future__ import annotations

import ast

import pytest

from convcalc.interpreter.machine import Interpreter
from convcalc.interpreter.refusals import SourceError
from convcalc.interpreter.torch_api import python_builtins


def interpret(source: str) -> object:
    interp = Interpreter(ast.parse(source), python_builtins())
    interp.run_module()
    return interp.globals.vars["result"]


def cpython(source: str) -> object:
    namespace: dict[str, object] = {}
    exec(source, namespace)  # the test's own snippet: CPython is the oracle
    return namespace["result"]


SNIPPETS = [
    # numbers and operators
    "result = (7 // 2, -7 // 2, 7 % 3, -7 % 3, 2 ** 10, 2 ** -1, 7 / 2, 1 << 5, 40 >> 2)",
    "result = (3 & 5, 3 | 5, 3 ^ 5, ~3, -(-4), +4, abs(-3), round(2.5), round(3.14159, 2))",
    "result = (1 < 2 < 3, 1 < 3 < 2, 1 == 1.0, 'a' != 'b', None is None, 3 in [1, 2, 3])",
    "result = (0 or 5, 3 and 0, not 0, None or [] or 'x', 1 and 2 and 3)",
    "result = (int('12'), float('1.5'), int(3.9), bool(0), str(12), divmod(17, 5), pow(2, 8))",
    "result = (min(3, 1, 2), max([4, 9, 2]), min([], default=7), max('ab', 'b', key=len))",
    "result = (sum([1, 2, 3]), sum([[1], [2]], []), len('abc'), len({'a': 1}), sorted([3, 1, 2]))",
    "result = (sorted([3, 1, 2], reverse=True), list(reversed([1, 2])), any([0, 1]), all([]))",
    # containers
    "result = [x * 2 for x in range(5) if x % 2]",
    "result = {k: v for k, v in zip('abc', range(3))}",
    "result = [(i, j) for i in range(3) for j in range(i)]",
    "result = list(enumerate(['a', 'b'], 1)) + list(zip([1, 2], [3, 4]))",
    "a = [1, 2, 3]\na.append(4)\na.extend([5])\na += [6]\na.insert(0, 0)\n"
    "result = (a, a.pop(), a.index(3))",
    "d = {'x': 1}\nd['y'] = 2\nd.update(z=3)\n"
    "result = (d, d.get('q', 9), list(d.items()), d.pop('x'))",
    "a, *b, c = range(5)\nresult = (a, b, c)",
    "(a, b), c = (1, 2), 3\nresult = a + b + c",
    "result = [1, 2, 3][::-1] + [1, 2, 3][1:] + list((1, 2) * 2)",
    "result = {**{'a': 1}, 'b': 2}",
    "result = [*range(3), *'ab']",
    "s = {1, 2}\nresult = sorted(s | {3})",
    # strings
    "result = f'{3:>4}|{2.5:.2f}|{\"a\"!r}|{10:x}'",
    "result = '{}-{}'.format(1, 'b') + '%d/%s' % (3, 'x') + ','.join(['a', 'b']).upper()",
    "result = 'conv_3x3'.split('_') + ['  a '.strip(), 'ab'.startswith('a'), "
    "'abc'.replace('b', 'B')]",
    # control flow
    "result = []\nfor i in range(10):\n    if i == 2:\n        continue\n"
    "    if i > 4:\n        break\n"
    "    result.append(i)\nelse:\n    result.append('no')",
    "i = 0\nwhile i < 5:\n    i += 2\nelse:\n    i = -i\nresult = i",
    "x = 5\nresult = 'big' if x > 3 else 'small'",
    "try:\n    y = 1\nfinally:\n    y += 1\nresult = y",
    "assert 1 + 1 == 2, 'math'\nresult = True",
    "result = (n := 4) * n",
    # functions and closures
    "def f(a, b=2, *args, c, d=4, **kw):\n    return (a, b, args, c, d, sorted(kw))\n"
    "result = (f(1, c=3), f(1, 5, 6, 7, c=0, e=1), f(*[1, 2], **{'c': 3, 'z': 0}))",
    "def outer(n):\n    def inner(x):\n        return x * n\n    return inner\n"
    "result = outer(3)(4)",
    "def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\nresult = fact(10)",
    "square = lambda x: x * x\nresult = list(map(square, [1, 2])) + list(filter(None, [0, 3]))",
    "result = sorted(['bb', 'a', 'ccc'], key=lambda s: -len(s))",
    # classes
    "class A:\n    k = 2\n    def __init__(self, x):\n        self.x = x\n    def get(self):\n"
    "        return self.x * self.k\nresult = A(5).get() + A.k",
    "class A:\n    def f(self):\n        return 'A'\nclass B(A):\n    def f(self):\n"
    "        return 'B' + super().f()\nresult = B().f()",
    "class A:\n    @staticmethod\n    def s(x):\n        return x + 1\n    @classmethod\n"
    "    def c(cls):\n        return cls.s(1)\n    @property\n    def p(self):\n"
    "        return 7\nresult = (A.s(1), A.c(), A().p)",
    "class A:\n    pass\nclass B(A):\n    pass\nresult = (isinstance(B(), A), isinstance(A(), B), "
    "isinstance(3, (str, int)), isinstance(True, int))",
    # math, functools, collections
    "import math\nresult = (math.ceil(2.1), math.floor(-2.1), math.sqrt(16), math.prod([2, 3]), "
    "math.gcd(12, 18), math.isqrt(17), math.pi > 3)",
    "from functools import partial\ndef f(a, b, c=0):\n    return (a, b, c)\n"
    "g = partial(f, 1, c=3)\nresult = g(2)",
    "from collections import OrderedDict\nresult = list(OrderedDict([('a', 1), ('b', 2)]).items())",
    "from typing import List, Optional\nx: List[int] = [1]\n"
    "def f(a: Optional[int] = None) -> int:\n"
    "    return 0 if a is None else a\nresult = (x, f(), f(2))",
    "if __name__ == '__main__':\n    result = 'ran'\nelse:\n    result = 'read'",
]


@pytest.mark.parametrize("source", SNIPPETS)
def test_follows_python_as_cpython_runs_it(source: str) -> None:
    if "__name__" in source:  # the one intended difference: a model file is not __main__
        assert interpret(source) == "read"
        return
    assert interpret(source) == cpython(source)


# Python errors in the file's code are its errors: one message with line and column
FAILURES = [
    ("result = 1 / 0", "line 1, column 10: ZeroDivisionError"),
    ("result = [1][3]", "line 1, column 10: IndexError: list index out of range"),
    ("result = {}['k']", "KeyError"),
    ("result = 1 + 'a'", "TypeError: unsupported operand"),
    ("result = undefined_name", "name 'undefined_name' is not defined"),
    ("def f(a):\n    return a\nresult = f()", "f() is missing the required argument 'a'"),
    ("def f(a):\n    return a\nresult = f(1, 2)", "f() takes 1 positional arguments but 2"),
    ("def f(a):\n    return a\nresult = f(b=1)", "unexpected keyword argument 'b'"),
    ("a, b = [1, 2, 3]", "cannot unpack 3 values into 2 names"),
    ("assert 1 == 2, 'sizes differ'", "line 1, column 1: the model's assert fails here: sizes"),
    ("raise ValueError('bad cfg')", "the model raises ValueError('bad cfg') here"),
    ("import numpy as np\nresult = np.zeros(3)", "line 2, column 10: 'np' comes from 'numpy'"),
    ("from torchvision.models import resnet18\nresult = resnet18()", "comes from 'torchvision"),
    ("global x", "'global' is not followed"),
    ("async def f():\n    pass", "AsyncFunctionDef statement is not followed"),
    ("with open('f') as h:\n    pass", "open() is not allowed"),
    ("result = (yield)", "is not followed"),
]


@pytest.mark.parametrize(("source", "message"), FAILURES)
def test_failures_name_the_line_and_column(source: str, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        interpret(source)
    assert message in str(caught.value)


def test_imports_of_unused_modules_are_fine() -> None:
    # the import lines are never run; only a use of the name is refused
    source = "import numpy as np\nimport os, sys\nfrom typing import Any\nresult = 3"
    assert interpret(source) == 3


def test_the_file_cannot_reach_python_itself() -> None:
    for source in (
        "result = ().__class__",
        "result = print.__self__",
        "result = (1).__add__(2)",
        "result = [].__len__()",
        "def f():\n    pass\nresult = f.__globals__",
        "result = __builtins__",
        "result = __import__('os')",
        "result = getattr([], 'append')",
        "result = type(1)",
        "result = vars()",
        "result = eval('1')",
        "result = compile('1', 'f', 'eval')",
    ):
        with pytest.raises(SourceError) as caught:
            interpret(source)
        assert "not" in str(caught.value), source
        assert str(caught.value).startswith("line "), source
