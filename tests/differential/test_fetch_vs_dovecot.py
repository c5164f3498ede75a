#!/usr/bin/python3
"""Differential test: Harbor's FETCH data (src/imap/fetch, through imap_fetch_dump) against Dovecot.

Harbor issue 5. A private Dovecot (Debian's dovecot-imapd, installed by scripts/deps) is started
on 127.0.0.1 at a free port with its own configuration in a temporary directory: base_dir,
state_dir and log file there, a passwd-file user, a maildir there, ssl = no, protocols = imap.
Every message of the corpora is APPENDed to its INBOX with imaplib and fetched back:
RFC822.SIZE, BODY, BODYSTRUCTURE, ENVELOPE and, for every section of Harbor's part tree,
BODY.PEEK[section] (BODY[], HEADER, TEXT, HEADER.FIELDS, HEADER.FIELDS.NOT, each part number,
its .MIME, and .HEADER, .TEXT, .HEADER.FIELDS[.NOT] of each message/rfc822 part). The same
files go through imap_fetch_dump, which prints what Harbor would send.

The messages: the files that test_mime_vs_python.py reads (its MESSAGE_GLOBS), the messages
inside Dovecot's vector JSON, gmime's tests/*.msg, and every message of the corpora's mbox files
(split with Python's mailbox.mbox at "From " lines, the From_ line removed). Every other file
under testdata/mime is counted and printed by kind (expected-result JSON, HTML, keys, ...), and
every *.eml / *.msg file must be among the messages.

Line ends: Dovecot stores and serves messages with CRLF line ends (it converts bare LF when it
saves, and an APPEND literal is the message in its RFC 5322 §2.3 form, CRLF). Many corpus files
use LF only, some mix both. So the driver converts each message once: every LF not preceded by
CR becomes CRLF; a lone CR is left alone (RFC 5322 §2.3 forbids it, and neither side changes
it). The converted bytes are what is APPENDed and what imap_fetch_dump reads, so both sides see
the same message; Dovecot runs with mail_save_crlf = yes so it stores exactly those bytes.

Comparison: the structured items are parsed from the response text on both sides with one
IMAP response reader (so a quoted string and a literal with the same bytes are equal; case is
kept), then compared field by field along the grammar of RFC 9051 §9 (body-type-*, body-fld-*,
envelope); a section's value is compared as bytes. Every difference must match an entry of
KNOWN_FETCH_DIFFERENCES (known_fetch_differences.py): the test fails on an unlisted difference
and on a listed entry that no longer matches anything, as test_mime_vs_python.py does.

Dovecot is stopped by the PID in base_dir/master.pid (SIGTERM, then SIGKILL after 20 s), also
when the test fails; the test checks that no process of its session is left.

Usage: test_fetch_vs_dovecot.py --dump PATH/TO/imap_fetch_dump --testdata PATH/TO/shared/testdata
"""

import argparse
import base64
import glob
import imaplib
import json
import mailbox
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_difference_checks import match_known  # noqa: E402
from imap_fetch_response import (compare_body, compare_envelope, fetch_items,  # noqa: E402
                                 parse_one, printable)
from known_fetch_differences import KNOWN_FETCH_DIFFERENCES  # noqa: E402
from test_mime_vs_python import JSON_MESSAGE_FILES, MESSAGE_GLOBS  # noqa: E402

ARGS = None

EXTRA_MESSAGE_GLOBS = ["gmime-tests/tests/*.msg"]
MBOX_GLOBS = [
    "gmime-tests/tests/data/mbox/*/*.mbox",
    "mimekit-testdata/UnitTests/TestData/mbox/*.mbox.txt",
]
MIN_MESSAGES = 400  # guards against a moved or empty corpus
SECTIONS_PER_FETCH = 40
DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "harbor", "differential"


# ---------------------------------------------------------------------------------------------
# The corpus

def to_crlf(data):
    """Every LF not preceded by CR becomes CRLF (see the module docstring)."""
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)


