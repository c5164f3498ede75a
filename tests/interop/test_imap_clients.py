"""Interop: Harbor's IMAP and submission listeners driven by real mail clients over `harbor
serve --demo`, each confined to a temporary directory (config, Maildir, HOME; the user's own
files are never touched), each under a timeout; a failing step shows the client's transcript
and Harbor's log tail.
- mbsync (isync 1.4), a Maildir synced both ways over imaps (Sync All, Create Both, Expunge
  Both, CopyArrivalDate): delivered mail pulled byte for byte; maildir flags ":2,S", ":2,F",
  ":2,T" become \\Seen, \\Flagged and an expunge; a local message APPENDed with its date;
  STORE and EXPUNGE done with imaplib come back; a mailbox made on either side reaches the other.
- fetchmail over STARTTLS into an MDA: `keep` fetches all (now \\Seen), a rerun fetches
  nothing, `nokeep flush` leaves the INBOX empty.
- mutt sends over smtps with AUTH in batch mode, then, on a pty under script(1), reads,
  flags and files the INBOX into a new mailbox over imaps.

ctest: interop_imap_clients; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_imap_clients
"""

import contextlib
import datetime
import email
import imaplib
import os
import re
import shutil
import smtplib
import subprocess
import tempfile
import unittest

from harbor_harness import TLS_SERVER_NAME, HarborServer
from smtp_support import (CLIENT_NAME, IO_TIMEOUT, REMOTE_SENDER, harbor_binary,
                          make_message, token)

CLIENT_TIMEOUT = 120.0
TRANSCRIPT_TAIL = 120  # lines of a client's output shown when a step fails


def logout_quietly(client):
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


class ClientTestCase(unittest.TestCase):
    """One Harbor per test class; each test gets a private directory for its client."""

    @classmethod
    def setUpClass(cls):
        cls.server = HarborServer(harbor_binary())
        cls.server.__enter__()
        cls.accounts = {a["address"].split("@")[0]: a for a in cls.server.accounts}

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="harbor-clients-")
        self.home = os.path.join(self.workdir, "home")
        os.makedirs(self.home)
        self.transcripts = []
        self.failed = False
        self.addCleanup(self.remove_workdir)

    def remove_workdir(self):
        if self.failed or os.environ.get("HARBOR_KEEP_TMP"):
            print(f"client files kept in {self.workdir}")
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # -- running clients ----------------------------------------------------------------

    def client_env(self, **extra):
        """A minimal environment: HOME in the temp dir, so no client reads ~/.mbsyncrc,
        ~/.fetchmailrc, ~/.muttrc or the user's certificates."""
        env = {"HOME": self.home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
               "TERM": "dumb", "TMPDIR": self.workdir}
        env.update(extra)
        return env

    def run_client(self, name, argv, ok_codes=(0,), env=None, stdin_bytes=None):
        """Runs one client with a timeout; its output is kept for failure messages."""
        try:
            result = subprocess.run(argv, input=stdin_bytes, capture_output=True,
                                    timeout=CLIENT_TIMEOUT, env=env or self.client_env(),
                                    cwd=self.workdir)
        except subprocess.TimeoutExpired as expired:
            output = (expired.stdout or b"") + (expired.stderr or b"")
            self.record(name, "timed out", output.decode("utf-8", "replace"))
            self.fail_with(f"{name} did not finish within {CLIENT_TIMEOUT} s")
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        self.record(name, f"exit {result.returncode}", output)
        if result.returncode not in ok_codes:
            self.fail_with(f"{name} exited {result.returncode}, want one of {ok_codes}")
        return result

    def record(self, name, how, output):
        """Keeps a transcript for failure messages, and in the work dir (HARBOR_KEEP_TMP)."""
        self.transcripts.append((name, how, output))
        log = os.path.join(self.workdir, f"{len(self.transcripts):02d}-{name}.log")
        with open(log, "w", encoding="utf-8") as handle:
            handle.write(output)

    def diagnostics(self):
        parts = []
        for name, how, output in self.transcripts[-2:]:
            parts.append(f"--- {name} ({how}), last {TRANSCRIPT_TAIL} lines ---\n"
                         + "\n".join(output.splitlines()[-TRANSCRIPT_TAIL:]))
        parts.append(self.server.output(60))
        return "\n".join(parts)

    def fail_with(self, message):
        self.failed = True
        raise self.failureException(f"{message}\n{self.diagnostics()}")

    @contextlib.contextmanager
    def step(self, what):
        """A named step: an assertion failing inside it carries the last client transcripts
        and Harbor's log tail."""
        try:
            yield
        except self.failureException as error:
            if self.failed:
                raise
            self.fail_with(f"step '{what}': {error}")

    # -- Harbor's side --------------------------------------------------------------------

    def imap(self, account):
        client = imaplib.IMAP4_SSL(TLS_SERVER_NAME, self.server.ports["imaps"],
                                   ssl_context=self.server.tls_context(), timeout=IO_TIMEOUT)
        self.addCleanup(logout_quietly, client)
        self.assertEqual(client.login(account["address"], account["password"])[0], "OK")
        return client

    def deliver(self, recipient, subject, body):
        message = make_message(subject, REMOTE_SENDER, recipient, body=body)
        with smtplib.SMTP(TLS_SERVER_NAME, self.server.ports["smtp"],
                          local_hostname=CLIENT_NAME, timeout=IO_TIMEOUT) as client:
            client.sendmail(REMOTE_SENDER, [recipient], message)

    def server_messages(self, account, mailbox="INBOX"):
        """{Subject: (uid, set of flags, full bytes, INTERNALDATE)} of a mailbox, read over
        imaps."""
        client = self.imap(account)
        status, data = client.select(f'"{mailbox}"', readonly=True)
        self.assertEqual(status, "OK", data)
        found = {}
        if int(data[0]) > 0:
            status, data = client.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])")
            self.assertEqual(status, "OK", data)
            for item in data:
                if not isinstance(item, tuple):
                    continue
                uid, flags, arrival = parse_fetch_prefix(item[0])
                subject = email.message_from_bytes(item[1])["Subject"]
                self.assertNotIn(subject, found, f"two messages with Subject {subject!r}")
                found[subject] = (uid, flags, item[1], arrival)
        logout_quietly(client)
        return found


