"""Tokenizer for Rhai source text."""

from __future__ import annotations

from ._errors import ParseError, Position

__all__ = ["Token", "tokenize", "KEYWORDS", "RESERVED_WORDS"]

KEYWORDS = frozenset(
    "true false let const if else switch do while until loop for in continue break "
    "return throw try catch fn private import export as this global".split()
)
SPECIAL_FNS = frozenset("Fn call curry is_shared is_def_fn is_def_var type_of print debug eval".split())
RESERVED_WORDS = frozenset(
    "var static shared goto match case public protected new use with is module package super thread "
    "spawn go await async sync yield default void null nil".split()
)
RESERVED_SYMBOLS = frozenset(
    "++ -- ... ~ !. ? # @ $ -> <- <| |> === !== := :; ::< (* *) #!".split()
)

_SYMBOLS = sorted(
    set(
        "+ - * / % ** << >> & | ^ == != < <= > >= && || ! = += -= *= /= %= **= <<= >>= &= |= ^= "
        ".. ..= ?? ?. ?[ . , ; : :: => ( ) [ ] { } #{ ()".split()
    )
    | RESERVED_SYMBOLS,
    key=len,
    reverse=True,
)
_SYM_BY_FIRST = {}
for _s in _SYMBOLS:
    _SYM_BY_FIRST.setdefault(_s[0], []).append(_s)

# tokens after which + and - are unary
_UNARY_AFTER = frozenset(
    "; : , ( [ { ?[ ?? .. ..= + - * / % ** << >> & | ^ == != < <= > >= && || ! = += -= *= /= %= **= "
    "<<= >>= &= |= ^= if while until in !in return throw => ()".split()
)


class Token:
    __slots__ = ("kind", "value", "line", "col")

    def __init__(self, kind, value, line, col):
        self.kind = kind  # symbol text, keyword text, or ID INT FLOAT STR CHAR ISTR EOF RESERVED
        self.value = value
        self.line = line
        self.col = col

    @property
    def pos(self):
        return Position(self.line, self.col)

    def __repr__(self):
        return f"Token({self.kind!r}, {self.value!r}, {self.line}:{self.col})"


def _lexerr(kind, msg, pos):
    return ParseError("BadInput", msg, pos, lex_error=kind)


