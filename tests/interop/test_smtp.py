"""Interop: Harbor's SMTP server (MX reception and submission) driven by real clients over real
sockets: the standard library's smtplib, swaks, curl, and a raw socket for BDAT (RFC 3030),
which no stock client speaks. After each 250 the store is read through `harbor mail list/show
--json` and `harbor queue list --json` on the server's own data directory, while it runs: the
250 promises a durable delivery (RFC 5321 §4.1.1.4), so the message must be visible at once.

ctest: interop_smtp; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_smtp
"""

import email
import email.utils
import os
import shutil
import smtplib
import socket
import subprocess
import tempfile
import unittest

import dkim

from harbor_harness import LOOPBACK, TLS_SERVER_NAME, HarborServer
from smtp_support import (CLIENT_NAME, IO_TIMEOUT, RECEIVED, REMOTE_SENDER, TOOL_TIMEOUT,
                          HarborCli, ScramClient, b64, close_quietly, harbor_binary,
                          dkim_signature_of, make_message, parse_stored, token, unb64)

class SmtpInteropCase(unittest.TestCase):
    """Shared plumbing: one demo server per class (started in setUpClass)."""

    server = None
    cli = None

    @classmethod
    def setUpClass(cls):
        cls.server = HarborServer(harbor_binary())
        cls.server.__enter__()
        cls.cli = HarborCli(cls.server.binary, cls.server.data_dir)
        cls.accounts = {a["address"].split("@")[0]: a for a in cls.server.accounts}

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def address(self, name):
        return self.accounts[name]["address"]

    def password(self, name):
        return self.accounts[name]["password"]

    def smtp(self, listener="smtp"):
        client = smtplib.SMTP(TLS_SERVER_NAME, self.server.ports[listener],
                              local_hostname=CLIENT_NAME, timeout=IO_TIMEOUT)
        self.addCleanup(close_quietly, client)
        return client

    def submission(self, name="alice", mechanism="PLAIN"):
        """A submission session after STARTTLS and AUTH as `name` with `mechanism`."""
        client = self.smtp("submission")
        client.starttls(context=self.server.tls_context())
        client.ehlo()
        client.user, client.password = self.address(name), self.password(name)
        method = {"PLAIN": client.auth_plain, "LOGIN": client.auth_login}[mechanism]
        code, _ = client.auth(mechanism, method, initial_response_ok=True)
        self.assertEqual(code, 235)
        return client

    def assert_signed_if_ours(self, stored, sender, protocol):
        """Mail an authenticated demo user sends from the demo domain carries the demo key's
        DKIM signature (demo.json "dkim"), which dkimpy verifies; other mail none."""
        signed = dkim_signature_of(stored)
        if protocol.endswith("A") and sender.endswith("@" + self.server.domain):
            self.assertIsNotNone(signed, stored[:300])
            key = self.server.demo["dkim"]
            name = f"{key['selector']}._domainkey.{key['domain']}.".encode()
            self.assertTrue(dkim.verify(signed, dnsfunc=lambda query, timeout=5:
                                        key["txt"].encode() if query == name else None))
        else:
            self.assertIsNone(signed, stored[:300])

    def assert_delivered(self, address, subject, sent, sender, protocol, recipient=None):
        """The stored copy is Return-Path + Delivered-To (+ our DKIM signature for mail from
        our users) + one Received + exactly `sent`."""
        entry, stored = self.cli.stored(address, subject)
        self.assert_signed_if_ours(stored, sender, protocol)
        self.assertEqual(entry["size"], len(stored))
        prefix, received, rest = parse_stored(stored)
        self.assertEqual(prefix, {"Return-Path": f"<{sender}>", "Delivered-To": address})
        match = RECEIVED.match(received)
        self.assertIsNotNone(match, received)
        self.assertEqual(match["protocol"], protocol, received)
        self.assertEqual(match["for"], recipient, received)
        self.assertEqual(match["ip"], LOOPBACK)
        self.assertEqual(rest, sent)
        return entry, stored, match


