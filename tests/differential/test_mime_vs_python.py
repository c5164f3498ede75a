#!/usr/bin/python3
"""Differential test: Harbor's MIME parser (through mime_dump) against Python's email package.

Harbor issue 3 ("Proof"). Every message file of ../shared/testdata/mime and a few hundred
generated messages are parsed by both; part by part we compare the tree shape, content type,
parameters, disposition, transfer encoding, header field names, decoded Subject/From/To/Cc,
the transfer-decoded bytes of every leaf (SHA-256) and the text of text/* leaves.

Python side: email.message_from_bytes(data, policy=email.policy.default). The parser
(feedparser) builds the same tree under every policy; policy.default is used because its header
objects match what Harbor promises (rfc2231.hpp, rfc2047.hpp, address_list.hpp): parameters
with RFC 2231 decoded and first-occurrence-wins, encoded-words inside quoted parameter values
decoded, structured address objects (display name, addr-spec, group). compat32 gives raw
strings (no RFC 2047 decoding of parameters, duplicates kept, no address parsing), which would
only add differences that say nothing about either parser.

Normalisations, applied before comparing (the summary counts the ascii-8bit and
unknown-charset ones):
  text-line-ends   text bodies: CRLF and lone CR become LF, trailing SP/HTAB removed per line,
                   trailing empty lines removed; the SHA-256 of a text leaf's decoded bytes is
                   taken with CRLF made LF (body_sha256_lf). Both keep the line ends of the
                   input; the corpora mix CRLF and LF, RFC 5322 §2.3 makes them the same line
                   break (RFC 2046 §4.1.1: CRLF is text's line break), and Harbor's quoted-printable decoder writes CRLF for each hard line break
                   (RFC 2045 §6.7 rule 5: it stands for the canonical CRLF) where Python keeps
                   the input's LF.
  header-space     decoded Subject and display names: runs of whitespace become one space and
                   the ends are stripped. RFC 5322 §2.2.3 unfolding keeps the WSP, policy.default
                   collapses it; both are the same unstructured text to a reader.
  quoted-local     addr-spec: a quoted local part whose content is a dot-atom is compared
                   unquoted (RFC 5322 §3.4.1: "a@b" and "\"a\"@b" are the same address);
                   Harbor keeps the quotes as written, Python re-quotes only when needed.
  raw-utf8-headers 8-bit bytes in Python's header strings (surrogate escapes) are read as UTF-8
                   (RFC 6532 §3.2), as Harbor does.
  ascii-8bit       a text part labelled (or defaulting to) US-ASCII with 8-bit bytes: the
                   reference text is the bytes as UTF-8 if valid, else windows-1252, which is
                   body.hpp's documented reader rule; Python's ascii codec would give U+FFFD.
  unknown-charset  a charset Python has no codec for: the reference text is the bytes as UTF-8
                   (RFC 2049 §2 item 6; body.hpp does the same for a charset ICU lacks).

Every remaining difference must match an entry of KNOWN_DIFFERENCES (file pattern, part path
pattern, field, reason with the RFC). The test fails on any unlisted difference, and on any
listed entry that no longer matches a difference (so the table stays true).

Usage: test_mime_vs_python.py --dump PATH/TO/mime_dump --testdata PATH/TO/shared/testdata
"""

import argparse
import email
import email.policy
import fnmatch
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mime_generator  # noqa: E402  (beside this file)
from known_differences import KNOWN_DIFFERENCES  # noqa: E402

ARGS = None

# The message files of the corpora (testdata/README.md "mime/"): everything else there is
# expected-result JSON, HTML, keys or mbox files. Paths are relative to testdata/mime.
MESSAGE_GLOBS = [
    "stalwart-mail-parser/resources/eml/*/*.eml",
    "python-email-tests/data/msg_*.txt",
    "crymap/src/test_data/*.eml",
    "wildduck-imap-core-tests/imap-core/test/fixtures/*.eml",
    "mimekit-testdata/UnitTests/TestData/messages/*",
    "mimekit-testdata/UnitTests/TestData/partial/*.eml",
    "mimekit-testdata/UnitTests/TestData/dkim/*.msg",
    "gmime-tests/tests/data/partial/input/photo-discuss/*.eml",
    "gmime-tests/tests/data/pgp/*-message.txt",
]
# The Dovecot vectors carry their messages inside JSON; they are written out as files.
JSON_MESSAGE_FILES = [
    "dovecot-core-tests/imap-bodystructure-vectors.json",
    "dovecot-core-tests/imap-envelope-vectors.json",
]
MIN_CORPUS_FILES = 240  # guards against a moved or empty corpus

KNOWN_CTE = {"7bit", "8bit", "binary", "quoted-printable", "base64"}
ASCII_LABELS = {"us-ascii", "ascii", "ansi_x3.4-1968"}