def corpus_messages(mime_root):
    """[(label, bytes)] for every message, and a Counter of the files that are not messages."""
    messages = []
    used = set()
    for pattern in MESSAGE_GLOBS + EXTRA_MESSAGE_GLOBS:
        for path in sorted(glob.glob(os.path.join(mime_root, pattern))):
            if os.path.isfile(path) and path not in used:
                used.add(path)
                with open(path, "rb") as handle:
                    messages.append((os.path.relpath(path, mime_root), handle.read()))
    for relative in JSON_MESSAGE_FILES:
        path = os.path.join(mime_root, relative)
        used.add(path)
        with open(path, encoding="utf-8") as handle:
            vectors = json.load(handle)
        for index, vector in enumerate(vectors):
            data = vector["message"].encode("utf-8", "surrogateescape")
            messages.append(("%s#%02d" % (relative, index), data))
    for pattern in MBOX_GLOBS:
        for path in sorted(glob.glob(os.path.join(mime_root, pattern))):
            used.add(path)
            box = mailbox.mbox(path, create=False)
            for index, key in enumerate(box.keys()):
                data = box.get_bytes(key)
                messages.append(("%s#%03d" % (os.path.relpath(path, mime_root), index), data))
            box.close()
    others = Counter()
    missed = []
    for directory, _, names in os.walk(mime_root):
        for name in names:
            path = os.path.join(directory, name)
            if path in used:
                continue
            extension = os.path.splitext(name)[1].lower()
            if extension in (".eml", ".msg"):
                missed.append(os.path.relpath(path, mime_root))
            others[not_a_message_kind(os.path.relpath(path, mime_root), extension)] += 1
    return messages, others, missed


def not_a_message_kind(relative, extension):
    if extension == ".json":
        return "expected-result or vector JSON"
    if extension in (".html", ".htm"):
        return "HTML"
    if extension in (".pem", ".pub", ".key"):
        return "keys"
    if "COPYING" in relative or "LICENSE" in relative or os.path.basename(relative) == "SOURCE.txt":
        return "licence or source note"
    if "/filters/" in relative or "/encodings/" in relative or "/encoders/" in relative:
        return "filter/encoder input (not a message)"
    if "/mime-part/" in relative or "/text/" in relative:
        return "part body or text sample (not a message)"
    if relative.endswith("-summary.txt") or relative.endswith(".md"):
        return "summary or readme"
    return "other (" + (extension or "no extension") + ")"


# ---------------------------------------------------------------------------------------------
# The private Dovecot

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateDovecot:
    """dovecot -F with its own configuration; stopped by the PID in base_dir/master.pid."""

    def __init__(self, root):
        self.root = root
        self.base_dir = os.path.join(root, "run")
        self.log = os.path.join(root, "dovecot.log")
        self.process = None
        self.pid = None
        self.port = None

    def write_config(self):
        for name in ("run", "state", "mail", "home"):
            os.makedirs(os.path.join(self.root, name), exist_ok=True)
        os.chmod(self.root, 0o755)  # the login and mail processes run under other users
        if os.getuid() == 0:
            # Dovecot refuses mail access as root ("Mail access not allowed for root") and
            # passwd-file refuses UID 0, so the mail processes run as nobody; the internal
            # and login users are those the package created.
            mail = pwd.getpwnam("nobody")
            internal_user, login_user = "dovecot", "dovenull"
            for name in ("mail", "home"):
                os.chown(os.path.join(self.root, name), mail.pw_uid, mail.pw_gid)
        else:
            mail = pwd.getpwuid(os.getuid())
            internal_user = login_user = mail.pw_name
        with open(os.path.join(self.root, "passwd"), "w", encoding="ascii") as handle:
            handle.write("%s:{PLAIN}%s::::%s::\n" % (USER, PASSWORD,
                                                     os.path.join(self.root, "home")))
        config = """\
# Written by test_fetch_vs_dovecot.py: a private instance, nothing shared with the system one.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {internal_user}
default_login_user = {login_user}
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail
# Store the APPENDed bytes as they are (they are CRLF already, see the module docstring).
mail_save_crlf = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""".format(root=self.root, internal_user=internal_user, login_user=login_user,
           uid=mail.pw_uid, gid=mail.pw_gid, port=self.port)
        path = os.path.join(self.root, "dovecot.conf")
        with open(path, "w", encoding="ascii") as handle:
            handle.write(config)
        return path

    def start(self):
        for _ in range(3):  # another process may take the free port before Dovecot binds it
            self.port = free_port()
            config = self.write_config()
            output = open(os.path.join(self.root, "dovecot.stderr"), "ab")
            self.process = subprocess.Popen([DOVECOT, "-F", "-c", config], stdout=output,
                                            stderr=output, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
            output.close()
            if self.wait_ready():
                return
            self.stop()
        raise AssertionError("Dovecot did not start:\n" + self.log_tail())

    def wait_ready(self):
        pid_file = os.path.join(self.base_dir, "master.pid")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if self.pid is None and os.path.exists(pid_file):
                with open(pid_file, encoding="ascii") as handle:
                    text = handle.read().strip()
                if text.isdigit():
                    self.pid = int(text)
            if self.pid is not None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return True
                except OSError:
                    pass
            time.sleep(0.1)
        return False

    def stop(self):
        """SIGTERM to the master (its PID from master.pid, else the one we started)."""
        if self.process is None:
            return
        pid = self.pid if self.pid is not None else self.process.pid
        if self.process.poll() is None:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        session = self.process.pid
        self.process = None
        self.pid = None
        # The master ends its children before it exits; wait for the last ones to go.
        deadline = time.monotonic() + 10
        while session_members(session) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = session_members(session)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        if left:
            raise AssertionError("Dovecot processes left after stop: %s" % left)

    def log_tail(self):
        text = ""
        for name in ("dovecot.log", "dovecot.stderr"):
            path = os.path.join(self.root, name)
            if os.path.exists(path):
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text += "".join(handle.readlines()[-20:])
        return text


def session_members(session):
    """PIDs of the processes in the session (and process group) that dovecot -F leads."""
    members = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, encoding="latin-1") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":  # field 6 of stat: session id
            members.append(int(name))
    return members