class MxReceptionTest(SmtpInteropCase):
    """smtplib on the MX listener (port 25 role): no authentication, local recipients only."""

    def test_plain_send_to_alice(self):
        subject = f"plain-{token()}"
        message = make_message(subject, REMOTE_SENDER, self.address("alice"))
        client = self.smtp()
        self.assertEqual(client.sendmail(REMOTE_SENDER, [self.address("alice")], message), {})
        entry, _, match = self.assert_delivered(self.address("alice"), subject, message,
                                                REMOTE_SENDER, "ESMTP", self.address("alice"))
        self.assertEqual(match["helo"], CLIENT_NAME)
        self.assertEqual(entry["message_id"], f"{subject}@{CLIENT_NAME}")
        self.assertEqual(entry["flags"], [])

    def test_forged_authentication_results_go_even_with_the_checks_off(self):
        """The demo runs no mail authentication checks; fields claiming its name still go
        (RFC 8601 §5), others stay."""
        subject = f"forged-{token()}"
        forged = (b"Authentication-Results: MAIL.EXAMPLE.TEST; dmarc=pass header.from=x.example\r\n"
                  b"Authentication-Results: other.example; spf=fail\r\n")
        message = make_message(subject, REMOTE_SENDER, self.address("alice"), extra=forged)
        self.assertEqual(self.smtp().sendmail(REMOTE_SENDER, [self.address("alice")], message), {})
        _, stored = self.cli.stored(self.address("alice"), subject)
        header = stored.split(b"\r\n\r\n", 1)[0] + b"\r\n"
        self.assertNotIn(b"dmarc=pass", header)
        self.assertIn(b"\r\nAuthentication-Results: other.example; spf=fail\r\n", header)
        self.assertEqual(header.count(b"Authentication-Results"), 1)

    def test_three_recipients_one_message_three_copies(self):
        """alice, bob and postmaster (an alias of admin): one transaction, one Received
        without "for" (several recipients), each copy with its own Delivered-To."""
        subject = f"three-{token()}"
        postmaster = "postmaster@" + self.server.domain
        recipients = [self.address("alice"), self.address("bob"), postmaster]
        message = make_message(subject, REMOTE_SENDER, ", ".join(recipients))
        client = self.smtp()
        self.assertEqual(client.sendmail(REMOTE_SENDER, recipients, message), {})
        ids = set()
        for name in ("alice", "bob", "admin"):
            with self.subTest(account=name):
                _, stored, match = self.assert_delivered(self.address(name), subject, message,
                                                         REMOTE_SENDER, "ESMTP", None)
                self.assertEqual(len(email.message_from_bytes(stored).get_all("Received")), 1)
                ids.add(match["id"])
        self.assertEqual(len(ids), 1, "the three copies come from different transactions")

    def test_starttls_received_shows_esmtps_and_tls_version(self):
        subject = f"starttls-{token()}"
        message = make_message(subject, REMOTE_SENDER, self.address("alice"))
        client = self.smtp()
        client.ehlo()
        self.assertTrue(client.has_extn("starttls"))
        code, _ = client.starttls(context=self.server.tls_context())
        self.assertEqual(code, 220)
        version, cipher = client.sock.version(), client.sock.cipher()[0]
        self.assertEqual(client.sendmail(REMOTE_SENDER, [self.address("alice")], message), {})
        _, _, match = self.assert_delivered(self.address("alice"), subject, message,
                                            REMOTE_SENDER, "ESMTPS", self.address("alice"))
        self.assertEqual(match["tls"], f"{version} {cipher}")

    def test_8bitmime_body(self):
        subject = f"8bit-{token()}"
        body = "Grüße aus Köln — ça marche, 東京.\r\n".encode("utf-8")
        message = make_message(subject, REMOTE_SENDER, self.address("alice"), body=body,
                               extra=b"MIME-Version: 1.0\r\n"
                                     b"Content-Type: text/plain; charset=utf-8\r\n"
                                     b"Content-Transfer-Encoding: 8bit\r\n")
        client = self.smtp()
        client.ehlo()
        self.assertTrue(client.has_extn("8bitmime"))
        self.assertEqual(client.sendmail(REMOTE_SENDER, [self.address("alice")], message,
                                         mail_options=["BODY=8BITMIME"]), {})
        self.assert_delivered(self.address("alice"), subject, message, REMOTE_SENDER, "ESMTP",
                              self.address("alice"))

    def test_smtputf8_sender(self):
        """RFC 6531: a UTF-8 local part and an IDN domain in MAIL FROM and in the header;
        Received says UTF8SMTP (RFC 6531 §3.7.3). Return-Path keeps the UTF-8 local part; the
        domain may come back as its A-label, which names the same domain (RFC 5890 §2.3.2.1)."""
        subject = f"utf8-{token()}"
        local, domain = "jörg.müller", "bücher.example"
        sender = f"{local}@{domain}"
        message = make_message(subject, sender, self.address("alice"))
        client = self.smtp()
        client.ehlo()
        self.assertTrue(client.has_extn("smtputf8"))
        self.assertEqual(client.sendmail(sender, [self.address("alice")], message,
                                         mail_options=["SMTPUTF8"]), {})
        entry, stored = self.cli.stored(self.address("alice"), subject)
        prefix, received, rest = parse_stored(stored)
        self.assertIn(prefix["Return-Path"],
                      [f"<{sender}>", f"<{local}@{domain.encode('idna').decode('ascii')}>"])
        self.assertEqual(prefix["Delivered-To"], self.address("alice"))
        match = RECEIVED.match(received)
        self.assertIsNotNone(match, received)
        self.assertEqual(match["protocol"], "UTF8SMTP", received)
        self.assertEqual(rest, message)
        self.assertEqual(entry["size"], len(stored))

    def test_smtputf8_recipient_through_an_alias(self):
        """A UTF-8 local part on our side: an alias added with the CLI while the server runs
        (the directory is read per RCPT), mail to it lands in alice's INBOX."""
        local = f"zoë-{token()}"
        alias = f"{local}@{self.server.domain}"
        self.cli.run("alias", "add", alias, self.address("alice"))
        subject = f"utf8-rcpt-{token()}"
        message = make_message(subject, REMOTE_SENDER, alias)
        client = self.smtp()
        self.assertEqual(client.sendmail(REMOTE_SENDER, [alias], message,
                                         mail_options=["SMTPUTF8"]), {})
        entry, stored = self.cli.stored(self.address("alice"), subject)
        prefix, received, rest = parse_stored(stored)
        self.assertEqual(prefix, {"Return-Path": f"<{REMOTE_SENDER}>",
                                  "Delivered-To": self.address("alice")})
        self.assertEqual(rest, message)
        match = RECEIVED.match(received)
        self.assertIsNotNone(match, received)
        self.assertEqual(match["protocol"], "UTF8SMTP", received)
        if match["for"] != alias:
            self.fail(f"HARBOR BUG (src/smtp/server/received.cpp printable()): in an SMTPUTF8 "
                      f"transaction the Received 'for' clause should carry the recipient as "
                      f"sent, in UTF-8 (RFC 6531 §3.7.3 extends the trace fields' Mailbox to "
                      f"UTF-8; RFC 6532 allows UTF-8 in the header of such a message). "
                      f"RCPT TO:<{alias}> gave 'for <{match['for']}>': every byte of each "
                      f"non-ASCII character became '?'. Received: {received}")


    def test_relay_to_an_external_domain_is_refused(self):
        subject = f"relay-{token()}"
        target = f"victim-{token()}@elsewhere.example"
        message = make_message(subject, REMOTE_SENDER, target)
        client = self.smtp()
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail(REMOTE_SENDER, [target], message)
        code, text = refused.exception.recipients[target]
        self.assertEqual(code, 554, text)
        self.assertTrue(text.startswith(b"5.7.1"), text)
        self.assertNotIn(target, [r["address"] for q in self.cli.queue()
                                  for r in q["recipients"]])