# ---------------------------------------------------------------------------------------------
# Normalisations (see the module docstring)

def norm_text(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip(" \t") for line in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def norm_space(text):
    return re.sub(r"\s+", " ", unescape_8bit(text)).strip()


def unescape_8bit(text):
    """Normalisation raw-utf8-headers: Python's bytes parser keeps 8-bit header bytes as
    surrogate escapes (email.message_from_bytes docs); RFC 6532 §3.2 makes them UTF-8."""
    if any("\udc80" <= c <= "\udcff" for c in text):
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


def norm_addr(addr):
    if addr.startswith('"'):
        at = addr.rfind("@")
        local, rest = (addr[:at], addr[at:]) if at > 0 else (addr, "")
        if len(local) >= 2 and local.endswith('"') and DOT_ATOM.match(local[1:-1]):
            return local[1:-1] + rest
    return addr


# ---------------------------------------------------------------------------------------------
# Python's view, in the same shape as mime_dump's

def python_cte(part):
    value = safe(lambda: part.get("content-transfer-encoding"))
    if value is None:
        return "7bit"
    # get_payload(decode=True) compares the whole lower-cased value with the mechanism names;
    # anything else it leaves undecoded, which is what "unknown" means on Harbor's side.
    token = str(value).strip().lower()
    return token if token in KNOWN_CTE else "unknown"


def python_params(header):
    if header is None or not hasattr(header, "params"):
        return []
    return [[unescape_8bit(name.lower()), unescape_8bit(str(value))]
            for name, value in header.params.items()]


def python_addresses(header):
    out = []
    for group in header.groups:
        for address in group.addresses:
            out.append({"name": norm_space(address.display_name or ""),
                        "addr": norm_addr(unescape_8bit(address.addr_spec if address.domain
                                                        else address.username)),
                        "group": norm_space(group.display_name or "")})
    return out


def python_text(payload, charset):
    """The text of a text/* leaf as Harbor's body.hpp defines it, using Python's codecs."""
    label = (charset or "us-ascii").lower()
    if label in ASCII_LABELS and any(b >= 0x80 for b in payload):
        # Normalisation ascii-8bit: body.hpp reads 8-bit text labelled US-ASCII as UTF-8 if
        # valid, else as windows-1252 (what readers do; RFC 6532 §3.1). Python would give one
        # U+FFFD per byte, which says nothing about the parser.
        try:
            return payload.decode("utf-8"), "ascii-8bit"
        except UnicodeDecodeError:
            return payload.decode("windows-1252", "replace"), "ascii-8bit"
    try:
        return payload.decode(label, "replace"), None
    except LookupError:
        # RFC 2049 §2 item 6: unknown charset; Harbor shows the bytes as UTF-8.
        return payload.decode("utf-8", "replace"), "unknown-charset"


def safe(function, *args):
    """policy.default's header parser raises on some malformed fields (CPython bugs such as
    "'Group' object has no attribute 'local_part'"); that is recorded as a value."""
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001  (any exception is a result here)
        return "PYTHON-ERROR " + type(error).__name__


def python_part(part, counters):
    out = {
        "type": part.get_content_maintype(),
        "subtype": part.get_content_subtype(),
        "params": safe(lambda: python_params(part.get("content-type"))),
        "disposition": safe(lambda: part.get_content_disposition() or ""),
        "disposition_params": safe(lambda: python_params(part.get("content-disposition"))),
        "cte": python_cte(part),
        "names": [unescape_8bit(name) for name in part.keys()],
    }
    if "subject" in part:
        out["subject"] = safe(lambda: norm_space(str(part["subject"])))
    for name in ("from", "to", "cc"):
        if name in part:
            out[name] = safe(lambda: python_addresses(part[name]))
    children = part.get_payload() if part.is_multipart() else []
    out["children"] = [python_part(child, counters) for child in children]
    if not part.is_multipart():
        payload = part.get_payload(decode=True) or b""
        if out["type"] != "text":
            out["body_sha256"] = hashlib.sha256(payload).hexdigest()
        else:
            out["body_sha256_lf"] = hashlib.sha256(payload.replace(b"\r\n", b"\n")).hexdigest()
            text, normalised = python_text(payload, part.get_param("charset"))
            out["text"] = norm_text(text)
            if normalised:
                counters["normalised:" + normalised] += 1
    return out


def harbor_part(part):
    headers = part["headers"]
    out = {
        "type": part["type"],
        "subtype": part["subtype"],
        "params": part["params"],
        "disposition": part["disposition"],
        "disposition_params": part["disposition_params"],
        "cte": part["cte"],
        "names": headers["names"],
    }
    if "subject" in headers:
        out["subject"] = norm_space(headers["subject"])
    for name in ("from", "to", "cc"):
        if name in headers:
            out[name] = [{"name": norm_space(a["name"]), "addr": norm_addr(a["addr"]),
                          "group": norm_space(a["group"])} for a in headers[name]]
    out["children"] = [harbor_part(child) for child in part["children"]]
    out["flags"] = part["flags"]
    if "text" in part:
        out["body_sha256_lf"] = part["body_sha256_lf"]
        out["text"] = norm_text(part["text"])
    elif "body_sha256" in part:
        out["body_sha256"] = part["body_sha256"]
    return out


# ---------------------------------------------------------------------------------------------
# Comparison

FIELDS = ["type", "params", "disposition", "disposition_params", "cte", "names", "subject",
          "from", "to", "cc", "body_sha256", "body_sha256_lf", "text"]
BODY_FIELDS = {"body_sha256", "body_sha256_lf", "text"}


class Comparison:
    def __init__(self):
        self.files = 0
        self.parts = 0
        self.fields = 0
        self.differences = []  # (file, path, Harbor's content type, field, harbor, python)
        self.counters = Counter()

    def compare_file(self, label, harbor, python):
        self.files += 1
        self.compare_part(label, "0", harbor, python, [])

    def compare_part(self, label, path, harbor, python, parent_flags):
        self.parts += 1
        # What the table can key on: Harbor's content type, CTE and flags of the part and of
        # its parent (e.g. "parent:missing_close_delimiter").
        content_type = (harbor["type"] + "/" + harbor["subtype"],
                        harbor["flags"] + ["cte:" + harbor["cte"]] +
                        ["parent:" + flag for flag in parent_flags])
        shape_ours, shape_theirs = shape(harbor), shape(python)
        self.fields += 1
        if shape_ours != shape_theirs:
            # One side has a leaf (or another number of children) where the other has not:
            # one "shape" difference; bodies and children are not comparable below it.
            self.differences.append((label, path, content_type, "shape", shape_ours,
                                     shape_theirs))
        for field in FIELDS:
            if field not in harbor and field not in python:
                continue
            if field in BODY_FIELDS and shape_ours != shape_theirs:
                continue
            self.fields += 1
            if field == "type":
                ours = harbor["type"] + "/" + harbor["subtype"]
                theirs = python["type"] + "/" + python["subtype"]
            else:
                ours, theirs = harbor.get(field), python.get(field)
            if ours != theirs:
                self.differences.append((label, path, content_type, field, ours, theirs))
        if shape_ours == shape_theirs:
            children = list(zip(harbor["children"], python["children"]))
            for index, (child_ours, child_theirs) in enumerate(children):
                flags = list(harbor["flags"])
                # The part that runs to the end of an unclosed multipart is the last child, and
                # so is each last descendant inside it (an encapsulated message, say).
                inherited = ("missing_close_delimiter" in parent_flags and
                             "missing_close_delimiter" not in flags)
                if inherited:
                    flags.append("missing_close_delimiter")
                if index != len(children) - 1:
                    flags = [flag for flag in flags if flag != "missing_close_delimiter"]
                self.compare_part(label, path + "." + str(index), child_ours, child_theirs,
                                  flags)


def shape(part):
    if "body_sha256" in part or "body_sha256_lf" in part:
        return "leaf"
    return "%d children" % len(part["children"])


def run_dump(paths):
    result = subprocess.run([ARGS.dump] + list(paths), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        raise AssertionError("mime_dump failed (%d): %s" % (result.returncode,
                                                            result.stderr.decode(errors="replace")))
    return {entry["file"]: entry for entry in json.loads(result.stdout)}


def corpus_files(mime_root):
    files = []
    for pattern in MESSAGE_GLOBS:
        files.extend(p for p in glob.glob(os.path.join(mime_root, pattern)) if os.path.isfile(p))
    return sorted(set(files))


def json_messages(mime_root, out_dir):
    files = []
    for relative in JSON_MESSAGE_FILES:
        with open(os.path.join(mime_root, relative), encoding="utf-8") as handle:
            vectors = json.load(handle)
        stem = os.path.basename(relative).replace(".json", "")
        for index, vector in enumerate(vectors):
            path = os.path.join(out_dir, "%s-%02d.eml" % (stem, index))
            with open(path, "wb") as handle:
                handle.write(vector["message"].encode("utf-8", "surrogateescape"))
            files.append(path)
    return files


def compare_files(files, label_of, comparison):
    dumps = run_dump(files)
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        theirs = python_part(email.message_from_bytes(data, policy=email.policy.default),
                             comparison.counters)
        ours = harbor_part(dumps[path]["message"])
        comparison.compare_file(label_of(path), ours, theirs)


def _names_from_comment(ours, theirs):
    if not isinstance(ours, list) or not isinstance(theirs, list) or len(ours) != len(theirs):
        return False
    changed = False
    for a, b in zip(ours, theirs):
        if a["addr"] != b["addr"] or a["group"] != b["group"]:
            return False
        if a["name"] != b["name"]:
            if b["name"] != "" or a["name"] == "":
                return False
            changed = True
    return changed


def _flat(value):
    return json.dumps(value, ensure_ascii=False)


# Predicates a KNOWN_DIFFERENCES entry can require of (harbor value, python value).
CHECKS = {
    "harbor_replacement_char":
        lambda ours, theirs: "\ufffd" in _flat(ours) and "\ufffd" not in _flat(theirs),
    "harbor_leaf": lambda ours, theirs: ours == "leaf",
    "harbor_empty_multipart": lambda ours, theirs: ours == "0 children",
    "harbor_name_from_comment": _names_from_comment,
    "same_without_spaces":
        lambda ours, theirs: re.sub(r"\s", "", _flat(ours)) == re.sub(r"\s", "", _flat(theirs)),
    "python_error": lambda ours, theirs: str(theirs).startswith("PYTHON-ERROR"),
}


def match_known(difference):
    label, path, (content_type, flags), field = difference[:4]
    for index, entry in enumerate(KNOWN_DIFFERENCES):
        files = entry["file"] if isinstance(entry["file"], list) else [entry["file"]]
        if (any(fnmatch.fnmatchcase(label, pattern) for pattern in files) and
                fnmatch.fnmatchcase(path, entry.get("part", "*")) and
                fnmatch.fnmatchcase(content_type, entry.get("type", "*")) and
                (not entry.get("when") or entry["when"] in flags) and
                field in entry["fields"] and
                (not entry.get("check") or CHECKS[entry["check"]](*difference[4:]))):
            return index
    return None


def narrow(ours, theirs):
    """For two lists of the same length, only the elements that differ (shorter output)."""
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        pairs = [(a, b) for a, b in zip(ours, theirs) if a != b]
        return [a for a, _ in pairs], [b for _, b in pairs]
    if isinstance(ours, str) and isinstance(theirs, str) and len(ours) > 200:
        start = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b),
                     min(len(ours), len(theirs)))
        start = max(0, start - 40)
        return "..." + ours[start:], "..." + theirs[start:]
    return ours, theirs


