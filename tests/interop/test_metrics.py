"""Interop: Harbor's Prometheus metrics (docs/metrics.md), read over HTTP from the demo's
`http` listener (GET /metrics, text exposition format 0.0.4) around real SMTP traffic from
smtplib. Each test scrapes before and after what it sends and checks that exactly the
counters it caused moved, by the right amounts: a local message received and delivered, an
unknown recipient and a relay attempt refused by reason, a message queued for a remote domain
counted by the queue gauge (the demo never delivers beyond this machine), a STARTTLS
handshake counted by its TLS version, the store's group commits timed, and an IMAP session
reading back another session's change but not its own (imaplib).

ctest: interop_metrics; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_metrics
"""

import http.client
import imaplib
import re
import smtplib
import unittest

from harbor_harness import LOOPBACK, TLS_SERVER_NAME
from smtp_support import IO_TIMEOUT, REMOTE_SENDER, make_message, token
from test_imap import logout_quietly
from test_smtp import SmtpInteropCase

# name{label="value",...} value — label values escape \\, \" and \n (exposition format).
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{(name, frozenset of (label, value)): float} for every sample line of `text`."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        if match is None:
            raise AssertionError(f"not a sample line: {line!r}")
        name, labels, value = match.groups()
        pairs = frozenset(LABEL.findall(labels or ""))
        samples[(name, pairs)] = float(value)
    return samples


class Scrape:
    """One reading of /metrics; a series not (yet) present reads as 0."""

    def __init__(self, samples):
        self.samples = samples

    def value(self, name, **labels):
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def family(self, name):
        """{frozenset of labels: value} of every series of `name`."""
        return {labels: v for (n, labels), v in self.samples.items() if n == name}