def parse_fetch_prefix(prefix):
    """UID, FLAGS and INTERNALDATE (a datetime) from a FETCH response's leading bytes, e.g.
    b'3 (UID 7 FLAGS (\\Seen) INTERNALDATE "29-Nov-2026 18:23:35 +0000" BODY[] {384}'."""
    text = prefix.decode("utf-8", "replace")
    uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
    flags_text = text.split("FLAGS (", 1)[1].split(")", 1)[0]
    date_text = text.split('INTERNALDATE "', 1)[1].split('"', 1)[0]
    # RFC 9051 §9 date-time: a space-padded day of one digit is allowed.
    arrival = datetime.datetime.strptime(date_text.strip(), "%d-%b-%Y %H:%M:%S %z")
    return uid, frozenset(flags_text.split()), arrival


# -- mbsync ------------------------------------------------------------------------------

# Maildir info flags (cr.yp.to/proto/maildir.html, "2," then flags in ASCII order) as mbsync
# maps them to IMAP system flags.
MAILDIR_FLAGS = dict(D="\\Draft", F="\\Flagged", R="\\Answered", S="\\Seen", T="\\Deleted")


class Maildir:
    """A local Maildir folder as mbsync writes it: files in new/ and cur/, named
    `<unique>,U=<uid>:2,<flags>`."""

    def __init__(self, path):
        self.path = path

    def create(self):
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.path, sub), exist_ok=True)

    def messages(self):
        """{Subject: (path, flag letters, bytes)} of the files in new/ and cur/."""
        found = {}
        paths = [os.path.join(self.path, sub, name) for sub in ("new", "cur")
                 if os.path.isdir(os.path.join(self.path, sub))
                 for name in os.listdir(os.path.join(self.path, sub))]
        for path in sorted(paths):
            with open(path, "rb") as handle:
                content = handle.read()
            subject = email.message_from_bytes(content)["Subject"]
            if subject in found:
                raise AssertionError(f"two local files with Subject {subject!r}: "
                                     f"{found[subject][0]}, {path}")
            found[subject] = (path, info_flags(path), content)
        return found

    def set_flags(self, path, letters):
        """Renames a message into cur/ with exactly these info flags, as a mail reader
        does when the user reads, flags or trashes it."""
        base = os.path.basename(path).split(":2,", 1)[0]
        target = os.path.join(self.path, "cur", f"{base}:2,{''.join(sorted(letters))}")
        os.rename(path, target)
        return target

    def add(self, unique, content):
        """A new message delivered locally: written to tmp/ then moved into new/."""
        temporary = os.path.join(self.path, "tmp", unique)
        with open(temporary, "wb") as handle:
            handle.write(content)
        path = os.path.join(self.path, "new", unique)
        os.rename(temporary, path)
        return path