# ---------------------------------------------------------------------------------------------
# Both sides

def run_dump(paths):
    result = subprocess.run([ARGS.dump, "--bytes"] + paths, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, check=False)
    if result.returncode != 0:
        raise AssertionError("imap_fetch_dump failed (%d): %s"
                             % (result.returncode, result.stderr.decode(errors="replace")))
    return json.loads(result.stdout)


def wire_value(entry, key):
    if key in entry:
        return entry[key].encode("utf-8")
    return base64.b64decode(entry[key + "_base64"])


STRUCTURE_ITEMS = ("RFC822.SIZE", "BODY", "BODYSTRUCTURE", "ENVELOPE")


def dovecot_fetch(client, uid, sections, items=STRUCTURE_ITEMS):
    requests = ([list(items)] if items else []) + [["BODY.PEEK[%s]" % s for s in sections[i:i + SECTIONS_PER_FETCH]]
                          for i in range(0, len(sections), SECTIONS_PER_FETCH)]
    values = {}
    for request in requests:
        typ, data = client.uid("FETCH", str(uid), "(%s)" % " ".join(request))
        if typ != "OK":
            raise AssertionError("UID FETCH %s failed: %r" % (uid, data))
        values.update(fetch_items(data).get(str(uid), {}))
    return values


class Comparison:
    def __init__(self):
        self.messages = 0
        self.items = 0
        self.fields = 0
        self.differences = []  # (label, item, part, field, harbor, dovecot)
        self.notes = {}  # label -> {part number: [note]}, from imap_fetch_dump

    def compare(self, label, harbor, dovecot):
        self.messages += 1
        self.notes[label] = {part: ["headerless"] for part in harbor["headerless_parts"]}

        def report(item):
            def add(part, field, ours, theirs):
                self.differences.append((label, item, part, field, ours, theirs))
            return add

        self.items += 1
        if harbor["rfc822_size"] != int(dovecot.get("RFC822.SIZE", -1)):
            report("RFC822.SIZE")("", "size", harbor["rfc822_size"], dovecot.get("RFC822.SIZE"))
        for item, key in (("BODY", "body"), ("BODYSTRUCTURE", "bodystructure")):
            self.items += 1
            compare_body(parse_one(wire_value(harbor, key)), dovecot.get(item), "",
                         report(item))
        self.items += 1
        compare_envelope(parse_one(wire_value(harbor, "envelope")), dovecot.get("ENVELOPE"), "",
                         report("ENVELOPE"))
        for section in harbor["sections"]:
            self.items += 1
            name = "BODY[%s]" % section["section"]
            theirs = dovecot.get(name.upper())
            if "error" in section:
                report(name)(section["section"], "missing", section["error"], theirs)
                continue
            ours = base64.b64decode(section["base64"])
            if ours != theirs:
                report(name)(section["section"], "bytes", ours, theirs)


def item_kind(item):
    return "BODY[section]" if item.startswith("BODY[") else item


def short(value, limit=300):
    if isinstance(value, bytes) and len(value) > limit:
        return repr(value[:limit]) + "... (%d bytes)" % len(value)
    text = json.dumps(printable(value), ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


def narrow(ours, theirs):
    """Two byte strings from 40 bytes before their first difference."""
    if isinstance(ours, bytes) and isinstance(theirs, bytes):
        start = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b),
                     min(len(ours), len(theirs)))
        start = max(0, start - 40)
        if start:
            return ours[start:], theirs[start:]
    return ours, theirs


# ---------------------------------------------------------------------------------------------

