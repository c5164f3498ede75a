#!/usr/bin/python3
"""Differential test: Harbor's SEARCH (src/imap/server/session_search.cpp over src/imap/search)
against Dovecot's, over the MIME corpora.

A private Dovecot is started exactly as test_fetch_vs_dovecot.py does (its PrivateDovecot, on
127.0.0.1 at a free port) and a real `harbor serve --demo` with tests/interop/harbor_harness.py.
Every corpus message (test_fetch_vs_dovecot.corpus_messages, converted to CRLF as there) is
APPENDed to Dovecot with a fixed INTERNALDATE; the bytes Dovecot stored (BODY[]) are APPENDed to
a fresh Harbor mailbox with the same INTERNALDATE, in the same order, so message sequence numbers
agree on both sides. A few STOREs set flags and a keyword on both. Then each program of PROGRAMS
is sent as "SEARCH CHARSET UTF-8 ..." (non-ASCII strings as LITERAL+ literals, RFC 7888) to both,
and the two sets of message numbers are compared message by message.

Every difference must match an entry of KNOWN_SEARCH_DIFFERENCES below, each with its RFC
reason; the test fails on an unlisted difference and on an entry that matches nothing.

Usage: test_search_vs_dovecot.py --harbor PATH/TO/harbor --testdata PATH/TO/shared/testdata
"""

import argparse
import email
import email.policy
import email.utils
import fnmatch
import imaplib
import os
import shutil
import sys
import tempfile
import time
import unittest
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
from test_fetch_vs_dovecot import (MIN_MESSAGES, PASSWORD, USER, PrivateDovecot,  # noqa: E402
                                   corpus_messages, to_crlf)
import harbor_harness  # noqa: E402

ARGS = None
MAILBOX = "Differential"
BASE_DATE = 1577872800  # 2020-01-01 10:00:00 UTC; message i arrives i days later


class Lit(bytes):
    """A search string sent as a literal (non-ASCII text)."""


# (name, program). A program is a list of pieces: str is sent as written, Lit as a literal.
PROGRAMS = [
    ("from-ascii", ["FROM", '"example"']),
    ("from-name", ["FROM", '"john"']),
    ("from-nonascii", ["FROM", Lit("佐藤".encode())]),
    ("to-ascii", ["TO", '"example.com"']),
    ("cc-ascii", ["CC", '"example"']),
    ("subject-ascii", ["SUBJECT", '"test"']),
    ("subject-re", ["SUBJECT", '"re:"']),
    ("subject-nonascii", ["SUBJECT", Lit("FRÖSCHE".encode())]),  # case-folded (RFC 9051 §6.4.4)
    ("subject-encoded", ["SUBJECT", Lit("日本語".encode())]),
    ("header-message-id", ["HEADER", "Message-ID", '"@"']),
    ("header-content-type", ["HEADER", "Content-Type", '"multipart"']),
    ("header-present", ["HEADER", "X-Mailer", '""']),
    ("body-ascii", ["BODY", '"the"']),
    ("body-word", ["BODY", '"attachment"']),
    ("body-nonascii", ["BODY", Lit("ä".encode())]),
    ("text-ascii", ["TEXT", '"boundary"']),
    ("text-nonascii", ["TEXT", Lit("ß".encode())]),
    ("larger", ["LARGER", "4000"]),
    ("smaller", ["SMALLER", "1000"]),
    ("size-window", ["LARGER", "1000", "SMALLER", "4000"]),
    ("sentbefore", ["SENTBEFORE", "1-Jan-2005"]),
    ("senton", ["SENTON", "17-May-2000"]),
    ("sentsince", ["SENTSINCE", "1-Jan-2010"]),
    ("before", ["BEFORE", "1-Mar-2020"]),
    ("on", ["ON", "10-Jan-2020"]),
    ("since", ["SINCE", "1-Jun-2020"]),
    ("or-nested", ["OR", "SUBJECT", '"test"', "(FROM", '"example"', "LARGER", "2000)"]),
    ("not-or", ["NOT", "(OR", "SEEN", "FLAGGED)"]),
    ("not-body", ["NOT", "BODY", '"the"', "SMALLER", "3000"]),
    ("flags", ["FLAGGED", "UNSEEN"]),
    ("seen-or-keyword", ["OR", "SEEN", "KEYWORD", "$Label"]),
    ("unkeyword-deleted", ["UNKEYWORD", "$Label", "UNDELETED", "ANSWERED"]),
    ("seq-and-header", ["1:100", "HEADER", "Subject", '""']),
]

