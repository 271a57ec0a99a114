"""Rhai scripting language for Python: source -> AST -> Python code objects.

Standalone (stdlib only). See docs/rhai.md.
"""

from ._engine import AST, Engine, FileModuleResolver
from ._errors import EvalAltResult, ParseError, Position
from ._scope import Scope
from ._values import Char, FnPtr, Range, to_debug, to_string, type_of

__all__ = ["AST", "Engine", "FileModuleResolver", "EvalAltResult", "ParseError", "Position", "Scope", "Char", "FnPtr", "Range",
           "type_of", "to_string", "to_debug"]