class MetricsTest(SmtpInteropCase):
    """One demo server for the class (SmtpInteropCase); tests run one after another, so the
    server sees no traffic but theirs and exact deltas hold."""

    def scrape(self):
        connection = http.client.HTTPConnection(LOOPBACK, self.server.ports["http"],
                                                timeout=IO_TIMEOUT)
        try:
            connection.request("GET", "/metrics")
            response = connection.getresponse()
            body = response.read().decode("utf-8")
            self.assertEqual(response.status, 200, body[:300])
            self.assertTrue(response.getheader("Content-Type", "").startswith("text/plain"),
                            response.getheader("Content-Type"))
        finally:
            connection.close()
        return Scrape(parse_metrics(body))

    def assert_moved(self, before, after, name, expected, **labels):
        moved = after.value(name, **labels) - before.value(name, **labels)
        self.assertEqual(moved, expected, f"{name}{labels}: moved by {moved}")

    def assert_family_moved(self, before, after, name, expected):
        """Each series of `name` moved as `expected` says ({frozenset(labels): delta}); every
        other series of the family stayed where it was."""
        series = set(before.family(name)) | set(after.family(name)) | set(expected)
        for labels in series:
            moved = after.family(name).get(labels, 0.0) - before.family(name).get(labels, 0.0)
            self.assertEqual(moved, expected.get(labels, 0.0), f"{name}{dict(labels)}")

    def test_a_local_message_is_received_delivered_and_committed(self):
        before = self.scrape()
        alice = self.address("alice")
        message = make_message(f"metrics-{token()}", REMOTE_SENDER, alice)
        self.assertEqual(self.smtp().sendmail(REMOTE_SENDER, [alice], message), {})
        after = self.scrape()
        self.assert_family_moved(before, after, "harbor_messages_received_total",
                                 {frozenset({("protocol", "smtp")}): 1})
        self.assert_family_moved(before, after, "harbor_messages_delivered_total",
                                 {frozenset({("kind", "local")}): 1})
        self.assert_family_moved(before, after, "harbor_messages_rejected_total", {})
        # The 250 came after the delivery's group commit was durable.
        for histogram in ("harbor_store_commit_seconds", "harbor_store_commit_batch_size"):
            count = f"{histogram}_count"
            self.assertGreaterEqual(after.value(count) - before.value(count), 1, histogram)
            self.assertEqual(after.value(f"{histogram}_bucket", le="+Inf"),
                             after.value(count), histogram)
        self.assertGreater(after.value("harbor_store_commit_seconds_sum"),
                           before.value("harbor_store_commit_seconds_sum"))

    def assert_refused_with_reason(self, recipient, code, reason):
        """MX mail to `recipient` is refused at RCPT with `code`; the refusal is counted under
        `reason` alone, nothing is received or queued."""
        before = self.scrape()
        message = make_message(f"refused-{token()}", REMOTE_SENDER, recipient)
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as refused:
            self.smtp().sendmail(REMOTE_SENDER, [recipient], message)
        self.assertEqual(refused.exception.recipients[recipient][0], code)
        after = self.scrape()
        self.assert_family_moved(before, after, "harbor_messages_rejected_total",
                                 {frozenset({("reason", reason)}): 1})
        self.assert_family_moved(before, after, "harbor_messages_received_total", {})
        self.assert_moved(before, after, "harbor_queue_messages", 0)

    def test_an_unknown_recipient_is_counted_as_such(self):
        self.assert_refused_with_reason(f"nobody-{token()}@{self.server.domain}", 550,
                                        "unknown_recipient")

    def test_a_relay_attempt_is_counted_as_relay_denied(self):
        self.assert_refused_with_reason(f"victim-{token()}@elsewhere.example", 554,
                                        "relay_denied")

    def test_a_message_for_a_remote_domain_is_counted_in_the_queue(self):
        before = self.scrape()
        alice = self.address("alice")
        target = f"friend-{token()}@remote.example"
        client = self.submission("alice")
        self.assertEqual(client.sendmail(alice, [target], make_message(
            f"queued-{token()}", alice, target)), {})
        after = self.scrape()
        self.assert_moved(before, after, "harbor_queue_messages", 1)
        self.assert_family_moved(before, after, "harbor_messages_received_total",
                                 {frozenset({("protocol", "submission")}): 1})
        # Queued, not delivered: the demo's queue runner is off.
        self.assert_family_moved(before, after, "harbor_messages_delivered_total", {})

    def test_a_starttls_handshake_is_counted_by_its_version(self):
        before = self.scrape()
        alice = self.address("alice")
        client = self.smtp()
        client.ehlo()
        code, _ = client.starttls(context=self.server.tls_context())
        self.assertEqual(code, 220)
        version = client.sock.version()
        self.assertIn(version, ("TLSv1.2", "TLSv1.3"))
        # The 250 to the message proves the server finished its side of the handshake.
        message = make_message(f"tls-{token()}", REMOTE_SENDER, alice)
        self.assertEqual(client.sendmail(REMOTE_SENDER, [alice], message), {})
        after = self.scrape()
        self.assert_family_moved(before, after, "harbor_tls_handshakes_total",
                                 {frozenset({("version", version), ("side", "server")}): 1})
        self.assert_family_moved(before, after, "harbor_tls_handshake_failures_total", {})

    def imap_session(self, name, mailbox):
        """An IMAP session of `name` (STARTTLS, LOGIN) with `mailbox` selected."""
        client = imaplib.IMAP4(TLS_SERVER_NAME, self.server.ports["imap"], timeout=IO_TIMEOUT)
        self.addCleanup(logout_quietly, client)
        self.assertEqual(client.starttls(ssl_context=self.server.tls_context())[0], "OK")
        self.assertEqual(client.login(self.address(name), self.password(name))[0], "OK")
        self.assertEqual(client.select(mailbox)[0], "OK")
        return client

    def test_an_imap_session_reads_back_what_others_changed_not_what_it_did(self):
        box = f"metrics-{token()}"
        setup = self.imap_session("alice", "INBOX")
        self.assertEqual(setup.create(box)[0], "OK")
        for n in range(5):
            message = make_message(f"view-{n}-{token()}", REMOTE_SENDER, self.address("alice"))
            self.assertEqual(setup.append(box, None, None, message)[0], "OK")
        own = self.imap_session("alice", box)
        before = self.scrape()
        # Its own changes are in its view: nothing to read back, whatever comes next.
        self.assertEqual(own.store("1:5", "+FLAGS", "(\\Flagged)")[0], "OK")
        self.assertEqual(own.store("2", "-FLAGS", "(\\Flagged)")[0], "OK")
        self.assertEqual(own.store("5", "+FLAGS", "(\\Deleted)")[0], "OK")
        self.assertEqual(own.expunge()[0], "OK")
        uid = own.fetch("4", "(UID)")[1][0].split()[-1].rstrip(b")").decode()
        self.assertEqual(own.uid("MOVE", uid, "INBOX")[0], "OK")
        self.assertEqual(own.noop()[0], "OK")
        self.assertEqual(own.fetch("1:3", "(FLAGS)")[0], "OK")
        self.assert_moved(before, self.scrape(), "harbor_imap_view_refreshes_total", 0)
        # Another session's change is read once, and announced (RFC 9051 §7.5.2).
        other = self.imap_session("alice", box)
        self.assertEqual(other.store("3", "+FLAGS", "(\\Seen)")[0], "OK")
        before = self.scrape()
        own.response("FETCH")  # forget what came before
        self.assertEqual(own.noop()[0], "OK")
        announced = [line for line in own.response("FETCH")[1] if line is not None]
        self.assertEqual(len(announced), 1, announced)
        self.assertIn(b"\\Seen", announced[0])
        self.assertIn(b"\\Flagged", announced[0])
        self.assertEqual(own.noop()[0], "OK")
        self.assert_moved(before, self.scrape(), "harbor_imap_view_refreshes_total", 1)


if __name__ == "__main__":
    unittest.main()
