"""SECURITY-CASES 73, kill -9 during IMAP writes: IMAP clients APPEND, STORE, COPY, MOVE and
EXPUNGE in a loop over `harbor serve --demo`; Harbor is killed with SIGKILL (by the PID this
test started) in the middle of it, restarted on the same data directory, and the mail store
must be as the clients were told (RFC 9051 §2.3.1.1 and RFC 4315 for the UID promises):
- every APPEND that got its tagged OK (APPENDUID) is there, byte for byte (BODY.PEEK[]), unless
  a later acknowledged MOVE or EXPUNGE took it away; what such a MOVE or EXPUNGE removed is not
  back; the flags of an acknowledged STORE are kept;
- the one command each client had in flight at the kill may have happened or not, but only
  whole: a MOVE leaves its message in exactly one place, an APPEND or COPY adds at most one;
  nothing else (no duplicate, no partial message) is in the mailboxes;
- UIDVALIDITY of every mailbox is unchanged, UIDNEXT is above every UID ever acknowledged
  (APPENDUID, COPYUID) and an APPEND after the restart gets a higher UID: UIDs are never reused;
- STATUS (MESSAGES UNSEEN SIZE) agrees with FETCH 1:* (FLAGS RFC822.SIZE);
- POP3 (RFC 1939 §7 UIDL) lists the INBOX messages that no client touched under the unique-ids
  it gave them before the load, with the same bytes, and exactly the messages IMAP shows.

The kill comes at a random moment after the load has made progress, several times in a row on
the same data directory; after each restart the model of the store is replaced by what the
checks found, so the next round starts from known state. Time is never asserted.

ctest: interop_mailstore_crash; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_mailstore_crash
"""

import hashlib
import imaplib
import os
import poplib
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest

from harbor_harness import LOOPBACK, HarborServer
from smtp_support import IO_TIMEOUT, harbor_binary, token

ROUNDS = 3  # kills
WORKERS = 4  # IMAP clients under load, each on its own pair of mailboxes
UNTOUCHED = 4  # INBOX messages outside the load, for the POP3 UIDL check
PROGRESS_WAIT = 15.0  # bound on waiting for the load to get going (not an assertion of speed)
BODY_LINES = (1, 60, 1200)  # about 80 B, 4.6 KiB and 91 KiB (past the inline blob size)

APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")
COPYUID = re.compile(rb"(?:\[COPYUID )?(\d+) (\d+) (\d+)\]?")
FETCH_UID = re.compile(rb"\bUID (\d+)")
FETCH_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
FETCH_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
STATUS_ITEM = re.compile(rb"\b(MESSAGES|UNSEEN|SIZE|UIDNEXT|UIDVALIDITY) (\d+)")

# What the one command in flight at the kill may have done to its message's number of copies.
CHANGES = {"APPEND": (0, 1), "STORE": (0,), "COPY": (0, 1), "MOVE": (0,), "EXPUNGE": (-1, 0)}


def make_message(tag, lines):
    """RFC 5322 bytes, CRLF throughout and unique by `tag`, so bytes identify a message."""
    header = (f"From: crash@example.test\r\nTo: crash@example.test\r\nSubject: crash {tag}\r\n"
              f"Message-ID: <{tag}@crash.example>\r\n\r\n").encode("ascii")
    return header + (f"{tag} ".encode("ascii") + b"y" * 63 + b"\r\n") * lines


def logout_quietly(client):
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


def imap_login(server, account):
    client = imaplib.IMAP4(LOOPBACK, server.ports["imap"], timeout=IO_TIMEOUT)
    client.login(account["address"], account["password"])
    return client


def pop3_login(server, account):
    client = poplib.POP3(LOOPBACK, server.ports["pop3"], timeout=IO_TIMEOUT)
    client.user(account["address"])
    client.pass_(account["password"])
    return client


def kill_9(server):
    """SIGKILL to the Harbor this test started (its own PID only), then reap it."""
    os.kill(server.pid, signal.SIGKILL)
    server.process.wait()
    server.process = None


