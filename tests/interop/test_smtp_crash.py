"""Nothing acknowledged is lost: SMTP senders under load, Harbor killed with SIGKILL at random
moments, restarted on the same data directory; every message that got its 250 must be in the
mailboxes afterwards, exactly once (DESIGN.md: a 250 promises stable storage; issue 4).

Several senders on their own connections send to alice and to alice+bob (one message, two
copies) in a loop; a round ends with kill -9 after a random delay, so kills land anywhere:
mid-DATA, between the store's commit and the 250, during a batch. A message stored without its
250 reaching the client is allowed (the client would retry); a lost or duplicated one is not.
"""

import os
import random
import shutil
import signal
import smtplib
import sqlite3
import tempfile
import threading
import time
import unittest

from harbor_harness import HarborServer
from smtp_support import HarborCli, close_quietly, harbor_binary, make_message, token

ROUNDS = 4
SENDERS = 6
SEND_TIMEOUT = 10  # seconds for one SMTP operation



def unreferenced_blob_files(data_dir):
    """Files under blobs/ that no row of the store's blobs table names."""
    root = os.path.join(data_dir, "blobs")
    names = [name for _, _, files in os.walk(root) for name in files]
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'harbor.db')}?mode=ro", uri=True)
    try:
        known = {row[0] for row in db.execute("SELECT sha256 FROM blobs")}
    finally:
        db.close()
    return sorted(name for name in names if name not in known)

class Sender(threading.Thread):
    """Sends until stopped or the server goes away; records each Subject that got a 250."""

    def __init__(self, port, run_id, number, acknowledged, lock, stop):
        super().__init__(daemon=True)
        self.port = port
        self.run_id = run_id
        self.number = number
        self.acknowledged = acknowledged
        self.lock = lock
        self.stop = stop

    def run(self):
        try:
            client = smtplib.SMTP("127.0.0.1", self.port, "crash.example", timeout=SEND_TIMEOUT)
        except OSError:
            return
        sequence = 0
        try:
            while not self.stop.is_set():
                sequence += 1
                subject = f"crash-{self.run_id}-{self.number}-{sequence}"
                both = sequence % 3 == 0
                recipients = ["alice@example.test"] + (["bob@example.test"] if both else [])
                lines = random.choice((2, 70, 1000))  # 150 B, 5 KiB, 75 KiB (past 64 KiB)
                body = (b"x" * 74 + b"\r\n") * lines
                message = make_message(subject, "load@remote.example", ", ".join(recipients),
                                       body=body)
                try:
                    client.sendmail("load@remote.example", recipients, message)
                except (smtplib.SMTPException, OSError):
                    return  # the server died under us: whatever was not acknowledged is open
                with self.lock:
                    self.acknowledged[subject] = recipients
        finally:
            close_quietly(client)


class SmtpCrashTest(unittest.TestCase):
    def test_every_acknowledged_message_survives_kill_9(self):
        binary = harbor_binary()
        workdir = tempfile.mkdtemp(prefix="harbor-crash-")
        acknowledged = {}
        lock = threading.Lock()
        rng = random.Random()
        for round_number in range(ROUNDS):
            server = HarborServer(binary, tmpdir=workdir)
            server.start()
            stop = threading.Event()
            run_id = f"{round_number}-{token()}"
            senders = [Sender(server.ports["smtp"], run_id, n, acknowledged, lock, stop)
                       for n in range(SENDERS)]
            for sender in senders:
                sender.start()
            # Load for a random while (no timing is asserted: this only places the kill).
            time.sleep(rng.uniform(0.8, 2.5))
            os.kill(server.pid, signal.SIGKILL)
            server.process.wait()
            server.process = None
            stop.set()
            for sender in senders:
                sender.join(timeout=SEND_TIMEOUT + 5)
        self.assertGreater(len(acknowledged), 0, "no message was acknowledged at all")

        server = HarborServer(binary, tmpdir=workdir)
        with server:
            cli = HarborCli(binary, server.data_dir)
            for address in ("alice@example.test", "bob@example.test"):
                listing = cli.mail_list(address)
                seen = {}
                for mailbox in listing["mailboxes"]:
                    for message in mailbox["messages"]:
                        subject = message["subject"] or ""
                        seen[subject] = seen.get(subject, 0) + 1
                duplicated = {s: n for s, n in seen.items() if n > 1}
                self.assertEqual(duplicated, {}, f"{address}: stored more than once")
                wanted = [s for s, recipients in acknowledged.items() if address in recipients]
                lost = [s for s in wanted if s not in seen]
                self.assertEqual(lost, [], f"{address}: acknowledged with 250 but lost "
                                           f"({len(lost)} of {len(wanted)})")
            # A message is spooled into its blob file as it arrives; the files of messages a
            # kill cut short have no row and are swept at start: none is left behind.
            self.assertEqual(unreferenced_blob_files(server.data_dir), [],
                             "half-received blob files left after restart")
        print(f"{len(acknowledged)} acknowledged messages over {ROUNDS} kills, none lost")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
