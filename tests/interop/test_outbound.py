"""Interop: Harbor's outbound queue runner delivering to another Harbor over real sockets.

Two `harbor serve -c` instances and a private unbound on loopback:
- B (mx.b.example) is the destination: domain b.example with bob, an SMTP listener offering
  STARTTLS, no delivery of its own.
- A (mx.a.example) relays: domain a.example with alice, an SMTP listener whose relay_networks
  take 127.0.0.0/8, [queue] port = B's SMTP port (every destination is on that port), [dns]
  forwarders = the private unbound, whose static zones say b.example MX 10 mx.b.example,
  mx.b.example A 127.0.0.1 (and c.example MX 10 mx.c.example, A 127.0.0.2, where nothing
  listens).

Cases: a relayed message arrives once (over STARTTLS); a recipient B refuses at RCPT bounces
to the local sender's INBOX (RFC 3464 report); B down keeps the message queued, B back
delivers it; an unreachable destination is deferred, not bounced; kill -9 of A under load
loses nothing it acknowledged, with at most one duplicate per connection in flight; a local
domain split with B (a route) relays whom A does not know, after asking B at RCPT time
(recipient verification: B's 550 refuses there, B down gives 450).

Every wait is a bounded poll on the store (the CLI) or Harbor's log; none is an assertion.

ctest: interop_outbound; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_outbound
"""

import email
import email.policy
import os
import shutil
import smtplib
import tempfile
import threading
import time
import unittest

from configured_harbor import ConfiguredHarbor, make_certificate
from harbor_harness import LOOPBACK
from outbound_support import (A_DOMAIN, A_HOST, ALICE, B_DOMAIN, B_HOST, B_REMOTE, BOB,
                              C_DOMAIN, DELIVERY_TIMEOUT, DRAIN_TIMEOUT, LOAD_MESSAGES,
                              LOAD_SENDERS, LOAD_TIMEOUT, PER_DOMAIN, SUSPENDED_TIMEOUT, UNBOUND,
                              LoadSender, Unbound, log_events, poll, report, send)
from smtp_support import (CLIENT_NAME, IO_TIMEOUT, close_quietly, harbor_binary, make_message,
                          parse_stored, RECEIVED, token)