class Model:
    """What one worker's mailboxes must hold, as far as the server acknowledged it."""

    def __init__(self, mailboxes):
        self.mailboxes = mailboxes  # (source, destination); only the worker writes to them
        self.messages = {}  # tag -> bytes
        self.present = {}  # (mailbox, uid) -> tag
        self.gone = set()  # (mailbox, uid) removed by an acknowledged MOVE or EXPUNGE
        self.flags = {}  # (mailbox, uid) -> flags an acknowledged STORE set
        self.max_uid = {}  # mailbox -> highest UID acknowledged
        self.in_flight = None  # (verb, tag, (mailbox, uid) or None): not yet acknowledged

    def acknowledge_uid(self, mailbox, uid):
        self.max_uid[mailbox] = max(self.max_uid.get(mailbox, 0), uid)


class Worker(threading.Thread):
    """One IMAP client: APPEND two messages, STORE, COPY one and MOVE the other to the
    destination, and every other cycle mark the first \\Deleted and UID EXPUNGE it, until the
    connection dies. Records each acknowledgement in its Model; a refusal is a failure."""

    def __init__(self, server, account, model, uidvalidity, stop):
        super().__init__(daemon=True)
        self.server = server
        self.account = account
        self.model = model
        self.uidvalidity = uidvalidity
        self.stop = stop
        self.cycles = 0
        self.acknowledged = 0  # tagged OKs
        self.failures = []
        self.rng = random.Random()

    def run(self):
        try:
            client = imap_login(self.server, self.account)
            selected = client.select(self.model.mailboxes[0])
        except (imaplib.IMAP4.error, OSError):
            return  # killed before we got going
        if selected[0] != "OK":
            self.failures.append(f"SELECT {self.model.mailboxes[0]}: {selected}")
            return
        try:
            while not self.stop.is_set():
                self.cycle(client)
                self.cycles += 1
        except (imaplib.IMAP4.abort, OSError, EOFError):
            pass  # the kill; the command in flight stays in model.in_flight
        except (imaplib.IMAP4.error, AssertionError) as error:
            self.failures.append(f"{self.model.mailboxes}: {error}")
        finally:
            try:
                client.shutdown()
            except OSError:
                pass

    def expect_ok(self, what, reply):
        if reply[0] != "OK":
            raise AssertionError(f"{what}: {reply}")
        return reply[1]

    def check_uidvalidity(self, mailbox, value):
        if value != self.uidvalidity[mailbox]:
            raise AssertionError(f"{mailbox}: UIDVALIDITY {value}, was "
                                 f"{self.uidvalidity[mailbox]}")

    def append(self, client):
        model, source = self.model, self.model.mailboxes[0]
        tag = token()
        model.messages[tag] = make_message(tag, self.rng.choice(BODY_LINES))
        model.in_flight = ("APPEND", tag, None)
        data = self.expect_ok("APPEND", client.append(source, None, None, model.messages[tag]))
        found = APPENDUID.search(data[0] or b"")
        if not found:
            raise AssertionError(f"APPEND without APPENDUID: {data}")
        self.check_uidvalidity(source, int(found.group(1)))
        uid = int(found.group(2))
        model.present[(source, uid)] = tag
        model.acknowledge_uid(source, uid)
        model.in_flight = None
        self.acknowledged += 1
        return uid, tag

    def copy_or_move(self, client, verb, uid, tag):
        model = self.model
        source, destination = model.mailboxes
        model.in_flight = (verb, tag, (source, uid))
        client.response("COPYUID")  # drop any left from before
        data = self.expect_ok(verb, client.xatom("UID", verb, str(uid), destination))
        code = data[0] if verb == "COPY" else client.response("COPYUID")[1][-1]
        found = COPYUID.search(code or b"")
        if not found or int(found.group(2)) != uid:
            raise AssertionError(f"UID {verb} {uid}: no COPYUID for it: {data} {code}")
        self.check_uidvalidity(destination, int(found.group(1)))
        new_uid = int(found.group(3))
        model.present[(destination, new_uid)] = tag
        model.acknowledge_uid(destination, new_uid)
        if verb == "MOVE":
            del model.present[(source, uid)]
            model.gone.add((source, uid))
        model.in_flight = None
        self.acknowledged += 1

    def store(self, client, uid, flags):
        key = (self.model.mailboxes[0], uid)
        self.model.in_flight = ("STORE", self.model.present[key], key)
        self.expect_ok("STORE", client.uid("STORE", str(uid), "+FLAGS.SILENT", f"({flags})"))
        self.model.flags[key] = self.model.flags.get(key, set()) | set(flags.split())
        self.model.in_flight = None
        self.acknowledged += 1

    def cycle(self, client):
        first, first_tag = self.append(client)
        second, second_tag = self.append(client)
        self.store(client, first, "\\Seen \\Flagged")
        self.copy_or_move(client, "COPY", first, first_tag)
        self.copy_or_move(client, "MOVE", second, second_tag)
        if self.cycles % 2 == 1:
            self.store(client, first, "\\Deleted")
            key = (self.model.mailboxes[0], first)
            self.model.in_flight = ("EXPUNGE", first_tag, key)
            # UID EXPUNGE (RFC 4315 §2.1), not EXPUNGE: a \Deleted left by the STORE in
            # flight at an earlier kill must not be removed behind the model's back.
            self.expect_ok("UID EXPUNGE", client.xatom("UID", "EXPUNGE", str(first)))
            del self.model.present[key]
            self.model.gone.add(key)
            self.model.in_flight = None
            self.acknowledged += 1


