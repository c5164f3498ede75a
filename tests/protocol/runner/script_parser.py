"""The protocol conversation scripts' grammar (STYLE.md §10.5, docs/testing.md): a script
file, its !include fragments and settings, parsed into Steps; harbor_script.py runs them.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

LISTENERS = ("smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s")
MAX_INCLUDE_DEPTH = 8

# One script line: optional connection number, an operator, the rest.
LINE_RE = re.compile(r"(?:(?P<conn>\d+)\s+)?(?P<op>C:|C>|S\*:|S:|S~|S\{|S\}|![A-Za-z]+|@[A-Za-z]+)"
                     r"(?P<rest>.*)")
# {name}: names start with a letter, so IMAP literals ({5}, {5+}) and regex counts pass through.
VARIABLE_RE = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)\}")
HEADER_RE = re.compile(r"#\s*(name|rfc)\s*:\s*(.*)")
RAW_ESCAPE_RE = re.compile(r"\\(x[0-9A-Fa-f]{2}|[rnt\\])")


class ScriptError(Exception):
    """The script itself is malformed (reported as a FAIL of that script, with file:line)."""


class Mismatch(Exception):
    """The server did not do what the script expects."""


# -- the parsed form ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One executable line. `where` is "file:line", with the include chain if any."""
    kind: str      # send, raw, glob, regex, many, block, starttls, closed, listener, timeout
    conn: int
    arg: object
    where: str
    text: str      # the line as written, for messages


@dataclass
class Script:
    path: str
    name: str
    rfc: str = ""
    steps: list = field(default_factory=list)


def split_template(text):
    """Split text on {name} placeholders: a list of literal strings and ('var', name) pairs."""
    parts, pos = [], 0
    for match in VARIABLE_RE.finditer(text):
        if match.start() > pos:
            parts.append(text[pos:match.start()])
        parts.append(("var", match.group(1)))
        pos = match.end()
    if pos < len(text):
        parts.append(text[pos:])
    return parts


def decode_raw(text, where):
    """C> escapes (\\r \\n \\t \\\\ \\xNN) to bytes; any other backslash is a script error so a
    typo cannot silently send different bytes than intended."""
    out, pos = bytearray(), 0
    while pos < len(text):
        if text[pos] != "\\":
            out += text[pos].encode("utf-8")
            pos += 1
            continue
        match = RAW_ESCAPE_RE.match(text, pos)
        if not match:
            raise ScriptError(f"{where}: bad escape in C> line at {text[pos:pos + 4]!r} "
                              "(allowed: \\r \\n \\t \\\\ \\xNN)")
        code = match.group(1)
        out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}.get(code) or \
            bytes([int(code[1:], 16)])
        pos = match.end()
    return bytes(out)


def raw_template(text, where):
    """A C> line as a template whose literal parts are already bytes."""
    return [part if isinstance(part, tuple) else decode_raw(part, where)
            for part in split_template(text)]


def operand(op, rest, where):
    """The text after an operator: nothing, or one space then the operand."""
    if rest == "":
        return ""
    if not rest.startswith(" "):
        raise ScriptError(f"{where}: expected a space after {op!r}")
    return rest[1:]


def parse_text(text, path, depth=0, chain=""):
    """Parse script text. `path` names it in messages and anchors !include (relative to the
    directory of the file that contains the !include)."""
    script = Script(path=str(path), name=Path(path).stem)
    block = None  # (conn, where, line, items) while inside S{ ... S}
    # Split on LF only: str.splitlines() would also split on \x0b, \x1c, U+2028 ... in C: lines.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        where = f"{path}:{number}{chain}"
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            header = HEADER_RE.fullmatch(stripped)
            if header and depth == 0:
                setattr(script, header.group(1), header.group(2).strip())
            continue
        match = LINE_RE.fullmatch(line.lstrip())  # indentation is allowed, e.g. in blocks
        if not match:
            raise ScriptError(f"{where}: cannot parse line: {line!r}")
        conn = int(match.group("conn") or 1)
        if conn < 1:
            raise ScriptError(f"{where}: connections are numbered from 1")
        op, rest = match.group("op"), match.group("rest")
        if block is not None:
            block = parse_block_line(block, op, rest, match.group("conn"), where, line, script)
            continue
        if op == "S{":
            if rest.strip():
                raise ScriptError(f"{where}: nothing may follow S{{")
            block = (conn, where, line, [])
            continue
        script.steps.extend(parse_step(op, rest, conn, where, line, path, depth))
    if block is not None:
        raise ScriptError(f"{block[1]}: S{{ block is not closed with S}}")
    return script