class SubmissionTest(SmtpInteropCase):
    """smtplib on submission (587, STARTTLS) and submissions (465, implicit TLS)."""

    def send_authenticated(self, client, mechanism):
        alice, bob = self.address("alice"), self.address("bob")
        subject = f"auth-{mechanism.lower()}-{token()}"
        message = make_message(subject, alice, bob)
        self.assertEqual(client.sendmail(alice, [bob], message), {})
        _, _, match = self.assert_delivered(bob, subject, message, alice, "ESMTPSA", bob)
        self.assertEqual(match["auth"], alice)
        return match

    def test_auth_plain(self):
        self.send_authenticated(self.submission(mechanism="PLAIN"), "PLAIN")

    def test_auth_login(self):
        self.send_authenticated(self.submission(mechanism="LOGIN"), "LOGIN")

    def test_missing_date_and_message_id_are_added(self):
        """RFC 6409 §8.2, §8.3: the submission server adds Date and Message-ID, after our
        Received field and before the client's header."""
        alice, bob = self.address("alice"), self.address("bob")
        subject = f"bare-{token()}"
        message = make_message(subject, alice, bob, date=False, message_id=False)
        client = self.submission()
        self.assertEqual(client.sendmail(alice, [bob], message), {})
        entry, stored = self.cli.stored(bob, subject)
        _, _, rest = parse_stored(stored)
        added, separator, original = rest.partition(b"From: ")
        self.assertEqual(separator + original, message)
        fields = email.message_from_bytes(added + b"\r\n")
        self.assertEqual(sorted(fields.keys()), ["Date", "Message-ID"], added)
        self.assertIsNotNone(email.utils.parsedate_to_datetime(fields["Date"]))
        self.assertRegex(fields["Message-ID"], r"^<[^<>@\s]+@[^<>@\s]+>$")
        self.assertEqual(f"<{entry['message_id']}>", fields["Message-ID"])

    def test_external_recipient_is_queued(self):
        alice = self.address("alice")
        target = f"friend-{token()}@remote.example"
        subject = f"queued-{token()}"
        message = make_message(subject, alice, target)
        client = self.submission()
        self.assertEqual(client.sendmail(alice, [target], message,
                                         mail_options=["BODY=8BITMIME"]), {})
        queued = [q for q in self.cli.queue()
                  if target in [r["address"] for r in q["recipients"]]]
        self.assertEqual(len(queued), 1, self.cli.queue())
        entry = queued[0]
        self.assertEqual(entry["sender"], alice)
        self.assertEqual([r["address"] for r in entry["recipients"]], [target])
        self.assertEqual(entry["params"].get("body"), "8BITMIME", entry)
        # The queued blob is our Received field followed by the message as sent.
        self.assertGreater(entry["size"], len(message))
        self.assertEqual(self.cli.mail_list(alice)["address"], alice)
        self.assertNotIn(subject, [m["subject"] for box in self.cli.mail_list(alice)["mailboxes"]
                                   for m in box["messages"]])

    def test_from_header_of_another_account_is_refused(self):
        alice, bob = self.address("alice"), self.address("bob")
        subject = f"spoof-{token()}"
        message = make_message(subject, bob, alice)
        client = self.submission()
        with self.assertRaises(smtplib.SMTPDataError) as refused:
            client.sendmail(alice, [alice], message)
        self.assertEqual(refused.exception.smtp_code, 553)
        self.assertTrue(refused.exception.smtp_error.startswith(b"5.7.1"))
        self.assertNotIn(subject, self.subjects(alice))

    def test_a_second_from_field_is_refused(self):
        """RFC 5322 §3.6: one From. A second, someone else's, would escape the check and be
        covered by our DKIM signature."""
        alice, bob = self.address("alice"), self.address("bob")
        subject = f"two-from-{token()}"
        message = make_message(subject, alice, alice, extra=f"From: {bob}\r\n".encode())
        client = self.submission()
        with self.assertRaises(smtplib.SMTPDataError) as refused:
            client.sendmail(alice, [alice], message)
        self.assertEqual(refused.exception.smtp_code, 553)
        self.assertEqual(refused.exception.smtp_error,
                         b"5.7.1 Message has more than one From: field")
        self.assertNotIn(subject, self.subjects(alice))

    def test_envelope_sender_of_another_account_is_refused(self):
        alice, bob = self.address("alice"), self.address("bob")
        message = make_message(f"spoof-env-{token()}", bob, alice)
        client = self.submission()
        with self.assertRaises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail(bob, [alice], message)
        self.assertEqual(refused.exception.smtp_code, 553)

    def subjects(self, address):
        return [m["subject"] for box in self.cli.mail_list(address)["mailboxes"]
                for m in box["messages"]]

    def test_scram_sha_256(self):
        """RFC 5802 / RFC 7677 client side, RFC 4954 framing: the server's final message comes
        in a 334 challenge; the client checks its signature, then sends an empty line."""
        client = self.smtp("submission")
        client.starttls(context=self.server.tls_context())
        client.ehlo()
        self.assertIn("SCRAM-SHA-256", client.esmtp_features.get("auth", "").split())
        scram = ScramClient(self.address("alice"), self.password("alice"))
        code, challenge = client.docmd("AUTH", "SCRAM-SHA-256 " + b64(scram.client_first()))
        self.assertEqual(code, 334, challenge)
        code, challenge = client.docmd(b64(scram.client_final(unb64(challenge))))
        self.assertEqual(code, 334, challenge)
        server_final = unb64(challenge)
        self.assertTrue(scram.verify_server_final(server_final),
                        f"server signature does not verify: {server_final!r}")
        code, text = client.docmd("")
        self.assertEqual(code, 235, text)
        alice, bob = self.address("alice"), self.address("bob")
        subject = f"scram-{token()}"
        message = make_message(subject, alice, bob)
        self.assertEqual(client.sendmail(alice, [bob], message), {})
        _, _, match = self.assert_delivered(bob, subject, message, alice, "ESMTPSA", bob)
        self.assertEqual(match["auth"], alice)

    def test_implicit_tls_submissions(self):
        client = smtplib.SMTP_SSL(TLS_SERVER_NAME, self.server.ports["submissions"],
                                  local_hostname=CLIENT_NAME, timeout=IO_TIMEOUT,
                                  context=self.server.tls_context())
        self.addCleanup(close_quietly, client)
        client.login(self.address("alice"), self.password("alice"))
        self.send_authenticated(client, "IMPLICIT")