def short(value, limit=300):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


class MimeVsPython(unittest.TestCase):
    def test_corpora_and_generated_messages(self):
        mime_root = os.path.join(ARGS.testdata, "mime")
        comparison = Comparison()
        files = corpus_files(mime_root)
        self.assertGreaterEqual(len(files), MIN_CORPUS_FILES, "corpus missing or moved")
        compare_files(files, lambda p: os.path.relpath(p, mime_root), comparison)
        with tempfile.TemporaryDirectory() as tmp:
            extracted = json_messages(mime_root, tmp)
            compare_files(extracted, lambda p: "dovecot-core-tests/" + os.path.basename(p),
                          comparison)
            generated = mime_generator.write_messages(tmp, count=mime_generator.DEFAULT_COUNT)
            compare_files(generated, lambda p: "generated/" + os.path.basename(p), comparison)

        unexplained = []
        used = Counter()
        by_category = Counter()
        for difference in comparison.differences:
            index = match_known(difference)
            if index is None:
                unexplained.append(difference)
                by_category["UNLISTED " + difference[3]] += 1
            else:
                used[index] += 1
                by_category[KNOWN_DIFFERENCES[index]["category"] + " " + difference[3]] += 1
        stale = [entry for index, entry in enumerate(KNOWN_DIFFERENCES) if used[index] == 0]

        print("\nmime_vs_python: %d files, %d parts, %d fields compared, %d differences "
              "(%d listed, %d unlisted); %d table entries, %d stale"
              % (comparison.files, comparison.parts, comparison.fields,
                 len(comparison.differences), len(comparison.differences) - len(unexplained),
                 len(unexplained), len(KNOWN_DIFFERENCES), len(stale)))
        for category, count in sorted(by_category.items()):
            print("  %-60s %d" % (category, count))
        for name, count in sorted(comparison.counters.items()):
            print("  %-60s %d" % (name, count))
        for label, path, (content_type, flags), field, ours, theirs in unexplained:
            ours, theirs = narrow(ours, theirs)
            print("UNLISTED %s part %s (%s %s) field %s\n  harbor: %s\n  python: %s"
                  % (label, path, content_type, " ".join(flags), field, short(ours),
                     short(theirs)))
        for entry in stale:
            print("STALE table entry (no longer differs): %s" % entry)
        self.assertEqual(unexplained, [], "differences not in KNOWN_DIFFERENCES")
        self.assertEqual(stale, [], "KNOWN_DIFFERENCES entries that no longer occur")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--dump", required=True)
    parser.add_argument("--testdata", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