def info_flags(path):
    name = os.path.basename(path)
    return frozenset(name.split(":2,", 1)[1]) if ":2," in name else frozenset()


def unix_lines(content):
    return content.replace(b"\r\n", b"\n")


class MbsyncTest(ClientTestCase):

    def setUp(self):
        super().setUp()
        self.account = self.accounts["alice"]
        self.maildir_root = os.path.join(self.workdir, "Mail")
        os.makedirs(self.maildir_root)
        self.config = os.path.join(self.workdir, "mbsyncrc")
        with open(self.config, "w", encoding="utf-8") as handle:
            handle.write(self.mbsync_config())

    def mbsync_config(self):
        # isync 1.4 syntax: Far/Near (not Master/Slave), SSLType IMAPS for implicit TLS,
        # the self-signed demo certificate as the only trust anchor. CopyArrivalDate carries
        # INTERNALDATE to the Maildir file's mtime and back as APPEND's date-time.
        return f"""IMAPAccount harbor
Host {TLS_SERVER_NAME}
Port {self.server.ports["imaps"]}
User {self.account["address"]}
Pass {self.account["password"]}
SSLType IMAPS
CertificateFile {self.server.certificate}

IMAPStore harbor-far
Account harbor

MaildirStore local-near
Path {self.maildir_root}/
Inbox {self.maildir_root}/INBOX
SubFolders Verbatim

Channel harbor
Far :harbor-far:
Near :local-near:
Patterns *
Sync All
Create Both
Expunge Both
CopyArrivalDate yes
SyncState *
"""

    def mbsync(self):
        return self.run_client("mbsync", ["mbsync", "-V", "-Dn", "-c", self.config, "-a"])

    def local(self, name="INBOX"):
        return Maildir(os.path.join(self.maildir_root, name))

    def assert_flags_agree(self, local, server):
        """After a sync both sides hold the same messages with the same flags."""
        self.assertEqual(set(local), set(server))
        for subject, (path, letters, _) in local.items():
            self.assertEqual({MAILDIR_FLAGS[letter] for letter in letters},
                             server[subject][1], f"{subject}: {path}")

    def test_sync_both_ways(self):
        alice = self.account
        tag = token()
        subjects = [f"mbsync {tag} {number}" for number in range(5)]
        for number, subject in enumerate(subjects):
            self.deliver(alice["address"], subject, f"body {number} of {tag}\r\n".encode())

        self.mbsync()
        with self.step("first sync pulls exactly the delivered mail, byte for byte"):
            server = self.server_messages(alice)
            self.assertEqual(set(server), set(subjects))
            local = self.local().messages()
            self.assertEqual(set(local), set(subjects))
            for subject in subjects:
                # Maildir is a Unix format: mbsync stores LF line ends (CRLF on the wire).
                self.assertEqual(strip_tuid(unix_lines(local[subject][2])),
                                 unix_lines(server[subject][2]), subject)
                self.assertEqual(local[subject][1], frozenset())
                self.assertEqual(int(os.stat(local[subject][0]).st_mtime),
                                 int(server[subject][3].timestamp()), subject)

        seen, flagged, trashed, seen_flagged, untouched = subjects
        inbox = self.local()
        inbox.set_flags(local[seen][0], "S")
        inbox.set_flags(local[flagged][0], "F")
        inbox.set_flags(local[trashed][0], "T")
        inbox.set_flags(local[seen_flagged][0], "FS")
        local_subject = f"mbsync {tag} written locally"
        local_body = f"a message written by the local mail reader ({tag})\n"
        local_message = (f"From: {alice['address']}\nTo: {alice['address']}\n"
                         f"Subject: {local_subject}\nMessage-ID: <{tag}.local@{CLIENT_NAME}>\n"
                         f"Date: Sun, 29 Nov 2026 09:00:00 +0000\n\n{local_body}").encode()
        written = inbox.add(f"1795000000.{tag}.local", local_message)
        local_arrival = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
        os.utime(written, (local_arrival.timestamp(), local_arrival.timestamp()))

        self.mbsync()
        with self.step("second sync pushes flags, the expunge and the new local message"):
            server = self.server_messages(alice)
            self.assertEqual(set(server), {seen, flagged, seen_flagged, untouched,
                                           local_subject})
            self.assertEqual(server[seen][1], {"\\Seen"})
            self.assertEqual(server[flagged][1], {"\\Flagged"})
            self.assertEqual(server[seen_flagged][1], {"\\Flagged", "\\Seen"})
            self.assertEqual(server[untouched][1], frozenset())
            self.assertEqual(server[local_subject][1], frozenset())
            self.assertEqual(server[local_subject][3], local_arrival)
            appended = server[local_subject][2]
            self.assertIn(b"\r\n", appended, "APPENDed message must have CRLF line ends")
            self.assertEqual(strip_tuid(unix_lines(appended)), local_message)
            local = self.local().messages()
            self.assert_flags_agree(local, server)
            # mbsync learnt the new UID from APPENDUID (RFC 4315 §3), not by searching.
            self.assertRegex(self.transcripts[-1][2],
                             rf"OK \[APPENDUID \d+ {server[local_subject][0]}\]")

        client = self.imap(alice)
        self.assertEqual(client.select("INBOX")[0], "OK")
        for subject, change, flags in ((untouched, "+FLAGS", "(\\Seen \\Answered)"),
                                       (seen_flagged, "-FLAGS", "(\\Flagged)"),
                                       (flagged, "+FLAGS", "(\\Deleted)")):
            self.assertEqual(client.uid("STORE", str(server[subject][0]), change, flags)[0], "OK")
        self.assertEqual(client.expunge()[0], "OK")
        late_subject = f"mbsync {tag} delivered late"
        self.deliver(alice["address"], late_subject, b"arrived after the second sync\r\n")
        projects = f"Projects-{tag}"
        self.assertEqual(client.create(projects)[0], "OK")
        project_message = make_message(f"mbsync {tag} in projects", REMOTE_SENDER,
                                       alice["address"], body=b"filed on the server\r\n")
        self.assertEqual(client.append(projects, "(\\Seen)", None, project_message)[0], "OK")
        logout_quietly(client)
        notes = f"Notes-{tag}"
        notes_box = self.local(notes)
        notes_box.create()
        notes_subject = f"mbsync {tag} in local notes"
        notes_box.add(f"1795000001.{tag}.notes",
                      f"From: {alice['address']}\nSubject: {notes_subject}\n\nnotes\n".encode())

        self.mbsync()
        with self.step("third sync brings server flags, expunge and new mail to the Maildir"):
            local = self.local().messages()
            self.assertEqual(set(local), {seen, seen_flagged, untouched, local_subject,
                                          late_subject})
            self.assertEqual(local[untouched][1], {"R", "S"})
            self.assertEqual(local[seen_flagged][1], {"S"})
            self.assertEqual(local[seen][1], {"S"})
            self.assertIn(b"arrived after the second sync", local[late_subject][2])
            self.assert_flags_agree(local, self.server_messages(alice))
        with self.step("a mailbox created on either side exists on both (Create Both)"):
            pulled = self.local(projects).messages()
            self.assertEqual(set(pulled), {f"mbsync {tag} in projects"})
            self.assertEqual(next(iter(pulled.values()))[1], {"S"})
            self.assertEqual(strip_tuid(unix_lines(next(iter(pulled.values()))[2])),
                             unix_lines(project_message))
            client = self.imap(alice)
            status, listing = client.list()
            self.assertEqual(status, "OK")
            self.assertTrue(any(line.endswith(f'"{notes}"'.encode()) for line in listing),
                            listing)
            pushed = self.server_messages(alice, notes)
            self.assertEqual(set(pushed), {notes_subject})

        self.mbsync()
        with self.step("a fourth sync with nothing changed changes nothing"):
            again = self.local().messages()
            self.assertEqual({s: m[1] for s, m in again.items()},
                             {s: m[1] for s, m in local.items()})
            self.assert_flags_agree(again, self.server_messages(alice))


