"""IMAP response text for test_fetch_vs_dovecot.py: a reader (RFC 9051 §4) and a field-by-field
comparison of BODY/BODYSTRUCTURE and ENVELOPE along the grammar of RFC 9051 §9.

The same reader parses Harbor's response text (from imap_fetch_dump) and Dovecot's (from
imaplib), so a quoted string and a literal with the same bytes are equal; case is kept.
"""

import re


class ImapSyntaxError(Exception):
    pass


def read_value(text, pos):
    while pos < len(text) and text[pos:pos + 1] == b" ":
        pos += 1
    if pos >= len(text):
        raise ImapSyntaxError("value expected at end of %r" % text[-60:])
    first = text[pos:pos + 1]
    if first == b"(":
        items = []
        pos += 1
        while True:
            while text[pos:pos + 1] == b" ":
                pos += 1
            if text[pos:pos + 1] == b")":
                return items, pos + 1
            item, pos = read_value(text, pos)
            items.append(item)
    if first == b'"':
        out = bytearray()
        pos += 1
        while pos < len(text) and text[pos:pos + 1] != b'"':
            if text[pos:pos + 1] == b"\\":
                pos += 1
            out += text[pos:pos + 1]
            pos += 1
        return bytes(out), pos + 1
    if first in (b"{", b"~"):
        match = re.compile(rb"~?\{(\d+)\+?\}\r\n").match(text, pos)
        if not match:
            raise ImapSyntaxError("bad literal at %r" % text[pos:pos + 20])
        start = match.end()
        return text[start:start + int(match.group(1))], start + int(match.group(1))
    start = pos
    depth = 0
    while pos < len(text):
        c = text[pos:pos + 1]
        if c == b"[":
            depth += 1
        elif c == b"]":
            depth -= 1
        elif depth == 0 and c in (b" ", b"(", b")"):
            break
        pos += 1
    atom = text[start:pos].decode("latin-1")
    if atom.upper() == "NIL":
        return None, pos
    if not atom:
        raise ImapSyntaxError("empty atom at %r" % text[pos:pos + 20])
    return atom, pos


def parse_one(text):
    value, pos = read_value(text, 0)
    if text[pos:].strip():
        raise ImapSyntaxError("trailing text %r" % text[pos:pos + 40])
    return value


def fetch_items(data):
    """imaplib's FETCH data -> {uid: {ITEM-NAME: value}}: literals are given back as
    (line ending in {n}, bytes) pairs, and each response ends with a plain line."""
    stream = b""
    for item in data:
        if isinstance(item, tuple):
            stream += item[0] + b"\r\n" + item[1]
        elif item is not None:
            stream += item + b"\r\n"
    out = {}
    pos = 0
    while pos < len(stream):
        while stream[pos:pos + 2] == b"\r\n":
            pos += 2
        if pos >= len(stream):
            break
        _, pos = read_value(stream, pos)  # the message sequence number
        pairs, pos = read_value(stream, pos)
        items = {}
        for key, value in zip(pairs[0::2], pairs[1::2]):
            items[key.upper()] = value
        out.setdefault(items.get("UID"), {}).update(items)
    return out


# ---------------------------------------------------------------------------------------------
# Field-by-field comparison along RFC 9051 §9

ENVELOPE_FIELDS = ["date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc",
                   "in-reply-to", "message-id"]


def body_fields(body):
    """Names the elements of one body (RFC 9051 §9 body-type-mpart / -1part)."""
    if body and isinstance(body[0], list):
        count = 0
        while count < len(body) and isinstance(body[count], list):
            count += 1
        names = ["subtype", "params", "disposition", "language", "location"]
        return count, names
    media = [v.lower() if isinstance(v, bytes) else v for v in body[:2]]
    names = ["type", "subtype", "params", "id", "description", "encoding", "octets"]
    if media in ([b"message", b"rfc822"], [b"message", b"global"]):
        names += ["envelope", "body", "lines"]
    elif media[:1] == [b"text"]:
        names += ["lines"]
    return 0, names + ["md5", "disposition", "language", "location"]


def part_label(prefix, index):
    return str(index) if prefix == "" else "%s.%d" % (prefix, index)


def compare_envelope(ours, theirs, part, report):
    if not (isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs) == 10):
        report(part, "envelope", ours, theirs)
        return
    for name, a, b in zip(ENVELOPE_FIELDS, ours, theirs):
        if a != b:
            report(part, "envelope." + name, a, b)


def compare_body(ours, theirs, part, report):
    """Reports (part, field, ours, theirs) for each differing field below one body."""
    if not isinstance(ours, list) or not isinstance(theirs, list):
        report(part, "shape", ours, theirs)
        return
    count_ours, names = body_fields(ours)
    count_theirs, names_theirs = body_fields(theirs)
    if count_ours != count_theirs or names != names_theirs:
        report(part, "shape", summary(ours), summary(theirs))
        return
    for index in range(count_ours):
        compare_body(ours[index], theirs[index], part_label(part, index + 1), report)
    rest_ours, rest_theirs = ours[count_ours:], theirs[count_ours:]
    if len(rest_ours) != len(rest_theirs):
        report(part, "extension-count", len(rest_ours), len(rest_theirs))
    inner = part if part else "1"
    for name, a, b in zip(names, rest_ours, rest_theirs):
        if name == "envelope":
            compare_envelope(a, b, part, report)
        elif name == "body":
            # The parts of a message/rfc822 part carry its number (RFC 9051 §6.4.5); a
            # single-part inner message is its part 1.
            inner_part = part if (isinstance(a, list) and a and isinstance(a[0], list)) else \
                part_label(inner, 1)
            compare_body(a, b, inner_part, report)
        elif a != b:
            report(part, name, a, b)


def summary(body):
    """A body's media type and part count, for a shape difference."""
    if not isinstance(body, list):
        return body
    count, _ = body_fields(body)
    if count:
        return "multipart/%s with %d parts" % (printable(body[count]), count)
    return printable(body[:7])


def printable(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value