# Deliberate differences. An entry lists a difference when `program` and `file` (globs on the
# program name and the message label) match and `side` is "harbor" (only Harbor matched) or
# "dovecot" (only Dovecot matched). Each must match at least one difference.
# `when` (optional) names a predicate of WHEN on the message bytes that must also hold.
ENCAPSULATED = ["stalwart-mail-parser/resources/eml/thirdparty/007.eml",
                "stalwart-mail-parser/resources/eml/thirdparty/015.eml",
                "dovecot-core-tests/imap-bodystructure-vectors.json#06",
                "mimekit-testdata/UnitTests/TestData/mbox/content-length.mbox.txt#00[2]",
                "mimekit-testdata/UnitTests/TestData/mbox/content-length.mbox.txt#01[56]"]
PARTIAL = ["mimekit-testdata/UnitTests/TestData/partial/*",
           "gmime-tests/tests/data/partial/input/*"]
KNOWN_SEARCH_DIFFERENCES = [
    {
        "category": "sent date without a usable Date field",
        "program": "sent*", "file": "*", "side": "harbor", "when": "no_usable_date",
        "reason": "RFC 9051 §6.4.4 defines SENTBEFORE/SENTON/SENTSINCE by the Date field and "
                  "says nothing of a message without one (or with an unparsable one). Harbor "
                  "takes the internal date, as RFC 5256 §2.2 does for the sent date, so SENT* "
                  "and SORT (DATE) agree; Dovecot takes 1970-01-01 (before any date).",
    },
    {
        "category": "sent date without a usable Date field",
        "program": "sent*", "file": "*", "side": "dovecot", "when": "no_usable_date",
        "reason": "The same as above, seen from SENTBEFORE: Dovecot's 1970 is before the date.",
    },
    {
        "category": "headers of encapsulated messages are body text",
        "program": "*body*", "file": ENCAPSULATED, "side": "harbor",
        "reason": "BODY searches \"the body of the message\" (RFC 9051 §6.4.4), which is "
                  "everything after the header (RFC 5322 §2.1); the header of a message/rfc822 "
                  "part (or a multipart/digest part, RFC 2046 §5.1.5) is in it (RFC 2046 "
                  "§5.2.1). Dovecot searches only the text of such a part, not its header.",
    },
    {
        "category": "headers of encapsulated messages are body text",
        "program": "not-body", "file": ENCAPSULATED, "side": "dovecot",
        "reason": "NOT BODY of the entry above.",
    },
    {
        "category": "message/partial is not text",
        "program": ["body-*", "text-ascii"], "file": PARTIAL, "side": "dovecot",
        "reason": "A message/partial body is a fragment of another message (RFC 2046 "
                  "§5.2.2), neither text nor a message whose parts could be decoded; Harbor "
                  "searches text/* parts and encapsulated messages only. Dovecot searches the "
                  "fragment's raw octets as text.",
    },
    {
        "category": "message/partial is not text",
        "program": "not-body", "file": PARTIAL, "side": "harbor",
        "reason": "NOT BODY of the entry above.",
    },
    {
        "category": "leading UTF-8 byte order mark",
        "program": ["from-ascii", "not-body"],
        "file": "mimekit-testdata/UnitTests/TestData/messages/feedback-report.txt",
        "side": "harbor",
        "reason": "The file starts with a UTF-8 BOM before \"From:\". RFC 5322 has no BOM; "
                  "Harbor's parser skips one (mime/message.hpp leading_bom), so the header, "
                  "the From field and the MIME structure are read. Dovecot takes the first "
                  "line for a field named \"\\uFEFFFrom\", so it sees no From field, and "
                  "without its MIME headers it searches the whole body as one text part.",
    },
    {
        "category": "leading UTF-8 byte order mark",
        "program": "body-ascii",
        "file": "mimekit-testdata/UnitTests/TestData/messages/feedback-report.txt",
        "side": "dovecot",
        "reason": "As above: the word is in the machine-readable message/feedback-report part "
                  "(RFC 5965 §3), which Harbor does not take for text; Dovecot, seeing no MIME "
                  "structure, searches it.",
    },
    {
        "category": "undeclared 8-bit text",
        "program": ["body-nonascii", "text-nonascii"],
        "file": "stalwart-mail-parser/resources/eml/legacy/052.eml",
        "side": "harbor",
        "reason": "The message has no MIME headers and a Latin-1 body. RFC 2045 §5.2 makes "
                  "it US-ASCII, where these octets mean nothing, so no rule applies. Harbor's "
                  "decoder reads 8-bit text that is not UTF-8 as a legacy single-byte charset, "
                  "so a search for \"ä\" finds \"ä\". Dovecot does not convert it.",
    },
]