def strip_tuid(content):
    """mbsync adds an X-TUID field to each message it propagates (its own token to find
    the copy again if the store does not report the new UID); it is not Harbor's doing."""
    lines = content.split(b"\n")
    return b"\n".join(line for line in lines if not line.startswith(b"X-TUID: "))


# -- fetchmail ---------------------------------------------------------------------------

RECEIVED_FIELD = re.compile(rb"^Received:[^\n]*\n(?:[ \t][^\n]*\n)*", re.MULTILINE)


def without_fetchmail_received(content):
    """The message as fetchmail hands it to the MDA, minus the Received field fetchmail adds
    ("by <host> with IMAP (fetchmail-x.y.z)"), to compare the rest with Harbor's copy."""
    return RECEIVED_FIELD.sub(
        lambda field: b"" if b"(fetchmail-" in field.group(0) else field.group(0), content)


class FetchmailTest(ClientTestCase):

    def setUp(self):
        super().setUp()
        self.account = self.accounts["bob"]
        self.delivered = os.path.join(self.workdir, "delivered")
        os.makedirs(self.delivered)

    def write_rcfile(self, keep_option):
        # STARTTLS on the imap listener, TLS 1.2 or later required, the demo certificate as
        # the only trust anchor; the MDA (run by sh) writes each message to its own file, so
        # fetchmail never talks SMTP to localhost:25; nothing is bounced or sent to syslog.
        path = os.path.join(self.workdir, "fetchmailrc")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"""set no syslog
set no bouncemail
set no spambounce
poll {TLS_SERVER_NAME} protocol IMAP port {self.server.ports["imap"]}
    user "{self.account["address"]}" there
    with password "{self.account["password"]}" is "tester" here
    sslproto "tls1.2+" sslcertck sslcertfile "{self.server.certificate}"
    no rewrite
    {keep_option}
    mda "cat > $(mktemp {self.delivered}/message-XXXXXX)"
""")
        os.chmod(path, 0o600)  # fetchmail refuses an rcfile others can read
        return path

    def fetchmail(self, keep_option, ok_codes):
        rcfile = self.write_rcfile(keep_option)
        env = self.client_env(FETCHMAILHOME=self.home, FETCHMAILUSER="tester")
        self.run_client("fetchmail", [
            "fetchmail", "--nodetach", "-v", "-v", "-f", rcfile,
            "--idfile", os.path.join(self.home, "fetchids"),
            "--pidfile", os.path.join(self.home, "fetchmail.pid")], ok_codes=ok_codes, env=env)
        self.assertIn("upgrade to TLS succeeded", self.transcripts[-1][2])

    def delivered_messages(self):
        found = {}
        for name in sorted(os.listdir(self.delivered)):
            with open(os.path.join(self.delivered, name), "rb") as handle:
                content = handle.read()
            subject = email.message_from_bytes(content)["Subject"]
            found.setdefault(subject, []).append(content)
        return found

    def test_keep_then_flush(self):
        bob = self.account
        tag = token()
        first = [f"fetchmail {tag} {number}" for number in range(4)]
        for number, subject in enumerate(first):
            self.deliver(bob["address"], subject, f"fetch body {number} ({tag})\r\n".encode())

        # Exit 0: mail was delivered (fetchmail(1) EXIT CODES).
        self.fetchmail("keep", ok_codes=(0,))
        with self.step("keep: every message reaches the MDA once and stays, now \\Seen"):
            server = self.server_messages(bob)
            self.assertEqual(set(server), set(first))
            for subject in first:
                self.assertEqual(server[subject][1], {"\\Seen"}, subject)
            fetched = self.delivered_messages()
            self.assertEqual(set(fetched), set(first))
            for subject in first:
                self.assertEqual(len(fetched[subject]), 1, subject)
                self.assertEqual(without_fetchmail_received(fetched[subject][0]),
                                 unix_lines(server[subject][2]), subject)

        # Exit 1: no mail awaiting retrieval; the \Seen flags say everything was fetched.
        self.fetchmail("keep", ok_codes=(1,))
        with self.step("keep again: nothing new is fetched, nothing is deleted"):
            self.assertEqual({s: len(c) for s, c in self.delivered_messages().items()},
                             {subject: 1 for subject in first})
            self.assertEqual(set(self.server_messages(bob)), set(first))

        second = [f"fetchmail {tag} late {number}" for number in range(2)]
        for subject in second:
            self.deliver(bob["address"], subject, b"delivered between the runs\r\n")
        # nokeep deletes what it fetches; flush also deletes the old \Seen messages.
        self.fetchmail("nokeep flush", ok_codes=(0,))
        with self.step("nokeep flush: new mail fetched once, the server's INBOX is empty"):
            fetched = self.delivered_messages()
            self.assertEqual(set(fetched), set(first) | set(second))
            for subject in first + second:
                self.assertEqual(len(fetched[subject]), 1, subject)
            self.assertEqual(self.server_messages(bob), {})


