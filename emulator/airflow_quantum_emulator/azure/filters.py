"""Listing queries: the ``filter`` expression, ``orderby``, and ``skip``/``top`` paging.

The filter grammar is the OData subset the official client writes::

    startswith(Name, 'abc') and (ProviderId eq 'ionq' or ProviderId eq 'quantinuum')
        and (State eq 'Succeeded') and CreationTime ge 2024-10-01 and not (Target eq 'x')

Comparisons: ``eq ne gt ge lt le``, ``Field in ('a', 'b')``; functions ``startswith``,
``endswith``, ``contains``; ``and``, ``or``, ``not`` and parentheses. Field names are
case-insensitive and may carry a leading ``$``. Text comparisons ignore case. A date without a
time (``2024-10-01``) compares with the calendar day (UTC) of a time field, which is what
``CreationTime le 2024-11-01`` means to the client that writes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote, urlencode

from airflow_quantum_emulator.clock import parse_iso
from airflow_quantum_emulator.errors import VendorError

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_FILTER_LENGTH = 4096

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]

#: Field kinds: "text" (case-insensitive), "status" (text in the caller's status vocabulary),
#: "time" (epoch seconds or None).
JOB_FIELDS: dict[str, str] = {
    "id": "text",
    "name": "text",
    "providerid": "text",
    "target": "text",
    "state": "status",
    "status": "status",
    "creationtime": "time",
    "beginexecutiontime": "time",
    "endexecutiontime": "time",
    "jobtype": "text",
    "sessionid": "text",
    "itemtype": "text",
    "priority": "text",
    "inputdataformat": "text",
    "outputdataformat": "text",
}
SESSION_FIELDS: dict[str, str] = {
    "id": "text",
    "name": "text",
    "providerid": "text",
    "target": "text",
    "state": "text",  # sessions have one status vocabulary in every version
    "status": "text",
    "creationtime": "time",
    "beginexecutiontime": "time",
    "endexecutiontime": "time",
    "itemtype": "text",
    "jobfailurepolicy": "text",
}

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<punct>[(),])
      | (?P<string>'(?:[^']|'')*')
      | (?P<time>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_$][A-Za-z0-9_.$]*)
    )""",
    re.VERBOSE,
)
_COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
_FUNCTIONS = ("startswith", "endswith", "contains")
_KEYWORDS = {"and", "or", "not", "in", "null", "true", "false", *_COMPARISONS}


class FilterError(ValueError):
    """The filter or orderby expression cannot be understood (the message says where)."""