def digests(bodies):
    return sorted(hashlib.sha256(body).hexdigest() for body in bodies)


def parse_fetch(data):
    """{uid: (flags, RFC822.SIZE, body)} from imaplib's FETCH (UID FLAGS RFC822.SIZE
    BODY.PEEK[]) answer, whatever the order of the items: the text around the literal is
    joined before it is read."""
    messages = {}
    index = 0
    while index < len(data):
        item = data[index]
        index += 1
        if not isinstance(item, tuple):
            continue
        text, body = item[0], item[1]
        if index < len(data) and isinstance(data[index], bytes):
            text += data[index]
            index += 1
        uid, size, flags = FETCH_UID.search(text), FETCH_SIZE.search(text), FETCH_FLAGS.search(text)
        if not (uid and size and flags):
            raise AssertionError(f"FETCH answer without UID, RFC822.SIZE or FLAGS: {text!r}")
        messages[int(uid.group(1))] = (set(flags.group(1).decode().split()), int(size.group(1)),
                                       body)
    return messages


class MailstoreCrashTest(unittest.TestCase):

    def test_imap_writes_survive_kill_9(self):
        binary = harbor_binary()
        workdir = tempfile.mkdtemp(prefix="harbor-mailstore-crash-")
        try:
            self.run_rounds(binary, workdir)
        except BaseException:
            sys.stderr.write(f"harbor test files kept in {workdir}\n")
            raise
        shutil.rmtree(workdir, ignore_errors=True)

    def run_rounds(self, binary, workdir):
        rng = random.Random()
        server = HarborServer(binary, tmpdir=workdir)
        server.start()
        try:
            account = server.account("user", 0)
            models = [Model(("INBOX" if n == 0 else f"crash{n}-src", f"crash{n}-dst"))
                      for n in range(WORKERS)]
            uidvalidity, pop3_before = self.prepare(server, account, models[0])
            self.assertEqual(len(pop3_before), UNTOUCHED)
            acknowledged = 0
            interrupted = []  # the commands in flight at the kills, for the summary
            for round_number in range(ROUNDS):
                acknowledged += self.load_and_kill(server, account, models, uidvalidity, rng)
                interrupted += [model.in_flight[0] if model.in_flight else "-"
                                for model in models]
                server = HarborServer(binary, tmpdir=workdir)
                server.start()
                for model in models:
                    self.check_mailboxes(server, account, model, uidvalidity, round_number)
                self.check_pop3(server, account, pop3_before)
            self.assertEqual(server.stop(), 0, f"harbor did not exit cleanly\n{server.output()}")
        finally:
            if server.process is not None:
                server.stop()
        print(f"{ROUNDS} kills, {acknowledged} acknowledged IMAP writes, none lost or reused; "
              f"in flight at the kills: {' '.join(interrupted)}")

    def prepare(self, server, account, inbox_model):
        """Creates the mailboxes, puts the untouched messages into INBOX and returns every
        mailbox's UIDVALIDITY and POP3's view of INBOX: {unique-id: bytes}."""
        client = imap_login(server, account)
        try:
            uidvalidity = {}
            for n in range(WORKERS):
                names = ["INBOX"] if n == 0 else [f"crash{n}-src"]
                names.append(f"crash{n}-dst")
                for name in names:
                    if name != "INBOX":
                        self.assertEqual(client.create(name)[0], "OK")
                    reply = client.status(name, "(UIDVALIDITY)")
                    self.assertEqual(reply[0], "OK", reply)
                    uidvalidity[name] = int(STATUS_ITEM.search(reply[1][0]).group(2))
            for n in range(UNTOUCHED):
                tag = f"untouched-{n}-{token()}"
                inbox_model.messages[tag] = make_message(tag, BODY_LINES[n % len(BODY_LINES)])
                status, data = client.append("INBOX", None, None, inbox_model.messages[tag])
                self.assertEqual(status, "OK", data)
                uid = int(APPENDUID.search(data[0]).group(2))
                inbox_model.present[("INBOX", uid)] = tag
                inbox_model.acknowledge_uid("INBOX", uid)
        finally:
            logout_quietly(client)
        return uidvalidity, self.pop3_view(server, account)

    def pop3_view(self, server, account):
        """{UIDL unique-id: RETR bytes} of the account's maildrop; QUIT without DELE."""
        client = pop3_login(server, account)
        try:
            view = {}
            for line in client.uidl()[1]:
                number, unique_id = line.decode("ascii").split(" ", 1)
                lines = client.retr(int(number))[1]
                view[unique_id] = b"".join(line + b"\r\n" for line in lines)
            return view
        finally:
            client.quit()

    def load_and_kill(self, server, account, models, uidvalidity, rng):
        """Runs the workers, kills Harbor at a random moment once they are under way, and
        returns the number of acknowledged commands."""
        stop = threading.Event()
        workers = [Worker(server, account, model, uidvalidity, stop) for model in models]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + PROGRESS_WAIT
        while sum(w.cycles for w in workers) < WORKERS and time.monotonic() < deadline:
            time.sleep(0.02)
        progressed = sum(w.cycles for w in workers)
        if progressed >= WORKERS:
            time.sleep(rng.uniform(0.1, 1.5))  # places the kill; nothing is timed
        kill_9(server)
        stop.set()
        for worker in workers:
            worker.join(timeout=IO_TIMEOUT + 5)
            self.assertFalse(worker.is_alive(), "an IMAP client hangs after the kill")
        self.assertGreaterEqual(progressed, WORKERS, f"the load made no progress in "
                                f"{PROGRESS_WAIT} s\n{server.output()}")
        failures = [f for worker in workers for f in worker.failures]
        self.assertEqual(failures, [], "refused during the load")
        return sum(w.acknowledged for w in workers)

    def check_mailboxes(self, server, account, model, uidvalidity, round_number):
        where = f"after kill {round_number + 1}"
        client = imap_login(server, account)
        try:
            actual = {}
            for mailbox in model.mailboxes:
                actual[mailbox] = self.check_counters(client, mailbox, model, uidvalidity, where)
            self.check_against_model(model, actual, where)
            # The model is now what the store holds: the command in flight has been decided.
            tags = {body: tag for tag, body in model.messages.items()}
            present = {(mailbox, uid): tags[message[2]] for mailbox, messages in actual.items()
                       for uid, message in messages.items()}
            model.gone |= set(model.present) - set(present)
            model.present = present
            model.flags = {(mailbox, uid): message[0] for mailbox, messages in actual.items()
                           for uid, message in messages.items()}
            for (mailbox, uid) in model.present:
                model.acknowledge_uid(mailbox, uid)
            model.in_flight = None
            # RFC 9051 §2.3.1.1: a new message gets a UID above every one given before.
            for mailbox in model.mailboxes:
                tag = f"probe-{token()}"
                model.messages[tag] = make_message(tag, 1)
                status, data = client.append(mailbox, None, None, model.messages[tag])
                self.assertEqual(status, "OK", data)
                found = APPENDUID.search(data[0])
                self.assertEqual(int(found.group(1)), uidvalidity[mailbox], f"{mailbox} {where}")
                uid = int(found.group(2))
                self.assertGreater(uid, model.max_uid.get(mailbox, 0),
                                   f"{mailbox} {where}: UID reused by APPEND")
                model.present[(mailbox, uid)] = tag
                model.flags[(mailbox, uid)] = set()
                model.acknowledge_uid(mailbox, uid)
        finally:
            logout_quietly(client)

    def check_counters(self, client, mailbox, model, uidvalidity, where):
        """STATUS against FETCH 1:* for one mailbox; returns FETCH's {uid: (flags, size,
        body)}."""
        reply = client.status(mailbox, "(MESSAGES UNSEEN SIZE UIDNEXT UIDVALIDITY)")
        self.assertEqual(reply[0], "OK", reply)
        status = {name.decode(): int(value) for name, value in STATUS_ITEM.findall(reply[1][0])}
        self.assertEqual(len(status), 5, reply)
        label = f"{mailbox} {where}"
        self.assertEqual(status["UIDVALIDITY"], uidvalidity[mailbox], f"{label}: UIDVALIDITY")
        reply = client.select(mailbox, readonly=True)
        self.assertEqual(reply[0], "OK", reply)
        messages = {}
        if status["MESSAGES"] > 0:
            reply = client.fetch("1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
            self.assertEqual(reply[0], "OK", reply)
            messages = parse_fetch(reply[1])
        client.close()
        self.assertEqual(status["MESSAGES"], len(messages), f"{label}: STATUS MESSAGES")
        unseen = sum(1 for flags, _, _ in messages.values() if "\\Seen" not in flags)
        self.assertEqual(status["UNSEEN"], unseen, f"{label}: STATUS UNSEEN")
        self.assertEqual(status["SIZE"], sum(size for _, size, _ in messages.values()),
                         f"{label}: STATUS SIZE")
        for uid, (_, size, body) in messages.items():
            self.assertEqual(size, len(body), f"{label}: RFC822.SIZE of UID {uid}")
        highest = max([model.max_uid.get(mailbox, 0), *messages.keys()])
        self.assertGreater(status["UIDNEXT"], highest, f"{label}: UIDNEXT not above the "
                                                       "UIDs acknowledged or present")
        return messages

    def check_against_model(self, model, actual, where):
        verb, in_flight_tag, in_flight_key = model.in_flight or (None, None, None)
        tags = {body: tag for tag, body in model.messages.items()}
        for (mailbox, uid), tag in model.present.items():
            label = f"{mailbox} UID {uid} {where}"
            found = actual[mailbox].get(uid)
            if found is None:
                self.assertEqual(tag, in_flight_tag, f"{label}: acknowledged message lost")
                continue
            self.assertEqual(found[2], model.messages[tag], f"{label}: not the bytes appended")
            if (mailbox, uid) != in_flight_key:
                missing = model.flags.get((mailbox, uid), set()) - found[0]
                self.assertEqual(missing, set(), f"{label}: acknowledged STORE lost")
        for mailbox, uid in model.gone:
            self.assertNotIn(uid, actual[mailbox], f"{mailbox} UID {uid} {where}: "
                                                   "acknowledged as moved or expunged, back")
        counts = {}
        for mailbox, messages in actual.items():
            for uid, (_, _, body) in messages.items():
                tag = tags.get(body)
                label = f"{mailbox} UID {uid} {where}"
                self.assertIsNotNone(tag, f"{label}: a message no client sent ({len(body)} "
                                          f"bytes: {body[:120]!r})")
                counts[tag] = counts.get(tag, 0) + 1
                if (mailbox, uid) not in model.present:
                    self.assertEqual(tag, in_flight_tag, f"{label}: stored without being "
                                                         "acknowledged, and not in flight")
        before_counts = {}
        for tag in model.present.values():
            before_counts[tag] = before_counts.get(tag, 0) + 1
        for tag in model.messages:
            before = before_counts.get(tag, 0)
            allowed = {before + change for change in CHANGES[verb]} \
                if tag == in_flight_tag else {before}
            self.assertIn(counts.get(tag, 0), allowed,
                          f"{model.mailboxes} {where}: copies of {tag} (in flight: "
                          f"{verb if tag == in_flight_tag else None})")

    def check_pop3(self, server, account, before):
        """The untouched messages keep their unique-ids and bytes; POP3 lists exactly what
        IMAP has in INBOX (so nothing moved or expunged is back there either)."""
        after = self.pop3_view(server, account)
        for unique_id, body in before.items():
            self.assertIn(unique_id, after, "POP3 unique-id of an untouched message changed")
            self.assertEqual(after[unique_id], body, f"POP3 message {unique_id} changed")
        client = imap_login(server, account)
        try:
            self.assertEqual(client.select("INBOX", readonly=True)[0], "OK")
            reply = client.fetch("1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
            self.assertEqual(reply[0], "OK", reply)
            imap_bodies = [body for _, _, body in parse_fetch(reply[1]).values()]
        finally:
            logout_quietly(client)
        self.assertEqual(digests(after.values()), digests(imap_bodies),
                         "POP3 and IMAP disagree about INBOX")


if __name__ == "__main__":
    unittest.main()