class AuthFailureTest(SmtpInteropCase):
    """Wrong credentials, on a server of their own: failures feed the login throttle, which
    must not lock out the other classes' logins from 127.0.0.1."""

    def test_wrong_password_gives_535(self):
        client = self.smtp("submission")
        client.starttls(context=self.server.tls_context())
        with self.assertRaises(smtplib.SMTPAuthenticationError) as refused:
            client.login(self.address("alice"), self.password("alice") + "x")
        self.assertEqual(refused.exception.smtp_code, 535)
        self.assertTrue(refused.exception.smtp_error.startswith(b"5.7.8"))

    def test_scram_with_a_wrong_password_gives_535(self):
        client = self.smtp("submission")
        client.starttls(context=self.server.tls_context())
        client.ehlo()
        scram = ScramClient(self.address("alice"), "not the password at all")
        code, challenge = client.docmd("AUTH", "SCRAM-SHA-256 " + b64(scram.client_first()))
        self.assertEqual(code, 334, challenge)
        code, text = client.docmd(b64(scram.client_final(unb64(challenge))))
        self.assertEqual(code, 535, text)


class ToolsTest(SmtpInteropCase):
    """swaks and curl: other people's SMTP clients, as administrators use them."""

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="harbor-smtp-tools-")
        self.addCleanup(shutil.rmtree, self.workdir, True)

    def tool(self, *argv):
        if shutil.which(argv[0]) is None:
            self.fail(f"{argv[0]} is not installed (scripts/deps installs the test tools)")
        result = subprocess.run(argv, capture_output=True, timeout=TOOL_TIMEOUT,
                                stdin=subprocess.DEVNULL)
        self.assertEqual(result.returncode, 0,
                         f"{' '.join(argv)} exited {result.returncode}\n"
                         f"{result.stdout.decode('utf-8', 'replace')}\n"
                         f"{result.stderr.decode('utf-8', 'replace')}")
        return result.stdout.decode("utf-8", "replace")

    def swaks(self, port, sender, recipient, subject, *options):
        return self.tool("swaks", "--server", LOOPBACK, "--port", str(port),
                         "--helo", CLIENT_NAME, "--from", sender, "--to", recipient,
                         "--header", f"Subject: {subject}",
                         "--header", f"Message-Id: <{subject}@{CLIENT_NAME}>",
                         "--body", f"swaks says hello ({subject})", "--timeout", "20",
                         *options)

    def swaks_tls(self):
        support = subprocess.run(["swaks", "--support"], capture_output=True, text=True,
                                 timeout=TOOL_TIMEOUT)
        if "TLS supported" not in support.stdout + support.stderr:
            self.fail("swaks has no TLS support: install libnet-ssleay-perl")
        return ["--tls", "--tls-verify", "--tls-ca-path", self.server.certificate]

    def assert_swaks_delivered(self, address, subject, sender, protocol):
        entry, stored = self.cli.stored(address, subject)
        self.assert_signed_if_ours(stored, sender, protocol)
        prefix, received, rest = parse_stored(stored)
        self.assertEqual(prefix, {"Return-Path": f"<{sender}>", "Delivered-To": address})
        match = RECEIVED.match(received)
        self.assertIsNotNone(match, received)
        self.assertEqual(match["protocol"], protocol, received)
        self.assertEqual(match["helo"], CLIENT_NAME)
        self.assertEqual(entry["message_id"], f"{subject}@{CLIENT_NAME}")
        self.assertIn(f"swaks says hello ({subject})".encode(), rest)
        self.assertTrue(rest.endswith(b"\r\n"), rest[-40:])
        return match

    def test_swaks_plain(self):
        subject = f"swaks-{token()}"
        self.swaks(self.server.ports["smtp"], REMOTE_SENDER, self.address("alice"), subject)
        self.assert_swaks_delivered(self.address("alice"), subject, REMOTE_SENDER, "ESMTP")

    def test_swaks_starttls(self):
        subject = f"swaks-tls-{token()}"
        self.swaks(self.server.ports["smtp"], REMOTE_SENDER, self.address("alice"), subject,
                   *self.swaks_tls())
        match = self.assert_swaks_delivered(self.address("alice"), subject, REMOTE_SENDER,
                                            "ESMTPS")
        self.assertTrue(match["tls"].startswith("TLSv1."), match["tls"])

    def test_swaks_auth_plain_and_login_on_submission(self):
        alice, bob = self.address("alice"), self.address("bob")
        for mechanism in ("PLAIN", "LOGIN"):
            with self.subTest(mechanism=mechanism):
                subject = f"swaks-{mechanism.lower()}-{token()}"
                self.swaks(self.server.ports["submission"], alice, bob, subject,
                           *self.swaks_tls(), "--auth", mechanism, "--auth-user", alice,
                           "--auth-password", self.password("alice"))
                match = self.assert_swaks_delivered(bob, subject, alice, "ESMTPSA")
                self.assertEqual(match["auth"], alice)

    def test_swaks_pipelining(self):
        subject = f"swaks-pipe-{token()}"
        output = self.swaks(self.server.ports["smtp"], REMOTE_SENDER, self.address("alice"),
                            subject, "--pipeline")
        self.assertNotIn("does not support PIPELINING", output)
        self.assert_swaks_delivered(self.address("alice"), subject, REMOTE_SENDER, "ESMTP")

    def write_message(self, message):
        path = os.path.join(self.workdir, "message.eml")
        with open(path, "wb") as handle:
            handle.write(message)
        return path

    def test_curl_smtp(self):
        subject = f"curl-{token()}"
        message = make_message(subject, REMOTE_SENDER, self.address("alice"))
        self.tool("curl", "--silent", "--show-error", "--max-time", "30",
                  f"smtp://{LOOPBACK}:{self.server.ports['smtp']}/{CLIENT_NAME}",
                  "--mail-from", REMOTE_SENDER, "--mail-rcpt", self.address("alice"),
                  "--upload-file", self.write_message(message))
        self.assert_delivered(self.address("alice"), subject, message, REMOTE_SENDER, "ESMTP",
                              self.address("alice"))

    def test_curl_smtps_with_auth(self):
        """Implicit TLS on 465 with the certificate verified for 127.0.0.1 (the demo
        certificate lists IP:127.0.0.1), then AUTH with the mechanism curl picks."""
        alice, bob = self.address("alice"), self.address("bob")
        subject = f"curl-smtps-{token()}"
        message = make_message(subject, alice, bob)
        self.tool("curl", "--silent", "--show-error", "--max-time", "30",
                  f"smtps://{LOOPBACK}:{self.server.ports['submissions']}/{CLIENT_NAME}",
                  "--cacert", self.server.certificate,
                  "--user", f"{alice}:{self.password('alice')}",
                  "--mail-from", alice, "--mail-rcpt", bob,
                  "--upload-file", self.write_message(message))
        _, _, match = self.assert_delivered(bob, subject, message, alice, "ESMTPSA", bob)
        self.assertEqual(match["auth"], alice)


