"""Tokenizer for OpenQASM 2 and 3 source text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from airflow_quantum_emulator.sim.errors import QasmError

MAX_SOURCE_CHARS = 5_000_000


@dataclass(frozen=True)
class Token:
    """A token: ``kind`` is ``id``, ``int``, ``float``, ``str``, ``phys``, ``op`` or ``eof``."""

    kind: str
    text: str
    line: int

    def __str__(self) -> str:
        return "end of input" if self.kind == "eof" else repr(self.text)


_TOKEN = re.compile(
    r"""
    (?P<newline>\n)
  | (?P<space>[ \t\r\f\v]+)
  | (?P<comment>//[^\n]*)
  | (?P<block>/\*)
  | (?P<float>(?:\d[\d_]*\.[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?|\d[\d_]*[eE][+-]?\d+)
  | (?P<int>0[xX][0-9a-fA-F_]+|0[bB][01_]+|0o[0-7_]+|\d[\d_]*)
  | (?P<id>[^\W\d]\w*)
  | (?P<phys>\$\d+)
  | (?P<str>"[^"\n]*"|'[^'\n]*')
  | (?P<op>\*\*|->|==|!=|<=|>=|<<|>>|&&|\|\||\+\+|[-+*/%^]=|[;,()\[\]{}:=@+\-*/%^<>!~&|.])
    """,
    re.VERBOSE,
)


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, dropping whitespace and comments; raises QasmError."""
    if not isinstance(source, str):
        raise QasmError("the OpenQASM program must be a string")
    if len(source) > MAX_SOURCE_CHARS:
        raise QasmError(f"the OpenQASM program is longer than {MAX_SOURCE_CHARS} characters")
    tokens: list[Token] = []
    line, pos = 1, 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            raise QasmError(f"unexpected character {source[pos]!r}", line)
        kind, text = match.lastgroup, match.group()
        pos = match.end()
        if kind == "newline":
            line += 1
        elif kind == "block":
            end = source.find("*/", pos)
            if end < 0:
                raise QasmError("unterminated /* comment", line)
            line += source.count("\n", pos, end)
            pos = end + 2
        elif kind not in ("space", "comment"):
            tokens.append(Token(kind, text, line))
    tokens.append(Token("eof", "", line))
    return tokens