class OutboundTest(unittest.TestCase):
    """Unbound, B and A for the whole class; each test starts with both running and A's queue
    empty, and leaves them so. The directory is kept if something exited uncleanly."""

    @classmethod
    def setUpClass(cls):
        binary = harbor_binary()
        if not os.access(UNBOUND, os.X_OK):
            raise AssertionError(f"{UNBOUND} is missing: install Debian's unbound package "
                                 "(scripts/deps)")
        cls.workdir = tempfile.mkdtemp(prefix="harbor-outbound-")
        cls.unbound = Unbound(cls.mkdir("unbound"))
        cls.a = cls.b = None
        try:
            cls.unbound.start()
            certificate = make_certificate(cls.workdir, "b", B_HOST)
            cls.b = ConfiguredHarbor(
                binary, cls.mkdir("b"),
                [{"name": "mx", "protocol": "smtp", "address": LOOPBACK, "port": "mx",
                  "tls": "starttls"}],
                certificate, hostname=B_HOST)
            cls.b.cli.run("domain", "add", B_DOMAIN)
            cls.b.cli.run("user", "add", BOB, "--password", "bob-secret-1")
            cls.b.start()
            extra = "\n".join([
                "[queue]", f"port = {cls.b.ports['mx']}", "poll_interval_ms = 200",
                "retry_s = [1]", f"max_connections_per_domain = {PER_DOMAIN}",
                "connect_timeout_s = 5", "destination_backoff_s = 2",
                "[dns]", f'forwarders = ["{LOOPBACK}@{cls.unbound.port}"]', "timeout_ms = 3000"])
            cls.a = ConfiguredHarbor(
                binary, cls.mkdir("a"),
                [{"name": "mx", "protocol": "smtp", "address": LOOPBACK, "port": "mx",
                  "relay_networks": ["127.0.0.0/8"]}],
                None, hostname=A_HOST, extra_toml=extra)
            cls.a.cli.run("domain", "add", A_DOMAIN)
            cls.a.cli.run("user", "add", ALICE, "--password", "alice-secret-1")
            cls.a.start()
            if not cls.a.wait_for_log("queue.started", 1):
                raise AssertionError(f"A's queue runner did not start\n{cls.a.output()}")
        except BaseException:
            cls.shut_down(keep=True)
            raise

    @classmethod
    def mkdir(cls, name):
        path = os.path.join(cls.workdir, name)
        os.makedirs(path)
        return path

    @classmethod
    def shut_down(cls, keep):
        codes = {}
        for name in ("a", "b"):
            server = getattr(cls, name)
            if server is not None:
                codes[name] = server.stop()
        cls.unbound.stop()
        bad = {name: code for name, code in codes.items() if code != 0}
        if keep or bad or os.environ.get("HARBOR_KEEP_TMP"):
            print(f"\nharbor test files kept in {cls.workdir}")
        else:
            shutil.rmtree(cls.workdir, ignore_errors=True)
        return bad

    @classmethod
    def tearDownClass(cls):
        bad = cls.shut_down(keep=False)
        if bad:
            raise AssertionError(f"harbor exited {bad} on SIGTERM\n{cls.a.output()}\n"
                                 f"{cls.b.output()}")

    def setUp(self):
        # A test that failed half way may have left B stopped or A killed.
        for server in (self.b, self.a):
            if not server.running():
                server.start(same_ports=True)
        self.assertTrue(self.wait_queue_empty(DRAIN_TIMEOUT),
                        f"A's queue is not empty at the start: {self.a.cli.queue()}")

    # -- helpers ----------------------------------------------------------------------------

    def a_port(self):
        return self.a.ports["mx"]

    def wait_queue_empty(self, timeout=DELIVERY_TIMEOUT):
        return poll(lambda: self.a.cli.queue() == [], timeout, 0.2) is not None

    def copies(self, address, message_id, server=None):
        """The stored copies of `address` with this Message-ID, as (mailbox, entry)."""
        listing = (server or self.b).cli.mail_list(address)
        return [(mailbox["name"], message) for mailbox in listing["mailboxes"]
                for message in mailbox["messages"] if message["message_id"] == message_id]

    def wait_for_copy(self, address, message_id, timeout=DELIVERY_TIMEOUT):
        return poll(lambda: self.copies(address, message_id), timeout, 0.2)

    def new_log(self, server, offset):
        return server.log()[offset:]

    def wait_for_event(self, server, offset, event, timeout=DELIVERY_TIMEOUT, **want):
        """The first `event` logged after `offset` whose fields include `want`."""
        def find():
            for fields in log_events(self.new_log(server, offset), event):
                if all(fields.get(key) == value for key, value in want.items()):
                    return fields
            return None
        return poll(find, timeout)

    def relay(self, label, recipient=BOB, sender=ALICE):
        """A message from `sender` through A to `recipient`; (message id, message bytes)."""
        subject = f"{label}-{token()}"
        message = make_message(subject, sender, recipient)
        send(self.a_port(), sender, [recipient], message)
        return f"{subject}@{CLIENT_NAME}", message

    # -- a. delivered, once ---------------------------------------------------------------

    def test_a_relayed_message_arrives_once(self):
        offset = len(self.a.log())
        message_id, message = self.relay("relay")
        found = self.wait_for_copy(BOB, message_id)
        self.assertIsNotNone(found, f"not delivered to {BOB} on B\n{self.a.output()}")
        self.assertTrue(self.wait_queue_empty(), f"A's queue: {self.a.cli.queue()}")
        # Nothing more can be sent once the entry is gone: one copy is final.
        found = self.copies(BOB, message_id)
        self.assertEqual([mailbox for mailbox, _ in found], ["INBOX"], found)
        deliveries = [d for d in log_events(self.new_log(self.a, offset), "queue.delivery")
                      if d.get("to") == BOB]
        self.assertEqual(len(deliveries), 1, deliveries)
        delivery = deliveries[0]
        self.assertEqual(delivery.get("result"), "delivered", delivery)
        self.assertEqual(delivery.get("remote"), B_REMOTE, delivery)
        self.assertTrue(delivery.get("reply", "").startswith("250"), delivery)
        # B's copy: the envelope A gave, B's Received naming A, and A's message after it.
        stored = self.b.cli.show(BOB, found[0][1]["uid"])
        prefix, received, rest = parse_stored(stored)
        self.assertEqual(prefix, {"Return-Path": f"<{ALICE}>", "Delivered-To": BOB})
        match = RECEIVED.match(received)
        self.assertIsNotNone(match, received)
        self.assertEqual((match["helo"], match["ip"], match["by"], match["for"]),
                         (A_HOST, LOOPBACK, B_HOST, BOB), received)
        self.assertTrue(rest.startswith(b"Received: from "), rest[:200])  # A's own
        self.assertTrue(rest.endswith(message), rest[-300:])

    def test_a2_delivery_uses_starttls_when_offered(self):
        """B offers STARTTLS (self-signed): A's opportunistic client takes it (RFC 3207;
        unauthenticated, RFC 7435), and both ends record the TLS session."""
        offset = len(self.a.log())
        message_id, _ = self.relay("tls")
        found = self.wait_for_copy(BOB, message_id)
        self.assertIsNotNone(found, f"not delivered\n{self.a.output()}")
        delivery = self.wait_for_event(self.a, offset, "queue.delivery", to=BOB)
        self.assertIsNotNone(delivery, self.a.output())
        self.assertRegex(delivery.get("tls", ""), r"^TLSv1\.[23] ", delivery)
        received = parse_stored(self.b.cli.show(BOB, found[0][1]["uid"]))[1]
        match = RECEIVED.match(received)
        self.assertIsNotNone(match, received)
        self.assertEqual(match["protocol"], "ESMTPS", received)
        self.assertTrue(self.wait_queue_empty(), f"A's queue: {self.a.cli.queue()}")

    # -- b. refused at RCPT: a bounce to the local sender ---------------------------------

    def bounces_about(self, needle):
        """alice's INBOX messages on A whose stored bytes contain `needle`: (entry, bytes)."""
        listing = self.a.cli.mail_list(ALICE)
        found = []
        for mailbox in listing["mailboxes"]:
            if mailbox["name"] != "INBOX":
                continue
            for entry in mailbox["messages"]:
                stored = self.a.cli.show(ALICE, entry["uid"])
                if needle in stored:
                    found.append((entry, stored))
        return found

    def test_b_recipient_refused_at_rcpt_bounces_to_the_sender(self):
        nobody = f"nobody@{B_DOMAIN}"
        offset = len(self.a.log())
        message_id, _ = self.relay("bounce", recipient=nobody)
        delivery = self.wait_for_event(self.a, offset, "queue.delivery", to=nobody)
        self.assertIsNotNone(delivery, f"no attempt for {nobody}\n{self.a.output()}")
        self.assertEqual(delivery.get("result"), "failed", delivery)
        self.assertEqual(delivery.get("remote"), B_REMOTE, delivery)
        self.assertTrue(delivery.get("reply", "").startswith("550 5.1.1"), delivery)
        self.assertIsNotNone(self.wait_for_event(self.a, offset, "queue.dsn", to=ALICE),
                             self.a.output())
        self.assertTrue(self.wait_queue_empty(), f"A's queue: {self.a.cli.queue()}")
        needle = message_id.encode()
        bounces = poll(lambda: self.bounces_about(needle), DELIVERY_TIMEOUT, 0.2)
        self.assertIsNotNone(bounces, f"no bounce in {ALICE}'s INBOX\n{self.a.output()}")
        self.assertEqual(len(bounces), 1, [entry for entry, _ in bounces])
        stored = bounces[0][1]
        head = stored.split(b"\r\n", 2)
        self.assertEqual(head[:2], [b"Return-Path: <>", f"Delivered-To: {ALICE}".encode()])
        parsed = email.message_from_bytes(stored, policy=email.policy.compat32)
        self.assertEqual(parsed.get_content_type(), "multipart/report", stored[:600])
        self.assertEqual(parsed.get_param("report-type"), "delivery-status")
        status = [part for part in parsed.walk()
                  if part.get_content_type() == "message/delivery-status"]
        self.assertEqual(len(status), 1, stored[:2000])
        groups = status[0].get_payload()  # the per-message group, then one per recipient
        recipient = [g for g in groups if g.get("Final-Recipient")]
        self.assertEqual(len(recipient), 1, status[0].as_string())
        fields = recipient[0]
        self.assertEqual(" ".join(fields["Final-Recipient"].split()).lower(),
                         f"rfc822; {nobody}")
        self.assertEqual(fields["Action"].strip(), "failed")
        self.assertEqual(fields["Status"].strip(), "5.1.1")
        self.assertEqual(" ".join(fields["Remote-MTA"].split()).lower(), f"dns; {B_HOST}")
        diagnostic = " ".join(fields["Diagnostic-Code"].split())
        self.assertRegex(diagnostic, r"^(?i:smtp); 550[ -]5\.1\.1", diagnostic)

    # -- c. destination down, then back ---------------------------------------------------

    def test_c_destination_down_then_back(self):
        self.assertEqual(self.b.stop(), 0, self.b.output())
        offset = len(self.a.log())
        message_id, _ = self.relay("down")
        deferred = self.wait_for_event(self.a, offset, "queue.delivery", to=BOB)
        self.assertIsNotNone(deferred, f"no attempt while B is down\n{self.a.output()}")
        self.assertEqual(deferred.get("result"), "deferred", deferred)
        self.assertIsNotNone(self.wait_for_event(self.a, offset, "queue.deferred",
                                                 domain=B_DOMAIN), self.a.output())
        queued = self.a.cli.queue()
        self.assertEqual(len(queued), 1, queued)
        entry = queued[0]
        self.assertEqual(entry["sender"], ALICE)
        self.assertEqual([(r["address"], r["state"]) for r in entry["recipients"]],
                         [(BOB, "pending")], entry)
        self.assertGreaterEqual(entry["attempts"], 1, entry)
        self.assertNotEqual(entry["recipients"][0]["last_reply"], "", entry)
        self.assertEqual(self.copies(BOB, message_id), [])
        report(f"B down: entry {entry['id']} deferred, last reply "
               f"{entry['recipients'][0]['last_reply']!r}")

        back = len(self.a.log())
        self.b.start(same_ports=True)
        began = time.monotonic()
        self.a.cli.run("queue", "retry", "all")
        found = self.wait_for_copy(BOB, message_id, SUSPENDED_TIMEOUT)
        self.assertIsNotNone(found, f"not delivered after B came back\n{self.a.output()}")
        report(f"B back: delivered {time.monotonic() - began:.1f} s after restart + "
               f"`queue retry all`")
        self.assertTrue(self.wait_queue_empty(), f"A's queue: {self.a.cli.queue()}")
        self.assertEqual(len(self.copies(BOB, message_id)), 1)
        delivered = [d for d in log_events(self.new_log(self.a, back), "queue.delivery")
                     if d.get("to") == BOB and d.get("result") == "delivered"]
        self.assertEqual(len(delivered), 1, delivered)
        self.assertEqual(delivered[0].get("id"), str(entry["id"]), delivered)
        self.assertEqual(delivered[0].get("remote"), B_REMOTE, delivered)

    # -- d. kill -9 under load ------------------------------------------------------------

    def test_d_kill_9_under_load_loses_nothing_acknowledged(self):
        run_id = token()
        acknowledged, lock = [], threading.Lock()
        offset = len(self.a.log())
        share = LOAD_MESSAGES // LOAD_SENDERS
        senders = [LoadSender(self.a_port(), run_id, n, share, acknowledged, lock)
                   for n in range(LOAD_SENDERS)]
        began = time.monotonic()
        for sender in senders:
            sender.start()
        half = LOAD_MESSAGES // 2

        def kill_point():
            """About half acknowledged, and A delivering (connections to B open), so the
            kill lands amid intake and deliveries alike."""
            return len(acknowledged) >= half and " result=delivered " in self.new_log(self.a,
                                                                                    offset)
        reached = poll(kill_point, LOAD_TIMEOUT, 0.005)
        self.a.kill()
        killed_after = time.monotonic() - began
        for sender in senders:
            sender.join(IO_TIMEOUT * 3)
        self.assertTrue(reached, f"{len(acknowledged)} acknowledged, none delivered\n"
                                 f"{self.a.output()}")
        self.assertFalse(any(sender.is_alive() for sender in senders))
        with lock:
            acked = list(acknowledged)
        before_kill = [d for d in log_events(self.new_log(self.a, offset), "queue.delivery")
                       if d.get("result") == "delivered"]
        restarted = time.monotonic()
        self.a.start(same_ports=True)
        drained = self.wait_queue_empty(DRAIN_TIMEOUT)
        drain_time = time.monotonic() - restarted
        self.assertTrue(drained, f"A's queue not empty {DRAIN_TIMEOUT} s after the restart: "
                                 f"{len(self.a.cli.queue())} entries\n{self.a.output()}")
        listing = self.b.cli.mail_list(BOB)
        prefix = f"load-{run_id}-"
        counts = {}
        for mailbox in listing["mailboxes"]:
            for message in mailbox["messages"]:
                if (message["message_id"] or "").startswith(prefix):
                    counts[message["message_id"]] = counts.get(message["message_id"], 0) + 1
        missing = sorted(set(acked) - set(counts))
        duplicates = {mid: n for mid, n in counts.items() if n > 1}
        extra = sum(n - 1 for n in duplicates.values())
        unacknowledged = sorted(set(counts) - set(acked))
        report(f"kill -9 under load: N={LOAD_MESSAGES} sent by {LOAD_SENDERS} connections, "
               f"killed after {killed_after:.2f} s, acknowledged={len(acked)}, delivered to B before the kill={len(before_kill)}, "
               f"distinct delivered={len(counts)} (of them not acknowledged="
               f"{len(unacknowledged)}), copies={sum(counts.values())}, duplicates={extra} "
               f"(bound {PER_DOMAIN}), missing={len(missing)}, time to drain after restart="
               f"{drain_time:.1f} s")
        self.assertEqual(missing, [], "acknowledged by A, never delivered to B")
        self.assertLessEqual(extra, PER_DOMAIN, duplicates)

    # -- e. unreachable destination: deferred, not bounced --------------------------------

    def test_e_unreachable_destination_is_deferred_not_bounced(self):
        """c.example's only MX has an address nothing listens on: the attempt is deferred
        (temporary, RFC 5321 §4.5.4.1), no notice goes out, and the entry stays queued."""
        carol = f"carol@{C_DOMAIN}"
        offset = len(self.a.log())
        self.relay("unreachable", recipient=carol)
        deferred = self.wait_for_event(self.a, offset, "queue.delivery", to=carol)
        self.assertIsNotNone(deferred, f"no attempt for {carol}\n{self.a.output()}")
        self.assertEqual(deferred.get("result"), "deferred", deferred)
        self.assertIsNotNone(self.wait_for_event(self.a, offset, "queue.connect.failed",
                                                 domain=C_DOMAIN), self.a.output())
        queued = self.a.cli.queue()
        try:
            self.assertEqual([[(r["address"], r["state"]) for r in e["recipients"]]
                              for e in queued], [[(carol, "pending")]], queued)
            self.assertEqual(log_events(self.new_log(self.a, offset), "queue.dsn"), [])
        finally:
            for entry in queued:
                self.a.cli.run("queue", "delete", str(entry["id"]))

    # -- f. a local domain split with another server (gateway routes) --------------------

    def test_f_unknown_local_recipients_follow_the_domains_route(self):
        """`harbor route add a.example HOST` on A: alice (known to A) is delivered at A, while
        dave, whom A's directory does not know, is accepted and relayed to the route's host
        (B, which also serves a.example); without the route A refuses him at RCPT."""
        dave = f"dave@{A_DOMAIN}"
        with self.assertRaises(smtplib.SMTPRecipientsRefused):
            send(self.a_port(), BOB, [dave], make_message("before-route", BOB, dave))
        self.b.cli.run("domain", "add", A_DOMAIN)
        self.b.cli.run("user", "add", dave, "--password", "dave-secret-1")
        self.a.cli.run("route", "add", A_DOMAIN, f"{LOOPBACK}:{self.b.ports['mx']}")
        try:
            offset = len(self.a.log())
            subject = f"split-{token()}"
            send(self.a_port(), BOB, [dave, ALICE], make_message(subject, BOB, dave))
            message_id = f"{subject}@{CLIENT_NAME}"
            self.assertIsNotNone(self.wait_for_copy(dave, message_id),
                                 f"not relayed to {dave} on B\n{self.a.output()}")
            self.assertEqual(len(self.copies(ALICE, message_id, server=self.a)), 1)
            self.assertEqual(self.copies(dave, message_id, server=self.b)[0][0], "INBOX")
            delivery = self.wait_for_event(self.a, offset, "queue.delivery", to=dave)
            self.assertEqual(delivery.get("result"), "delivered", delivery)
            self.assertEqual(delivery.get("remote"), f"{LOOPBACK} [{LOOPBACK}]", delivery)
        finally:
            self.a.cli.run("route", "remove", A_DOMAIN)
            self.b.cli.run("user", "remove", dave)
            self.b.cli.run("domain", "remove", A_DOMAIN)

    def test_g_recipients_the_internal_server_lacks_are_refused_at_rcpt(self):
        """Recipient verification (`[queue] verify_recipients`, on by default): for a routed
        local domain A asks the route's host at RCPT time. erin, unknown to B as well, is
        refused with 550 5.1.1 and nothing is queued, so no bounce goes to a (possibly forged)
        sender; dave is taken. With B down, a new address gets 450 4.4.3 and dave, verified
        a moment ago, is still taken (his answer is remembered)."""
        dave, erin, fred = (f"{name}@{A_DOMAIN}" for name in ("dave", "erin", "fred"))
        self.b.cli.run("domain", "add", A_DOMAIN)
        self.b.cli.run("user", "add", dave, "--password", "dave-secret-1")
        self.a.cli.run("route", "add", A_DOMAIN, f"{LOOPBACK}:{self.b.ports['mx']}")
        try:
            offset = len(self.a.log())
            code, text = self.rcpt_replies(BOB, [erin, dave])[0]
            self.assertEqual(code, 550, text)
            self.assertIn(b"5.1.1", text)
            self.assertEqual(self.rcpt_replies(BOB, [dave])[0][0], 250)
            self.assertEqual(self.a.cli.queue(), [])
            probe = self.wait_for_event(self.a, offset, "queue.verify", rcpt=erin)
            self.assertEqual(probe.get("result"), "permanent", probe)
            self.assertTrue(probe.get("reply", "").startswith("550 5.1.1"), probe)

            self.assertEqual(self.b.stop(), 0)
            code, text = self.rcpt_replies(BOB, [fred])[0]
            self.assertEqual(code, 450, text)
            self.assertIn(b"4.4.3", text)
            self.assertEqual(self.rcpt_replies(BOB, [dave])[0][0], 250)
            self.assertEqual(self.a.cli.queue(), [])
        finally:
            if not self.b.running():
                self.b.start(same_ports=True)
            self.a.cli.run("route", "remove", A_DOMAIN)
            self.b.cli.run("user", "remove", dave)
            self.b.cli.run("domain", "remove", A_DOMAIN)

    def rcpt_replies(self, sender, recipients):
        """MAIL and one RCPT per recipient on A, then RSET: the RCPT replies, in order."""
        client = smtplib.SMTP(LOOPBACK, self.a_port(), local_hostname=CLIENT_NAME,
                              timeout=IO_TIMEOUT)
        try:
            client.ehlo()
            code, text = client.mail(sender)
            self.assertEqual(code, 250, text)
            replies = [client.rcpt(recipient) for recipient in recipients]
            client.rset()
            return replies
        finally:
            close_quietly(client)


if __name__ == "__main__":
    unittest.main()
