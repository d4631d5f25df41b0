"""The safe expression language used for visibility, required-if, computed values, validation,
eligibility, routing and scoring rules.

This package is part of the pure core: it does no I/O and imports neither flask nor
sqlalchemy. Expressions are parsed with `ast`, checked once against an allow-list of
constructs, cached, and evaluated by simpleeval with bounded cost (see `limits`). Every
failure is an ExpressionError (compile or runtime family) with a code, a position and a
message in Chinese or English.
"""

from runtime.expressions.analysis import check_expression, infer_type
from runtime.expressions.compiler import CallSite, Expression, compile_expression, evaluate
from runtime.expressions.errors import (
    ExpressionCompileError,
    ExpressionError,
    ExpressionRuntimeError,
)
from runtime.expressions.evaluator import Trace
from runtime.expressions.functions import FUNCTIONS
from runtime.expressions.messages import MESSAGES
from runtime.expressions.methods import METHODS, Method
from runtime.expressions.registry import DuplicateFunction, Function, register
from runtime.expressions.values import VALUE_TYPES

__all__ = [
    "FUNCTIONS",
    "MESSAGES",
    "METHODS",
    "VALUE_TYPES",
    "CallSite",
    "DuplicateFunction",
    "Expression",
    "ExpressionCompileError",
    "ExpressionError",
    "ExpressionRuntimeError",
    "Function",
    "Method",
    "Trace",
    "check_expression",
    "compile_expression",
    "evaluate",
    "infer_type",
    "register",
]