class _Lexer:
    def __init__(self, src):
        self.src = src
        self.n = len(src)
        self.i = 0
        self.line = 1
        self.ls = 0  # index of current line start

    def pos_at(self, i=None):
        return Position(self.line, (self.i if i is None else i) - self.ls + 1)

    def newline(self, i):
        # i = index of the '\n'
        self.line += 1
        self.ls = i + 1

    def skip_ws(self):
        src, n = self.src, self.n
        while self.i < n:
            c = src[self.i]
            if c == "\n":
                self.newline(self.i)
                self.i += 1
            elif c in " \t\r\f\v":
                self.i += 1
            elif c == "/" and self.i + 1 < n and src[self.i + 1] == "/":
                j = src.find("\n", self.i)
                self.i = n if j < 0 else j
            elif c == "/" and self.i + 1 < n and src[self.i + 1] == "*":
                depth = 1
                self.i += 2
                while self.i < n and depth:
                    c = src[self.i]
                    if c == "\n":
                        self.newline(self.i)
                        self.i += 1
                    elif src.startswith("/*", self.i):
                        depth += 1
                        self.i += 2
                    elif src.startswith("*/", self.i):
                        depth -= 1
                        self.i += 2
                    else:
                        self.i += 1
            else:
                break

    def tokens(self, until_brace=False):
        out = []
        depth = 0
        src, n = self.src, self.n
        prev = None
        while True:
            self.skip_ws()
            if self.i >= n:
                if until_brace:
                    raise ParseError("UnexpectedEOF", "Script is incomplete", self.pos_at())
                out.append(Token("EOF", None, self.line, self.i - self.ls + 1))
                return out
            start = self.i
            line, col = self.line, start - self.ls + 1
            c = src[start]
            unary = prev is None or prev in _UNARY_AFTER
            if c.isdigit() or (c == "-" and unary and start + 1 < n and src[start + 1].isdigit()):
                tok = self.number(line, col)
            elif c.isalpha() or c == "_":
                if c.isascii() or c == "_":
                    tok = self.ident(line, col)
                else:
                    raise _lexerr("UnexpectedInput", f"Unexpected '{c}'", Position(line, col))
            elif c == '"':
                self.i += 1
                tok = Token("STR", self.string('"', col), line, col)
            elif c == "'":
                self.i += 1
                s = self.string("'", col)
                if len(s) != 1:
                    raise _lexerr("MalformedChar", f"Invalid character: '{s}'", Position(line, col))
                tok = Token("CHAR", s, line, col)
            elif c == "`":
                self.i += 1
                tok = Token("ISTR", self.backtick(), line, col)
            elif c == "#" and start + 1 < n and src[start + 1] in '#"':
                j = start
                while j < n and src[j] == "#":
                    j += 1
                if j < n and src[j] == '"':
                    hashes = j - start
                    close = '"' + "#" * hashes
                    k = src.find(close, j + 1)
                    if k < 0:
                        raise _lexerr("UnterminatedString", "Open string is not terminated", Position(line, col))
                    text = src[j + 1 : k]
                    for m in range(j + 1, k):
                        if src[m] == "\n":
                            self.newline(m)
                    self.i = k + len(close)
                    tok = Token("STR", text.replace("\r\n", "\n"), line, col)
                else:
                    self.i = start + 1
                    tok = Token("RESERVED", "#", line, col)
            else:
                tok = None
                for sym in _SYM_BY_FIRST.get(c, ()):
                    if src.startswith(sym, start):
                        tok = Token("RESERVED" if sym in RESERVED_SYMBOLS else sym, sym, line, col)
                        self.i = start + len(sym)
                        break
                if c == "!" and src.startswith("!in", start):
                    nxt = src[start + 3] if start + 3 < n else ""
                    if not (nxt.isalnum() or nxt == "_"):
                        tok = Token("!in", "!in", line, col)
                        self.i = start + 3
                if tok is None:
                    raise _lexerr("UnexpectedInput", f"Unexpected '{c}'", Position(line, col))
                if until_brace:
                    if tok.kind in ("{", "#{", "?[") or tok.kind == "(":
                        depth += 1 if tok.kind in ("{", "#{") else 0
                    elif tok.kind == "}":
                        if depth == 0:
                            out.append(Token("EOF", None, line, col))
                            return out
                        depth -= 1
            out.append(tok)
            prev = tok.kind if tok.kind not in ("ID", "INT", "FLOAT", "STR", "CHAR", "ISTR") else "lit"

    def ident(self, line, col):
        src, n = self.src, self.n
        j = self.i
        while j < n and (src[j].isascii() and (src[j].isalnum() or src[j] == "_")):
            j += 1
        word = src[self.i : j]
        self.i = j
        if word == "_":
            return Token("_", "_", line, col)
        if word in KEYWORDS:
            return Token(word, word, line, col)
        if word in RESERVED_WORDS:
            return Token("RESERVED", word, line, col)
        stripped = word.lstrip("_")
        if not stripped or not stripped[0].isalpha():
            raise _lexerr("MalformedIdentifier", f"Variable name is not proper: '{word}'", Position(line, col))
        return Token("ID", word, line, col)

    def number(self, line, col):
        src, n = self.src, self.n
        i = self.i
        neg = False
        if src[i] == "-":
            neg = True
            i += 1
        start_digits = i
        if src[i] == "0" and i + 1 < n and src[i + 1] in "xXoObB":
            radix = {"x": 16, "o": 8, "b": 2}[src[i + 1].lower()]
            j = i + 2
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            text = src[i + 2 : j].replace("_", "")
            self.i = j
            try:
                v = int(text, radix)
                if text.startswith(("+", "-")):
                    raise ValueError
            except ValueError:
                raise _lexerr("MalformedNumber", f"Invalid number: '{src[i:j]}'", Position(line, col)) from None
            if v >= 1 << 64:
                raise _lexerr("MalformedNumber", f"Invalid number: '{src[i:j]}'", Position(line, col))
            if v >= 1 << 63:
                v -= 1 << 64
            return Token("INT", -v if neg else v, line, col)
        j = i
        while j < n and (src[j].isdigit() or src[j] == "_"):
            j += 1
        is_float = False
        if j < n and src[j] == "." and not src.startswith("..", j):
            nxt = src[j + 1] if j + 1 < n else None
            if nxt is not None and nxt.isdigit():
                is_float = True
                j += 1
                while j < n and (src[j].isdigit() or src[j] == "_"):
                    j += 1
            elif nxt is not None and not (nxt.isalpha() or nxt == "_"):
                is_float = True
                j += 1
        if j < n and src[j] in "eE":
            k = j + 1
            if k < n and src[k] in "+-":
                k += 1
            if k < n and src[k].isdigit():
                is_float = True
                j = k
                while j < n and (src[j].isdigit() or src[j] == "_"):
                    j += 1
        text = src[start_digits:j].replace("_", "")
        self.i = j
        if j < n and (src[j].isalpha() or src[j] == "_") and not is_float:
            # e.g. 123abc
            k = j
            while k < n and (src[k].isalnum() or src[k] == "_"):
                k += 1
            raise _lexerr("MalformedNumber", f"Invalid number: '{src[start_digits:k]}'", Position(line, col))
        if is_float:
            if text.endswith("."):
                text += "0"
            v = float(text)
            return Token("FLOAT", -v if neg else v, line, col)
        v = int(text)
        if neg:
            v = -v
        if not (-(1 << 63) <= v < (1 << 63)):
            return Token("FLOAT", float(v), line, col)
        return Token("INT", v, line, col)

    def _escape(self, quote, line, col):
        src, n = self.src, self.n
        i = self.i  # at char after backslash
        if i >= n:
            raise _lexerr("UnterminatedString", "Open string is not terminated", Position(line, col))
        c = src[i]
        simple = {"\\": "\\", "t": "\t", "r": "\r", "n": "\n"}
        if c in simple:
            self.i = i + 1
            return simple[c]
        if c == quote:
            self.i = i + 1
            return quote
        width = {"x": 2, "u": 4, "U": 8}.get(c)
        if width:
            hx = src[i + 1 : i + 1 + width]
            if len(hx) == width and all(h in "0123456789abcdefABCDEF" for h in hx):
                cp = int(hx, 16)
                if cp <= 0x10FFFF and not (0xD800 <= cp <= 0xDFFF):
                    self.i = i + 1 + width
                    return chr(cp)
            raise _lexerr(
                "MalformedEscapeSequence", f"Invalid escape sequence: '\\{c}{hx}'", self.pos_at(i - 1)
            )
        raise _lexerr("MalformedEscapeSequence", f"Invalid escape sequence: '\\{c}'", self.pos_at(i - 1))

    def string(self, quote, open_col):
        src, n = self.src, self.n
        line, col = self.line, open_col
        out = []
        while True:
            if self.i >= n:
                if quote == "'":
                    raise _lexerr("MalformedChar", "Invalid character: ''", Position(line, col))
                raise _lexerr("UnterminatedString", "Open string is not terminated", Position(line, col))
            c = src[self.i]
            if c == quote:
                if quote == '"' and self.i + 1 < n and src[self.i + 1] == '"':
                    out.append('"')
                    self.i += 2
                    continue
                self.i += 1
                return "".join(out)
            if c == "\\":
                nxt = src[self.i + 1] if self.i + 1 < n else ""
                if quote == '"' and nxt in ("\n", "\r"):
                    # line continuation
                    j = self.i + 1
                    if src[j] == "\r":
                        j += 1
                    if j < n and src[j] == "\n":
                        self.newline(j)
                        j += 1
                    k = j
                    while k < n and src[k] in " \t" and (k - j + 1) <= open_col:
                        k += 1
                    self.i = k
                    continue
                self.i += 1
                out.append(self._escape(quote, line, col))
                continue
            if c == "\n":
                if quote == "'":
                    raise _lexerr("MalformedChar", "Invalid character: ''", Position(line, col))
                raise _lexerr("UnterminatedString", "Open string is not terminated", Position(line, col))
            if c == "\r" and self.i + 1 < n and src[self.i + 1] == "\n":
                self.i += 1
                continue
            out.append(c)
            self.i += 1

    def backtick(self):
        src, n = self.src, self.n
        parts = []
        buf = []
        line, col = self.line, self.i - self.ls
        # skip a newline right after the opening back-tick
        if src.startswith("\r\n", self.i):
            self.newline(self.i + 1)
            self.i += 2
        elif src.startswith("\n", self.i):
            self.newline(self.i)
            self.i += 1
        while True:
            if self.i >= n:
                raise _lexerr("UnterminatedString", "Open string is not terminated", Position(line, col))
            c = src[self.i]
            if c == "`":
                if self.i + 1 < n and src[self.i + 1] == "`":
                    buf.append("`")
                    self.i += 2
                    continue
                self.i += 1
                if buf or not parts:
                    parts.append("".join(buf))
                return parts
            if c == "\\" and src.startswith("${", self.i + 1):
                buf.append("${")
                self.i += 3
                continue
            if c == "$" and src.startswith("{", self.i + 1):
                if buf:
                    parts.append("".join(buf))
                    buf = []
                self.i += 2
                toks = self.tokens(until_brace=True)
                parts.append(toks)
                continue
            if c == "\n":
                self.newline(self.i)
            if c == "\r" and src.startswith("\n", self.i + 1):
                self.i += 1
                continue
            buf.append(c)
            self.i += 1


def tokenize(src):
    return _Lexer(src).tokens()