# -- mutt --------------------------------------------------------------------------------

class MuttTest(ClientTestCase):
    """mutt 2.2 sends in batch mode (stdin not a terminal: no screen, the message goes out at
    once). Its IMAP side only runs on a terminal, so it runs under script(1) on a pty with a
    fixed TERM, driven by keys pushed from the command line; a prompt nobody expected would
    hang it, which the client timeout turns into a failure."""

    def setUp(self):
        super().setUp()
        self.sender = self.accounts["alice"]
        self.reader = self.accounts["bob"]
        self.debug_log = os.path.join(self.home, ".muttdebug0")

    def write_muttrc(self, account):
        user = account["address"].replace("@", "%40")  # RFC 3986 userinfo
        submissions = f"{TLS_SERVER_NAME}:{self.server.ports['submissions']}"
        path = os.path.join(self.workdir, "muttrc")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"""set smtp_url = "smtps://{user}@{submissions}/"
set smtp_pass = "{account["password"]}"
set imap_user = "{account["address"]}"
set imap_pass = "{account["password"]}"
set folder = "imaps://{user}@{TLS_SERVER_NAME}:{self.server.ports["imaps"]}/"
set spoolfile = "+INBOX"
set ssl_ca_certificates_file = "{self.server.certificate}"
set certificate_file = "{self.workdir}/mutt-certificates"
set ssl_force_tls = yes
set from = "{account["address"]}"
set realname = "Harbor Tester"
set use_from = yes record = "" copy = no sendmail = "/bin/false" tmpdir = "{self.workdir}"
set header_cache = "" message_cachedir = "" sort = mailbox-order mail_check_stats = no
# No question may be asked: delete and create without confirmation, quit without asking.
set delete = yes confirmcreate = no confirmappend = no move = no mark_old = no quit = yes
set wait_key = no sleep_time = 0
""")
        return path

    def mutt_log(self):
        """mutt's debug log (-d 2): the SMTP and IMAP exchanges."""
        if not os.path.exists(self.debug_log):
            return ""
        with open(self.debug_log, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def test_send_then_file_over_imap(self):
        tag = token()
        subject = f"mutt {tag} sent"
        body = f"written in mutt's batch mode ({tag})\n".encode()
        muttrc = self.write_muttrc(self.sender)
        self.run_client("mutt-send", ["mutt", "-n", "-F", muttrc, "-d", "2", "-s", subject,
                                      "--", self.reader["address"]], stdin_bytes=body)
        self.record("mutt-send-debug", "-d 2", self.mutt_log())
        with self.step("mutt's message went through the submissions listener with AUTH"):
            self.assertRegex(self.mutt_log(), r"< 235 ")
            inbox = self.server_messages(self.reader)
            self.assertEqual(set(inbox), {subject})
            stored = email.message_from_bytes(inbox[subject][2])
            self.assertEqual(stored["From"], f"Harbor Tester <{self.sender['address']}>")
            self.assertEqual(stored["To"], self.reader["address"])
            self.assertEqual(stored.get_payload(decode=True).replace(b"\r\n", b"\n"), body)

        delivered = [f"mutt {tag} delivered {number}" for number in range(2)]
        for subject_line in delivered:
            self.deliver(self.reader["address"], subject_line, b"for mutt to file\r\n")
        os.remove(self.debug_log)
        muttrc = self.write_muttrc(self.reader)
        # Read the first message (mutt stores \Seen itself), flag it, then save every
        # message to a new mailbox (UID COPY, CREATE after [TRYCREATE], UID COPY again), which
        # with delete=yes marks the originals \Deleted and expunges the INBOX.
        keys = ("<first-entry><display-message><exit><flag-message>"
                "<tag-pattern>~A<enter><tag-prefix><save-message><kill-line>=Filed-mutt<enter>"
                "<sync-mailbox><quit>")
        command = (f"mutt -n -F {muttrc} -d 2 -f +INBOX -e 'push \"{keys}\"'")
        self.run_client("mutt-imap", ["script", "-qec", command, "/dev/null"],
                        env=self.client_env(TERM="vt100"), stdin_bytes=b"")
        self.record("mutt-imap-debug", "-d 2", self.mutt_log())
        with self.step("mutt read, flagged and filed the INBOX over IMAP"):
            self.assertEqual(self.server_messages(self.reader), {})
            filed = self.server_messages(self.reader, "Filed-mutt")
            self.assertEqual(set(filed), {subject, *delivered})
            self.assertEqual(filed[subject][1], {"\\Seen", "\\Flagged"})
            for subject_line in delivered:
                self.assertEqual(filed[subject_line][1], frozenset(), subject_line)
            self.assertEqual(filed[subject][2], inbox[subject][2])


if __name__ == "__main__":
    unittest.main()
