"""Matching FETCH differences against KNOWN_FETCH_DIFFERENCES, for test_fetch_vs_dovecot.py.

A difference is (label, item, part, field, harbor value, dovecot value); an entry's "check"
names one of the predicates in CHECKS on (harbor value, dovecot value), and its "when" one of
the notes imap_fetch_dump prints for the part ("headerless": the one part of a multipart
without delimiters, see src/imap/fetch/section.cpp). See known_fetch_differences.py.
"""

import email.header
import fnmatch
import json
import re
import urllib.parse

from imap_fetch_response import printable
from known_fetch_differences import KNOWN_FETCH_DIFFERENCES

def _crlf_at_end(ours, theirs):
    return isinstance(ours, bytes) and isinstance(theirs, bytes) and theirs == ours + b"\r\n"


def _plus(n):
    return lambda ours, theirs: str(theirs).isdigit() and str(ours).isdigit() and \
        int(theirs) == int(ours) + n


def _case_only(ours, theirs):
    return json.dumps(printable(ours)).lower() == json.dumps(printable(theirs)).lower() and \
        ours != theirs


def _lower(value):
    if isinstance(value, bytes):
        return value.lower()
    if isinstance(value, list):
        return [_lower(v) for v in value]
    return value


def _params_key(value):
    """body-fld-param as sorted (lower-case name, value) pairs; a disposition as its type and
    those; anything else as it is."""
    if not isinstance(value, list) or not all(isinstance(v, (bytes, list, type(None)))
                                              for v in value):
        return value
    if len(value) == 2 and isinstance(value[0], bytes) and isinstance(value[1], (list, type(None))):
        return [value[0].lower(), _params_key(value[1])]
    if len(value) % 2 or not all(isinstance(v, bytes) for v in value):
        return value
    return sorted([n.lower(), v] for n, v in zip(value[0::2], value[1::2]))


def _flat(value):
    return json.dumps(printable(value), ensure_ascii=False)


def _leaves(value):
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _harbor_utf8_word_for_8bit(ours, theirs):
    """Harbor wrote an RFC 2047 utf-8 word where Dovecot passed 8-bit bytes, or an RFC 2231
    utf-8 value where Dovecot kept the value's own charset."""
    if not (isinstance(ours, list) and isinstance(theirs, list)) or ours == theirs:
        return False
    harbor = _flat(ours)
    dovecot_8bit = any(isinstance(leaf, bytes) and any(b >= 0x80 for b in leaf)
                       for leaf in _leaves(theirs))
    return ("=?utf-8?b?" in harbor and dovecot_8bit) or "utf-8''" in harbor


def _missing_placeholders(ours, theirs):
    """Dovecot's MISSING_DOMAIN / MISSING_MAILBOX where Harbor has "" or nothing."""
    text = _flat(theirs)
    if "MISSING_" not in text:
        return False
    return _flat(ours).replace('""', "X") == \
        text.replace('"MISSING_DOMAIN"', "X").replace('"MISSING_MAILBOX"', "X") or ours is None


def _same_after_wsp_collapse(ours, theirs):
    """A text field, or an address list leaf by leaf (a quoted display name), equal once runs
    of WSP are one space."""
    if isinstance(ours, list) and isinstance(theirs, list):
        pairs = list(zip(_leaves(ours), _leaves(theirs)))
        return ours != theirs and len(_leaves(ours)) == len(_leaves(theirs)) and all(
            a == b or _same_after_wsp_collapse(a, b) for a, b in pairs)
    return isinstance(ours, bytes) and isinstance(theirs, bytes) and \
        re.sub(rb"[ \t]+", b" ", ours) == re.sub(rb"[ \t]+", b" ", theirs).strip()


def _rfc2047_decoded(value):
    """A parameter value with its RFC 2047 encoded words decoded (Python's email.header)."""
    text = value.decode("ascii", "replace")
    parts = []
    for chunk, charset in email.header.decode_header(text):
        if isinstance(chunk, bytes):
            chunk = chunk.decode(charset or "ascii", "replace")
        parts.append(chunk)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _same_after_rfc2047_decode(ours, theirs):
    """Same parameters once each value's RFC 2047 words are decoded, and some were encoded."""
    if not (isinstance(ours, list) and isinstance(theirs, list)) or ours == theirs:
        return False
    mine, other = _leaves(ours), _leaves(theirs)
    return len(mine) == len(other) and b"=?" in b"".join(
        v for v in mine + other if isinstance(v, bytes)) and all(
        _rfc2047_decoded(a) == _rfc2047_decoded(b)
        if isinstance(a, bytes) and isinstance(b, bytes) else a == b
        for a, b in zip(mine, other))


def _same_after_percent_decode(ours, theirs):
    """An RFC 2231 extended value that Harbor %-encodes fully (RFC 2231 §7 attribute-char)
    and Dovecot partly: the same once decoded."""
    if not (isinstance(ours, list) and isinstance(theirs, list)) or ours == theirs or \
            len(ours) != len(theirs):
        return False
    return [urllib.parse.unquote_to_bytes(v) if isinstance(v, bytes) else v for v in ours] == \
        [urllib.parse.unquote_to_bytes(v) if isinstance(v, bytes) else v for v in theirs]


def _dovecot_default_charset_beside_extended(ours, theirs):
    """Dovecot adds charset=us-ascii to a text part whose charset is an RFC 2231 charset*."""
    return isinstance(ours, list) and b"charset*" in [_lower(v) for v in ours[0::2]] and \
        theirs == ours + [b"charset", b"us-ascii"]