def parse_block_line(block, op, rest, conn_text, where, line, script):
    """Collect one line of an S{ ... S} block; on S} emit the block step."""
    conn, start_where, start_line, items = block
    if conn_text is not None:
        raise ScriptError(f"{where}: put the connection number on S{{, not inside the block")
    if op == "S}":
        if not items:
            raise ScriptError(f"{where}: empty S{{ ... S}} block")
        script.steps.append(Step("block", conn, items, start_where, start_line))
        return None
    if op not in ("S:", "S~"):
        raise ScriptError(f"{where}: only S: and S~ lines may appear inside S{{ ... S}}")
    kind = "glob" if op == "S:" else "regex"
    pattern = operand(op, rest, where)
    if kind == "regex":
        check_regex(pattern, where)
    items.append(Step(kind, conn, split_template(pattern), where, line))
    return block


def check_regex(pattern, where):
    """Fail at parse time on an invalid regex, not halfway through a conversation."""
    try:
        re.compile(VARIABLE_RE.sub("x", pattern))
    except re.error as error:
        raise ScriptError(f"{where}: invalid regex: {error}") from None


def parse_step(op, rest, conn, where, line, path, depth):
    """The step(s) for one line outside a block (a list, because !include expands)."""
    if op in ("C:", "C>"):
        text = operand(op, rest, where)
        if op == "C:":
            return [Step("send", conn, split_template(text), where, line)]
        return [Step("raw", conn, raw_template(text, where), where, line)]
    if op in ("S:", "S*:", "S~"):
        pattern = operand(op, rest, where)
        kind = {"S:": "glob", "S*:": "many", "S~": "regex"}[op]
        if kind == "regex":
            check_regex(pattern, where)
        return [Step(kind, conn, split_template(pattern), where, line)]
    if op == "S}":
        raise ScriptError(f"{where}: S}} without S{{")
    if op.startswith("!"):
        return parse_directive(op[1:], rest.strip(), conn, where, line, path, depth)
    return [parse_setting(op[1:], rest.strip(), where, line)]


def parse_directive(name, argument, conn, where, line, path, depth):
    """!starttls, !closed, !include; !sleep is refused on purpose (scripts wait on lines)."""
    if name in ("starttls", "closed"):
        if argument:
            raise ScriptError(f"{where}: !{name} takes no argument")
        return [Step(name, conn, None, where, line)]
    if name == "include":
        return include(argument, where, path, depth)
    if name == "sleep":
        raise ScriptError(f"{where}: !sleep is not allowed: wait for a server line instead")
    raise ScriptError(f"{where}: unknown directive !{name}")


def include(argument, where, path, depth):
    """Inline the steps of another file, relative to the including file's directory."""
    if not argument:
        raise ScriptError(f"{where}: !include needs a path")
    if depth >= MAX_INCLUDE_DEPTH:
        raise ScriptError(f"{where}: !include nested deeper than {MAX_INCLUDE_DEPTH}")
    target = Path(path).parent / argument
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as error:
        raise ScriptError(f"{where}: cannot include {argument}: {error.strerror}") from None
    return parse_text(text, target, depth + 1, f" (included from {where})").steps


def parse_setting(name, argument, where, line):
    """@listener NAME and @timeout SECONDS."""
    if name == "listener":
        if argument not in LISTENERS:
            raise ScriptError(f"{where}: unknown listener {argument!r} "
                              f"(one of {', '.join(LISTENERS)})")
        return Step("listener", 0, argument, where, line)
    if name == "timeout":
        try:
            seconds = float(argument)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds <= 600:
            raise ScriptError(f"{where}: @timeout needs seconds in (0, 600], got {argument!r}")
        return Step("timeout", 0, seconds, where, line)
    raise ScriptError(f"{where}: unsupported setting @{name}")


def parse_script(path):
    """Read and parse one script file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ScriptError(f"{path}: cannot read: {error.strerror}") from None
    return parse_text(text, path)


# -- connections ---------------------------------------------------------------------------