def no_usable_date(data):
    """No Date field, or one Python's RFC 5322 parser cannot read."""
    header = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    message = email.message_from_bytes(header + b"\r\n\r\n", policy=email.policy.compat32)
    value = message.get("Date")
    if value is None:
        return True
    try:
        return email.utils.parsedate_to_datetime(str(value).strip()) is None
    except (TypeError, ValueError, IndexError):
        return True


WHEN = {"no_usable_date": no_usable_date}


def send_program(client, tag, pieces):
    """Sends "tag SEARCH CHARSET UTF-8 <pieces>" and returns the matched message numbers."""
    data = b"%s SEARCH CHARSET UTF-8" % tag.encode()
    for piece in pieces:
        if isinstance(piece, Lit):
            data += b" {%d+}\r\n" % len(piece) + bytes(piece)
        else:
            data += b" " + piece.encode()
    client.send(data + b"\r\n")
    numbers = set()
    while True:
        line = client.readline()
        if not line:
            raise AssertionError("connection closed during %r" % data)
        line = line.rstrip(b"\r\n")
        if line.startswith(b"* SEARCH"):
            numbers.update(int(word) for word in line.split()[2:] if word.isdigit())
        elif line.startswith(tag.encode() + b" "):
            if not line.startswith(tag.encode() + b" OK"):
                raise AssertionError("%r answered %r" % (data, line))
            return numbers


def setup_flags(client, count):
    """The same STOREs on both sides: \\Flagged on every 3rd, \\Seen on every 5th, $Label on
    every 7th, \\Answered on every 4th message."""
    for step, flags in ((3, r"(\Flagged)"), (5, r"(\Seen)"), (7, "($Label)"),
                        (4, r"(\Answered)")):
        numbers = ",".join(str(n) for n in range(step, count + 1, step))
        typ, data = client.store(numbers, "+FLAGS.SILENT", flags)
        if typ != "OK":
            raise AssertionError("STORE %s failed: %r" % (flags, data))


def glob_any(value, patterns):
    patterns = [patterns] if isinstance(patterns, str) else patterns
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def known_index(program, label, data, side):
    for index, entry in enumerate(KNOWN_SEARCH_DIFFERENCES):
        if (entry["side"] == side and glob_any(program, entry["program"])
                and glob_any(label, entry["file"])
                and ("when" not in entry or WHEN[entry["when"]](data))):
            return index
    return None


