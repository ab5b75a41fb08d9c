"""Read a YAML descriptor with bounded work, every hazard reported as a Problem.

PyYAML's safe loader alone keeps the last of two repeated keys without a word, raises a bare
ValueError (not a YAMLError) on ``2026-02-30``, decodes whatever bytes it is given, and lets a
kilobyte of aliases ("billion laughs") stand for 10^9 values that pydantic would then walk.
:func:`read_yaml` closes each of these, in this order, stopping at the first document-level one:

1. size: a file over :data:`MAX_DOCUMENT_BYTES` is refused before it is read;
2. encoding: bytes that are not UTF-8 (byte offset) or characters YAML forbids (line, column);
3. while composing (events from libyaml when installed, else PyYAML's pure-Python parser):
   nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_ALIASES` aliases, an alias inside
   its own anchor, or more than :data:`MAX_NODES` values counting each alias at the size of what
   it repeats. Work stops at the limit, so no input costs more than composing MAX_NODES values;
4. collected, all of them: keys repeated in one mapping (both lines), dates that are not
   calendar dates and other scalars their type cannot hold (field path and text as written).

Only then is the document constructed (PyYAML's safe constructor).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.resolver import Resolver

from planner.describe.errors import Problem, short

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
"""5 MB: the bundled portfolio with all 15 sites is 13 kB; large geometry belongs in a land file."""
MAX_NODES = 10_000
"""Values (scalars, lists, mappings) after alias expansion: the largest bundled file has 552."""
MAX_ALIASES = 100
"""Aliases (``*name``) per document: descriptors need none; a few dozen keep a file short."""
MAX_DEPTH = 32
"""Nesting levels: a MultiPolygon inside inline GeoJSON inside an inline site is 12."""

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"
_INT_DIGITS = 4000  # Python refuses to read ints of more than 4,300 digits (sys.get_int_max_str_digits)
# what YAML 1.1 allows in a stream (the inverse of PyYAML's Reader.NON_PRINTABLE, plus BOMs inside)
_FORBIDDEN = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

if yaml.__with_libyaml__:
    from yaml.cyaml import CParser as _Events
else:  # pragma: no cover - PyYAML built without libyaml: the same checks, slower

    class _Events(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _Refused(Exception):
    """A document-level hazard: composing stops at `mark`."""

    def __init__(self, mark: Any, value: str, reason: str) -> None:
        super().__init__(reason)
        self.mark, self.value, self.reason = mark, value, reason


def read_yaml(path: Path, problems: list[Problem]) -> Any:
    """The data of the YAML file at `path`, or None with the reasons appended to `problems`.

    Each problem names the file, where (a field path, ``line L, column C``, ``byte N`` or
    ``<file>``), the value as written and why it is refused (see the module docstring)."""
    file = str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        problems.append(Problem(file, "<file>", file, f"cannot read: {exc.strerror or exc}"))
        return None
    if len(raw) > MAX_DOCUMENT_BYTES:
        size = path.stat().st_size
        problems.append(
            Problem(
                file,
                "<file>",
                f"{size:,} bytes",
                f"larger than the {_mb(MAX_DOCUMENT_BYTES)} limit "
                "for a descriptor file (put large geometry in a land file)",
            )
        )
        return None
    text = _decode(raw, file, problems)
    return None if text is None else parse_yaml(text, file, problems)


def parse_yaml(text: str, file: str, problems: list[Problem]) -> Any:
    """The data of one YAML document given as text (`file` names it in problems), or None
    with the reasons appended to `problems`. The checks of steps 2-4 of the module docstring."""
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        where = _line_column(text, bad.start())
        problems.append(Problem(file, where, repr(bad.group()), "a control character YAML does not allow"))
        return None
    loader = _Loader(text, file)
    try:
        node = loader.get_single_node()
        if loader.problems:
            problems.extend(loader.problems)
            return None
        return None if node is None else loader.construct_document(node)
    except _Refused as exc:
        problems.append(Problem(file, _mark(exc.mark), exc.value, exc.reason))
    except yaml.YAMLError as exc:
        problems.append(_syntax_problem(file, exc))
    finally:
        loader.dispose()
    return None


# --------------------------------------------------------------------------- composing under limits


class _Guard(Composer):
    """PyYAML's composer, counting and checking each node as it is composed."""

    def _start(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.path: list[str | None] = []  # one step per level: None (root), '[i]', a key, '<key>'
        self.nodes = 0  # values so far, aliases counted at their anchor's size
        self.aliases = 0
        self.sizes: dict[str, int] = {}  # anchor -> values it stands for (set when complete)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        """A node, its depth and size counted (an alias at its anchor's size)."""
        self.path.append(_step(parent, index))
        try:
            event = self.peek_event()
            if len(self.path) > MAX_DEPTH:
                raise _Refused(event.start_mark, f"{len(self.path)} levels", f"nested deeper than {MAX_DEPTH} levels")
            if isinstance(event, AliasEvent):
                return self._alias(event, parent, index)
            before = self.nodes
            self._count(1, event.start_mark)
            node = super().compose_node(parent, index)
            if event.anchor is not None:
                self.sizes[event.anchor] = self.nodes - before
            return node
        finally:
            self.path.pop()

    def _alias(self, event: AliasEvent, parent: Node | None, index: Any) -> Node:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _Refused(event.start_mark, f"*{event.anchor}", f"more than {MAX_ALIASES} aliases in one document")
        node = super().compose_node(parent, index)  # the anchored node (or an undefined-alias error)
        size = self.sizes.get(event.anchor)
        if size is None:
            raise _Refused(
                event.start_mark, f"*{event.anchor}", "an alias inside its own anchor: a document without end"
            )
        self._count(size, event.start_mark)
        return node

    def _count(self, n: int, mark: Any) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            how = "with its aliases expanded, " if self.aliases else ""
            raise _Refused(
                mark,
                f"> {MAX_NODES:,} values",
                f"{how}the document holds more than {MAX_NODES:,} values (a descriptor holds a few "
                "hundred; put large geometry in a land file)",
            )

    def compose_mapping_node(self, anchor: str | None) -> MappingNode:
        """A mapping; each key given twice becomes a problem (merged `<<` keys may repeat)."""
        node = super().compose_mapping_node(anchor)
        first: dict[tuple[str, str], tuple[ScalarNode, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode) or key.tag == _MERGE:
                continue  # `<<: *base` merges: its keys may be overridden, that is the point
            if (key.tag, key.value) not in first:
                first[(key.tag, key.value)] = (key, value)
                continue
            key0, value0 = first[(key.tag, key.value)]
            lines = f"lines {key0.start_mark.line + 1} and {key.start_mark.line + 1}"
            self.problems.append(
                Problem(
                    self.file,
                    _join([*self.path, key.value]),
                    f"{_text(value0)} then {_text(value)}",
                    f"key given twice in one mapping, at {lines} (YAML would keep the last without a word): keep one",
                )
            )
        return node

    def compose_scalar_node(self, anchor: str | None) -> ScalarNode:
        """A scalar; one whose tag cannot hold it (2026-02-30, `!!int 12x`) becomes a problem."""
        written = self.peek_event().tag not in (None, "!")  # `!!float abc`, `!thing x`: may fail
        node = super().compose_scalar_node(anchor)
        if written or node.tag == _TIMESTAMP or (node.tag == _INT and len(node.value) > _INT_DIGITS):
            try:
                self.construct_object(node)  # memoised: construct_document reuses it
            except (ValueError, TypeError, AttributeError, OverflowError, yaml.YAMLError) as exc:
                reason = getattr(exc, "problem", None) or str(exc).split("\n")[0]
                what = "not a calendar date" if node.tag == _TIMESTAMP else f"not a valid {node.tag.rsplit(':', 1)[-1]}"
                self.problems.append(Problem(self.file, _join(self.path), short(node.value), f"{what}: {reason}"))
        return node


class _Loader(_Guard, _Events, SafeConstructor, Resolver):
    """Events from libyaml (or PyYAML's parser), the guarded composer, the safe constructor."""

    def __init__(self, text: str, file: str) -> None:
        _Events.__init__(self, text)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._start(file)


# --------------------------------------------------------------------------- messages


def _decode(raw: bytes, file: str, problems: list[Problem]) -> str | None:
    """`raw` as UTF-8 text (a leading byte-order mark dropped), or None with the first bad byte."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(
            Problem(
                file,
                f"byte {exc.start}",
                repr(raw[exc.start : exc.end]),
                f"not UTF-8 ({exc.reason}, line {line}): save the file as UTF-8",
            )
        )
        return None


def _syntax_problem(file: str, exc: yaml.YAMLError) -> Problem:
    """A parser or composer error: where it gave up and, when known, where the construct began."""
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and start:  # where the construct that is not closed began, e.g. an unclosed [
        reason += f" ({context} at {_mark(start)})"
    return Problem(file, _mark(mark) if mark else "<yaml>", "<yaml>", f"YAML syntax error: {reason}")


def _step(parent: Node | None, index: Any) -> str | None:
    if parent is None:
        return None
    if isinstance(index, int):
        return f"[{index}]"
    if index is None:
        return "<key>"
    return str(index.value) if isinstance(index, ScalarNode) else "<complex key>"


def _join(steps: list[str | None]) -> str:
    """Field path as the rest of the loader writes it: ``tenants[0].start_earliest``."""
    out = ""
    for s in steps:
        if s is None:
            continue
        out += s if s.startswith("[") or not out else f".{s}"
    return out or "<root>"


def _text(node: Node) -> str:
    """A value as written, for a message: the scalar's text (cut), or <mapping> / <sequence>."""
    if not isinstance(node, ScalarNode):
        return f"<{node.id}>"
    text = str(node.value)
    return repr(text) if not text else text if len(text) <= 30 else text[:27] + "..."


def _mark(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _line_column(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset)
    return f"line {line + 1}, column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


def read_mapping(path: Path, problems: list[Problem]) -> Any:
    """A YAML file's top-level mapping, or None with the reasons appended to `problems`."""
    before = len(problems)
    data = read_yaml(path, problems)
    if len(problems) > before:
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "<root>", short(data), "expected a mapping of keys"))
        return None
    return data