class FetchVsDovecot(unittest.TestCase):
    def test_corpora(self):
        mime_root = os.path.join(ARGS.testdata, "mime")
        messages, others, missed = corpus_messages(mime_root)
        self.assertEqual(missed, [], "message files not read")
        self.assertGreaterEqual(len(messages), MIN_MESSAGES, "corpus missing or moved")
        comparison = Comparison()
        appended = 0
        changed = []  # (label, bytes sent, bytes Dovecot stored)
        tmp = tempfile.mkdtemp(prefix="harbor-fetch-dovecot-")
        os.chmod(tmp, 0o711)  # Dovecot's auth and mail processes reach the files below
        dovecot = PrivateDovecot(os.path.join(tmp, "dovecot"))
        try:
            os.makedirs(dovecot.root)
            dovecot.start()
            print("\nfetch_vs_dovecot: Dovecot master pid %d on 127.0.0.1:%d"
                  % (dovecot.pid, dovecot.port))
            client = imaplib.IMAP4("127.0.0.1", dovecot.port)
            client.login(USER, PASSWORD)
            typ, _ = client.select("INBOX")
            self.assertEqual(typ, "OK")
            uids, files = [], []
            for index, (label, data) in enumerate(messages):
                sent = to_crlf(data)
                typ, response = client.append("INBOX", None, None, sent)
                match = re.search(rb"APPENDUID \d+ (\d+)", response[0] or b"")
                self.assertEqual(typ, "OK", "APPEND %s: %r" % (label, response))
                self.assertIsNotNone(match, "no APPENDUID: %r" % response)
                uid = int(match.group(1))
                uids.append(uid)
                appended += 1
                # What Dovecot stored is what Harbor reads: the comparison is of the FETCH
                # data derived from the same bytes, not of the two stores' input rules.
                stored = dovecot_fetch(client, uid, [""], items=[]).get("BODY[]")
                self.assertIsInstance(stored, bytes, "BODY[] of %s" % label)
                if stored == sent.replace(b"\x00", b"\x80"):
                    stored = sent  # NUL is sent as 0x80 (RFC 9051 §4.3), Harbor does the same
                elif stored != sent:
                    changed.append((label, sent, stored))
                path = os.path.join(tmp, "msg-%04d.eml" % index)
                with open(path, "wb") as handle:
                    handle.write(stored)
                files.append(path)
            dumps = run_dump(files)
            for (label, _), uid, harbor in zip(messages, uids, dumps):
                sections = [s["section"] for s in harbor["sections"]]
                comparison.compare(label, harbor, dovecot_fetch(client, uid, sections))
            client.logout()
        except Exception:
            print("Dovecot's log:\n" + dovecot.log_tail())
            raise
        finally:
            try:
                dovecot.stop()
            finally:
                log = dovecot.log_tail()
                shutil.rmtree(tmp, ignore_errors=True)
        errors = [line for line in log.splitlines() if " Error: " in line or " Fatal: " in line]
        self.assertEqual(errors, [], "errors in Dovecot's log")

        unexplained = []
        used = Counter()
        by_category = Counter()
        for difference in comparison.differences:
            index = match_known(difference, comparison.notes[difference[0]])
            if index is None:
                unexplained.append(difference)
                by_category["UNLISTED %s %s" % (item_kind(difference[1]), difference[3])] += 1
            else:
                used[index] += 1
                by_category["%s: %s %s" % (KNOWN_FETCH_DIFFERENCES[index]["category"],
                                           item_kind(difference[1]), difference[3])] += 1
        stale = [entry for index, entry in enumerate(KNOWN_FETCH_DIFFERENCES) if used[index] == 0]

        print("fetch_vs_dovecot: %d messages (%d appended), %d items compared, %d differences "
              "(%d listed, %d unlisted); %d table entries, %d stale"
              % (comparison.messages, appended, comparison.items, len(comparison.differences),
                 len(comparison.differences) - len(unexplained), len(unexplained),
                 len(KNOWN_FETCH_DIFFERENCES), len(stale)))
        print("  files under testdata/mime that are not messages, by kind:")
        for kind, count in sorted(others.items()):
            print("    %-56s %d" % (kind, count))
        for category, count in sorted(by_category.items()):
            print("  %-66s %d" % (category, count))
        for label, item, part, field, ours, theirs in unexplained:
            ours, theirs = narrow(ours, theirs)
            print("UNLISTED %s %s part %s field %s\n  harbor:  %s\n  dovecot: %s"
                  % (label, item, part or "-", field, short(ours), short(theirs)))
        for label, sent, stored in changed:
            sent, stored = narrow(sent, stored)
            print("STORED DIFFERENTLY by Dovecot (Harbor is given the stored bytes): %s\n"
                  "  sent:   %s\n  stored: %s" % (label, short(sent), short(stored)))
        for entry in stale:
            print("STALE table entry (no longer differs): %s" % entry)
        self.assertEqual(len(unexplained), 0, "differences not in KNOWN_FETCH_DIFFERENCES")
        self.assertEqual(stale, [], "KNOWN_FETCH_DIFFERENCES entries that no longer occur")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--dump", required=True)
    parser.add_argument("--testdata", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