class SearchVsDovecot(unittest.TestCase):
    def test_corpora(self):
        messages, _, missed = corpus_messages(os.path.join(ARGS.testdata, "mime"))
        self.assertEqual(missed, [], "message files not read")
        self.assertGreaterEqual(len(messages), MIN_MESSAGES, "corpus missing or moved")
        tmp = tempfile.mkdtemp(prefix="harbor-search-dovecot-")
        os.chmod(tmp, 0o711)
        dovecot = PrivateDovecot(os.path.join(tmp, "dovecot"))
        results = {}  # program name -> (harbor set, dovecot set)
        started = time.monotonic()
        try:
            os.makedirs(dovecot.root)
            dovecot.start()
            with harbor_harness.HarborServer(ARGS.harbor, tmpdir=os.path.join(tmp, "harbor")) \
                    as harbor:
                account = harbor.account("user")
                theirs = imaplib.IMAP4("127.0.0.1", dovecot.port)
                theirs.login(USER, PASSWORD)
                ours = imaplib.IMAP4("127.0.0.1", harbor.ports["imap"])
                ours.login(account["address"], account["password"])
                for client in (theirs, ours):
                    typ, data = client.create(MAILBOX)
                    self.assertEqual(typ, "OK", data)
                    typ, data = client.select(MAILBOX)
                    self.assertEqual(typ, "OK", data)
                for index, (label, data) in enumerate(messages):
                    date = imaplib.Time2Internaldate(BASE_DATE + index * 86400)
                    typ, response = theirs.append(MAILBOX, None, date, to_crlf(data))
                    self.assertEqual(typ, "OK", "Dovecot APPEND %s: %r" % (label, response))
                    typ, fetched = theirs.fetch(str(index + 1), "(BODY.PEEK[])")
                    self.assertEqual(typ, "OK", "Dovecot FETCH %s" % label)
                    stored = fetched[0][1]
                    typ, response = ours.append(MAILBOX, None, date, stored)
                    self.assertEqual(typ, "OK", "Harbor APPEND %s: %r" % (label, response))
                for client in (theirs, ours):
                    typ, data = client.select(MAILBOX)
                    self.assertEqual((typ, int(data[0])), ("OK", len(messages)))
                    setup_flags(client, len(messages))
                for number, (name, pieces) in enumerate(PROGRAMS):
                    tag = "S%03d" % number
                    results[name] = (send_program(ours, tag, pieces),
                                     send_program(theirs, tag, pieces))
                ours.logout()
                theirs.logout()
        except Exception:
            print("Dovecot's log:\n" + dovecot.log_tail())
            raise
        finally:
            try:
                dovecot.stop()
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

        unlisted = []
        used = Counter()
        by_entry = Counter()
        differences = 0
        for name, _ in PROGRAMS:
            harbor_set, dovecot_set = results[name]
            for number in sorted(harbor_set ^ dovecot_set):
                differences += 1
                label, data = messages[number - 1]
                side = "harbor" if number in harbor_set else "dovecot"
                index = known_index(name, label, data, side)
                if index is None:
                    unlisted.append((name, number, label, side))
                else:
                    used[index] += 1
                    by_entry[KNOWN_SEARCH_DIFFERENCES[index]["category"]] += 1
        stale = [entry for index, entry in enumerate(KNOWN_SEARCH_DIFFERENCES)
                 if used[index] == 0]
        matched = sum(len(results[name][1]) for name, _ in PROGRAMS)
        print("\nsearch_vs_dovecot: %d messages x %d programs = %d evaluations compared "
              "(%d matches on Dovecot's side), %d differences (%d listed, %d unlisted); "
              "%d table entries, %d stale; %.0f s"
              % (len(messages), len(PROGRAMS), len(messages) * len(PROGRAMS), matched,
                 differences, differences - len(unlisted), len(unlisted),
                 len(KNOWN_SEARCH_DIFFERENCES), len(stale), time.monotonic() - started))
        for name, _ in PROGRAMS:
            harbor_set, dovecot_set = results[name]
            print("  %-22s harbor %4d  dovecot %4d  both %4d"
                  % (name, len(harbor_set), len(dovecot_set), len(harbor_set & dovecot_set)))
        for category, count in sorted(by_entry.items()):
            print("  listed %-40s %d" % (category, count))
        for name, number, label, side in unlisted:
            print("UNLISTED %s: message %d (%s) matched only by %s" % (name, number, label, side))
        for entry in stale:
            print("STALE table entry (no longer differs): %s" % entry)
        self.assertGreater(matched, 0, "no program matched anything: the comparison is empty")
        # A program that matches nothing on both sides compares nothing: pick another needle.
        empty = [name for name, _ in PROGRAMS if not (results[name][0] | results[name][1])]
        self.assertEqual(empty, [], "programs that match no message on either side")
        self.assertEqual(unlisted, [], "differences not in KNOWN_SEARCH_DIFFERENCES")
        self.assertEqual(stale, [], "KNOWN_SEARCH_DIFFERENCES entries that no longer occur")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--harbor", required=True)
    parser.add_argument("--testdata", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