def _lower_text(values):
    return [v.lower() if isinstance(v, str) else v for v in values]


def _dovecot_invalid_type_harbor_default(ours, theirs):
    """Dovecot's leaf with type and subtype "" where Harbor has the RFC 2045 §5.2 default
    text/plain; charset=us-ascii (the shape values as summary() prints them)."""
    return isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs) \
        and theirs[:3] == ["", "", None] and ours[:3] == ["text", "plain", ["charset", "us-ascii"]] \
        and _lower_text(ours[3:]) == _lower_text(theirs[3:])


def _dovecot_invalid_type(ours, theirs):
    """Dovecot's leaf with type and subtype "" where Harbor read a type from the field."""
    return isinstance(ours, list) and isinstance(theirs, list) and theirs[:2] == ["", ""] and \
        ours[:2] != ["", ""] and ours[3:] == theirs[3:]


def _dovecot_truncated_value(ours, theirs):
    """Same parameter names; each Dovecot value is a (shorter) prefix of Harbor's."""
    return isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs) \
        and ours != theirs and all(
            a == b or (isinstance(a, bytes) and isinstance(b, bytes) and a.startswith(b))
            for a, b in zip(ours, theirs))


def _harbor_extra_parameter(ours, theirs):
    """Harbor has one parameter more than Dovecot, the others equal and in order."""
    if not (isinstance(ours, list) and isinstance(theirs, list)) or len(ours) != len(theirs) + 2:
        return False
    pairs = list(zip(ours[0::2], ours[1::2]))
    return any([v for pair in pairs[:i] + pairs[i + 1:] for v in pair] == theirs
               for i in range(len(pairs)))


def _harbor_prefix(ours, theirs):
    return isinstance(ours, list) and isinstance(theirs, list) and len(ours) < len(theirs) and \
        theirs[:len(ours)] == ours


def _harbor_lines_subset(ours, theirs):
    """Harbor's header bytes are Dovecot's with some lines left out (lines that are not
    fields), and the final empty line as Dovecot has it or not at all."""
    if not isinstance(ours, bytes) or not isinstance(theirs, bytes):
        return False
    mine = ours.split(b"\r\n")
    theirs_lines = theirs.split(b"\r\n")
    position = 0
    for line in mine:
        while position < len(theirs_lines) and theirs_lines[position] != line:
            position += 1
        if position == len(theirs_lines):
            return False
        position += 1
    return len(mine) < len(theirs_lines)


CHECKS = {
    "params_same_set": lambda ours, theirs: ours != theirs and
        _flat(_params_key(ours)) == _flat(_params_key(theirs)),
    "harbor_utf8_for_8bit": _harbor_utf8_word_for_8bit,
    "missing_placeholders": _missing_placeholders,
    "same_after_wsp_collapse": _same_after_wsp_collapse,
    "harbor_prefix": _harbor_prefix,
    "harbor_lines_subset": _harbor_lines_subset,
    "harbor_1_more": lambda ours, theirs: _plus(1)(theirs, ours),
    "harbor_empty_multipart_dovecot_leaf": lambda ours, theirs: isinstance(ours, str) and
        ours.endswith(" with 1 parts") and isinstance(theirs, list),
    "dovecot_empty": lambda ours, theirs: theirs in (b"", None),
    "dovecot_empty_or_zero": lambda ours, theirs: theirs in (b"", None, "0"),
    "dovecot_nil": lambda ours, theirs: theirs is None and ours is not None,
    "dovecot_bom_more": lambda ours, theirs: isinstance(ours, bytes) and
        theirs == b"\xef\xbb\xbf" + ours,
    "same_after_rfc2047_decode": _same_after_rfc2047_decode,
    "same_after_percent_decode": _same_after_percent_decode,
    "dovecot_default_charset_beside_extended": _dovecot_default_charset_beside_extended,
    "dovecot_invalid_type_harbor_default": _dovecot_invalid_type_harbor_default,
    "dovecot_invalid_type": _dovecot_invalid_type,
    "dovecot_truncated_value": _dovecot_truncated_value,
    "harbor_extra_parameter": _harbor_extra_parameter,
    "dovecot_crlf_more": _crlf_at_end,
    "dovecot_2_more": _plus(2),
    "dovecot_1_more": _plus(1),
    "case_only": _case_only,
}


def part_number(part):
    """The part number of a difference's part or section ("2.1.MIME" -> "2.1")."""
    numbers = []
    for piece in part.split("."):
        if not piece.isdigit():
            break
        numbers.append(piece)
    return ".".join(numbers)


def match_known(difference, notes):
    """The index of the first entry that lists `difference`, or None. `notes` maps a part
    number to imap_fetch_dump's notes on it (see the module docstring)."""
    label, item, part, field, ours, theirs = difference
    for index, entry in enumerate(KNOWN_FETCH_DIFFERENCES):
        if "when" in entry and entry["when"] not in notes.get(part_number(part), []):
            continue
        files = entry["file"] if isinstance(entry["file"], list) else [entry["file"]]
        items = entry["items"] if isinstance(entry["items"], list) else [entry["items"]]
        if (any(fnmatch.fnmatchcase(label, pattern) for pattern in files) and
                any(fnmatch.fnmatchcase(item, pattern) for pattern in items) and
                fnmatch.fnmatchcase(part, entry.get("part", "*")) and
                fnmatch.fnmatchcase(field, entry.get("field", "*")) and
                (not entry.get("check") or CHECKS[entry["check"]](ours, theirs))):
            return index
    return None