@dataclass(frozen=True)
class _Literal:
    kind: str  # "text", "words", "time", "date", "number", "null", "bool"
    value: Any


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            snippet = text[position:].lstrip()[:20]
            if snippet.startswith("'"):
                raise FilterError(f"unterminated string starting at {snippet!r}")
            raise FilterError(f"unexpected text at {snippet!r}")
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, fields: Mapping[str, str]) -> None:
        self.tokens = _tokenize(text)
        self.index = 0
        self.fields = fields

    def parse(self) -> Predicate:
        if not self.tokens:
            return lambda row: True
        predicate = self._or()
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise FilterError(f"unexpected {token.text!r} at position {token.position}")
        return predicate

    def _peek_word(self) -> str | None:
        if self.index < len(self.tokens) and self.tokens[self.index].kind == "word":
            return self.tokens[self.index].text.lower()
        return None

    def _next(self, what: str) -> _Token:
        if self.index >= len(self.tokens):
            raise FilterError(f"the filter ends where {what} was expected")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _expect(self, text: str) -> None:
        token = self._next(repr(text))
        if token.text != text:
            raise FilterError(f"expected {text!r} at position {token.position}, got {token.text!r}")

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek_word() == "or":
            self.index += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else lambda row: any(p(row) for p in parts)

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._peek_word() == "and":
            self.index += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else lambda row: all(p(row) for p in parts)

    def _not(self) -> Predicate:
        if self._peek_word() == "not":
            self.index += 1
            inner = self._not()
            return lambda row: not inner(row)
        return self._primary()

    def _primary(self) -> Predicate:
        token = self._next("a condition")
        if token.text == "(":
            inner = self._or()
            self._expect(")")
            return inner
        if token.kind == "word" and token.text.lower() in _FUNCTIONS:
            return self._function(token.text.lower())
        if token.kind != "word" or token.text.lower() in _KEYWORDS:
            raise FilterError(
                f"expected a field name at position {token.position}, got {token.text!r}"
            )
        name, kind = self._field(token)
        operator = self._next("an operator after " + token.text)
        op = operator.text.lower()
        if op == "in":
            return self._in(name, kind)
        if op not in _COMPARISONS:
            raise FilterError(
                f"unknown operator {operator.text!r} at position {operator.position} "
                f"(use one of {', '.join(_COMPARISONS)}, in)"
            )
        literal = self._literal()
        return _comparison(name, kind, op, self._coerce(literal, kind, token.text))

    def _field(self, token: _Token) -> tuple[str, str]:
        name = token.text.lstrip("$").lower()
        kind = self.fields.get(name)
        if kind is None:
            known = ", ".join(sorted({_display_name(f) for f in self.fields}))
            raise FilterError(f"unknown field {token.text!r}; fields that can be filtered: {known}")
        return _canonical(name), kind

    def _function(self, function: str) -> Predicate:
        self._expect("(")
        token = self._next("a field name")
        if token.kind != "word":
            raise FilterError(f"{function} needs a field name first, got {token.text!r}")
        name, kind = self._field(token)
        if kind == "time":
            raise FilterError(f"{function} works on text fields, not on {token.text}")
        self._expect(",")
        literal = self._literal()
        if literal.kind != "text":
            raise FilterError(f"{function} needs a quoted string as its second argument")
        self._expect(")")
        needle = literal.value.lower()
        test = {
            "startswith": str.startswith,
            "endswith": str.endswith,
            "contains": str.__contains__,
        }[function]

        def predicate(row: Row) -> bool:
            value = row.get(name)
            return isinstance(value, str) and test(value.lower(), needle)

        return predicate

    def _in(self, name: str, kind: str) -> Predicate:
        self._expect("(")
        options = [self._coerce(self._literal(), kind, name)]
        while self._next("',' or ')'").text == ",":
            options.append(self._coerce(self._literal(), kind, name))
        self.index -= 1
        self._expect(")")
        tests = [_comparison(name, kind, "eq", option) for option in options]
        return lambda row: any(test(row) for test in tests)

    def _literal(self) -> _Literal:
        token = self._next("a value")
        if token.kind == "string":
            return _Literal("text", token.text[1:-1].replace("''", "'"))
        if token.kind == "time":
            return _time_literal(token.text)
        if token.kind == "number":
            return _Literal("number", float(token.text))
        word = token.text.lower()
        if word == "null":
            return _Literal("null", None)
        if word in ("true", "false"):
            return _Literal("bool", word == "true")
        raise FilterError(f"expected a value at position {token.position}, got {token.text!r}")

    def _coerce(self, literal: _Literal, kind: str, field: str) -> _Literal:
        if literal.kind == "null":
            return literal
        if kind == "time":
            if literal.kind == "text":
                try:
                    return _time_literal(literal.value)
                except FilterError:
                    raise FilterError(f"{field} must be compared with a date or time") from None
            if literal.kind not in ("time", "date"):
                raise FilterError(f"{field} must be compared with a date or time")
            return literal
        if literal.kind != "text":
            raise FilterError(f"{field} must be compared with a quoted string")
        if kind == "status":
            # Only the word the job shows matches (any case): 'Completed' does not find a job
            # that says 'Succeeded'. A client that wants both names both.
            return _Literal("words", frozenset({literal.value.lower()}))
        return literal


def _canonical(field: str) -> str:
    """Rows carry the status under ``status``; ``State`` is the client's name for it."""
    return "status" if field == "state" else field


def _display_name(field: str) -> str:
    names = {
        "providerid": "ProviderId",
        "creationtime": "CreationTime",
        "beginexecutiontime": "BeginExecutionTime",
        "endexecutiontime": "EndExecutionTime",
        "jobtype": "JobType",
        "sessionid": "SessionId",
        "itemtype": "ItemType",
        "inputdataformat": "InputDataFormat",
        "outputdataformat": "OutputDataFormat",
        "jobfailurepolicy": "JobFailurePolicy",
    }
    return names.get(field, field.capitalize())


def _time_literal(text: str) -> _Literal:
    if len(text) == 10:
        try:
            day = datetime.strptime(text, "%Y-%m-%d").date()
        except ValueError:
            raise FilterError(f"{text!r} is not a valid date") from None
        return _Literal("date", day)
    try:
        return _Literal("time", parse_iso(text))
    except ValueError:
        raise FilterError(f"{text!r} is not a valid date or time") from None