class BdatTest(SmtpInteropCase):
    """CHUNKING (RFC 3030) over a raw socket: Python has no BDAT client."""

    def connect(self):
        sock = socket.create_connection((LOOPBACK, self.server.ports["smtp"]),
                                        timeout=IO_TIMEOUT)
        self.addCleanup(sock.close)
        reader = sock.makefile("rb")
        self.addCleanup(reader.close)
        return sock, reader

    def reply(self, reader):
        """One (possibly multi-line) reply as (code, [texts])."""
        texts = []
        while True:
            line = reader.readline(4096)
            if not line.endswith(b"\r\n"):
                raise AssertionError(f"connection closed or line too long: {line!r}")
            texts.append(line[4:-2].decode("utf-8", "replace"))
            if line[3:4] != b"-":
                return int(line[:3]), texts

    def command(self, sock, reader, line, want):
        sock.sendall(line)
        code, texts = self.reply(reader)
        self.assertEqual(code, want, f"{line[:60]!r} -> {code} {texts}")
        return texts

    def test_bdat_chunks_are_stored_byte_for_byte(self):
        """Three chunks, the second boundary inside a CRLF; lines that DATA would dot-unstuff
        or end on (".", "..x") are plain data under BDAT and must be stored as sent."""
        subject = f"bdat-{token()}"
        alice = self.address("alice")
        message = make_message(subject, REMOTE_SENDER, alice,
                               body=b"first line\r\n.\r\n..two dots stay two\r\nlast\r\n")
        sock, reader = self.connect()
        self.assertEqual(self.reply(reader)[0], 220)
        features = self.command(sock, reader, f"EHLO {CLIENT_NAME}\r\n".encode(), 250)
        self.assertIn("CHUNKING", features)
        self.command(sock, reader, f"MAIL FROM:<{REMOTE_SENDER}>\r\n".encode(), 250)
        self.command(sock, reader, f"RCPT TO:<{alice}>\r\n".encode(), 250)
        cut_in_crlf = message.index(b"\r\n.\r\n") + 1
        for chunk in (message[:40], message[40:cut_in_crlf]):
            self.command(sock, reader, b"BDAT %d\r\n" % len(chunk) + chunk, 250)
        last = message[cut_in_crlf:]
        self.command(sock, reader, b"BDAT %d\r\n" % len(last) + last, 250)
        texts = self.command(sock, reader, b"BDAT 0 LAST\r\n", 250)
        self.assertTrue(texts[0].startswith("2.0.0"), texts)
        self.assert_delivered(alice, subject, message, REMOTE_SENDER, "ESMTP", alice)
        self.command(sock, reader, b"QUIT\r\n", 221)


if __name__ == "__main__":
    unittest.main()