def _comparison(name: str, kind: str, op: str, literal: _Literal) -> Predicate:
    if literal.kind == "null":
        if op not in ("eq", "ne"):
            raise FilterError(f"null can only be compared with eq or ne ({name})")
        want_null = op == "eq"
        return lambda row: (row.get(name) is None) == want_null
    if literal.kind == "words":
        if op not in ("eq", "ne"):
            raise FilterError(f"a status can only be compared with eq or ne ({name})")
        words, negate = literal.value, op == "ne"
        return lambda row: (str(row.get(name) or "").lower() in words) != negate
    if literal.kind == "date":
        day = literal.value

        def key(value: Any) -> Any:
            return datetime.fromtimestamp(value, tz=timezone.utc).date()

        target: Any = day
    elif kind == "time":
        target = literal.value

        def key(value: Any) -> Any:
            return value
    else:
        target = literal.value.lower()

        def key(value: Any) -> Any:
            return value.lower()

    compare = {
        "eq": lambda a, b: a == b,
        "ne": lambda a, b: a != b,
        "gt": lambda a, b: a > b,
        "ge": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b,
    }[op]

    def predicate(row: Row) -> bool:
        value = row.get(name)
        if value is None:
            return op == "ne"
        return compare(key(value), target)

    return predicate


def compile_filter(text: str | None, fields: Mapping[str, str]) -> Predicate:
    """A predicate over rows (lower-case field name -> value); FilterError if invalid."""
    if not text or not text.strip():
        return lambda row: True
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError(f"the filter is longer than {MAX_FILTER_LENGTH} characters")
    if " " not in text and re.search(r"%[0-9A-Fa-f]{2}", text):
        text = unquote(text)  # encoded twice by some clients
    return _Parser(text, fields).parse()


def compile_orderby(text: str | None, fields: Mapping[str, str]) -> list[tuple[str, bool]]:
    """``[(field, descending), ...]`` from ``"CreationTime desc, Name"``."""
    if not text or not text.strip():
        return []
    order: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2:
            raise FilterError(f"cannot order by {part.strip()!r}: use 'Field [asc|desc]'")
        name = words[0].lstrip("$").lower()
        if name not in fields:
            known = ", ".join(sorted({_display_name(f) for f in fields}))
            raise FilterError(f"cannot order by unknown field {words[0]!r}; fields: {known}")
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise FilterError(f"the order direction must be asc or desc, got {words[1]!r}")
        order.append((_canonical(name), direction == "desc"))
    return order


def sort_entries(
    entries: list[tuple[Row, Any]], order: Sequence[tuple[str, bool]]
) -> list[tuple[Row, Any]]:
    """Sort ``(row, item)`` pairs by each (field, descending), most significant first;
    missing values sort first."""
    for name, descending in reversed(order):
        entries.sort(key=lambda entry, n=name: _sortable(entry[0].get(n)), reverse=descending)
    return entries


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, str):
        return (1, value.lower())
    return (1, value)


@dataclass(frozen=True)
class Page:
    """How to cut a listing: items [skip, skip + top)."""

    skip: int
    top: int


def paging(params: Mapping[str, str]) -> Page:
    """``skip`` and ``top`` (``$skip``/``$top`` too) of a listing request; 400 if invalid."""
    skip = _integer(params, "skip", 0)
    top = _integer(params, "top", DEFAULT_PAGE_SIZE)
    if skip < 0:
        raise VendorError(400, f"skip must be 0 or more, got {skip}.", "InvalidQueryParameter")
    if not 1 <= top <= MAX_PAGE_SIZE:
        raise VendorError(
            400, f"top must be between 1 and {MAX_PAGE_SIZE}, got {top}.", "InvalidQueryParameter"
        )
    return Page(skip, top)


def query_value(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    return value if value is not None else params.get(f"${name}")


def _integer(params: Mapping[str, str], name: str, default: int) -> int:
    raw = query_value(params, name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise VendorError(
            400, f"{name} must be an integer, got {raw[:40]!r}.", "InvalidQueryParameter"
        ) from None


def paged(
    items: Sequence[Any],
    page: Page,
    url: str,
    params: Iterable[tuple[str, str]],
) -> tuple[list[Any], str | None]:
    """This page of ``items`` and the absolute nextLink (None on the last page).

    ``top`` is the page size: following nextLink walks through all matching items.
    """
    chunk = list(items[page.skip : page.skip + page.top])
    if page.skip + page.top >= len(items):
        return chunk, None
    kept = [(k, v) for k, v in params if k not in ("skip", "$skip", "top", "$top")]
    kept += [("skip", str(page.skip + page.top)), ("top", str(page.top))]
    return chunk, f"{url}?{urlencode(kept)}"


def filter_error(exc: FilterError, what: str = "filter") -> VendorError:
    return VendorError(400, f"Invalid {what}: {exc}", "InvalidFilter")
