"""Interop: Harbor's IMAP server (RFC 9051) driven by Python's imaplib over `harbor serve
--demo`: LOGIN and AUTHENTICATE (PLAIN, SCRAM-SHA-256) over STARTTLS and implicit TLS, mail
delivered over SMTP with smtplib then listed, selected and fetched, APPEND read back byte for
byte, LOGINDISABLED on a plaintext listener that is not trusted (harbor.toml, SECURITY-CASES
30), the per-account IMAP right (`harbor user set --no-imap`), and curl's imap:// and
imaps:// when curl is installed.

ctest: interop_imap; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_imap
"""

import email
import imaplib
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import unittest

from harbor_harness import TLS_SERVER_NAME, HarborServer
from smtp_support import (CLIENT_NAME, IO_TIMEOUT, REMOTE_SENDER, TOOL_TIMEOUT, HarborCli,
                          ScramClient, close_quietly, harbor_binary, make_message, token)
from configured_harbor import ConfiguredHarbor, make_certificate


def logout_quietly(client):
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


class ImapTest(unittest.TestCase):
    server = None

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

    def imap(self, tls="starttls"):
        """An imaplib client on the imap listener after STARTTLS, or on imaps."""
        context = self.server.tls_context()
        if tls == "implicit":
            client = imaplib.IMAP4_SSL(TLS_SERVER_NAME, self.server.ports["imaps"],
                                       ssl_context=context, timeout=IO_TIMEOUT)
        else:
            client = imaplib.IMAP4(TLS_SERVER_NAME, self.server.ports["imap"],
                                   timeout=IO_TIMEOUT)
            self.assertEqual(client.starttls(ssl_context=context)[0], "OK")
        self.addCleanup(logout_quietly, client)
        return client

    def deliver(self, recipient, subject):
        """One message over SMTP (the MX listener) to a local recipient."""
        message = make_message(subject, REMOTE_SENDER, recipient)
        client = smtplib.SMTP(TLS_SERVER_NAME, self.server.ports["smtp"],
                              local_hostname=CLIENT_NAME, timeout=IO_TIMEOUT)
        try:
            client.sendmail(REMOTE_SENDER, [recipient], message)
        finally:
            close_quietly(client)

    def test_capabilities_before_and_after_tls(self):
        client = imaplib.IMAP4(TLS_SERVER_NAME, self.server.ports["imap"], timeout=IO_TIMEOUT)
        self.addCleanup(logout_quietly, client)
        self.assertIn("STARTTLS", client.capabilities)
        self.assertIn("IMAP4REV1", client.capabilities)
        client.starttls(ssl_context=self.server.tls_context())
        self.assertNotIn("STARTTLS", client.capabilities)
        self.assertIn("AUTH=SCRAM-SHA-256", client.capabilities)

    def test_delivered_mail_is_fetched(self):
        subject = "imap interop " + token()
        self.deliver(self.address("alice"), subject)
        for tls in ("starttls", "implicit"):
            with self.subTest(tls=tls):
                client = self.imap(tls)
                self.assertEqual(client.login(self.address("alice"),
                                              self.password("alice"))[0], "OK")
                status, data = client.select("INBOX", readonly=True)
                self.assertEqual(status, "OK")
                count = int(data[0])
                self.assertGreaterEqual(count, 1)
                status, data = client.fetch(str(count), "(ENVELOPE BODY.PEEK[HEADER.FIELDS "
                                                        "(SUBJECT)] RFC822.SIZE)")
                self.assertEqual(status, "OK")
                self.assertIn(subject.encode(), data[0][1])
                self.assertIn(subject.encode(), data[0][0])
                status, data = client.fetch(str(count), "(BODY.PEEK[])")
                parsed = email.message_from_bytes(data[0][1])
                self.assertEqual(parsed["Subject"], subject)
                self.assertEqual(parsed["From"], REMOTE_SENDER)

    def test_append_reads_back_byte_for_byte(self):
        client = self.imap("implicit")
        client.login(self.address("bob"), self.password("bob"))
        body = ("Subject: appended " + token() + "\r\n\r\nline one\r\nline two\r\n").encode()
        # The first APPEND may have to create INBOX; the second must report APPENDUID.
        self.assertEqual(client.append("INBOX", None, None, body)[0], "OK")
        status, data = client.append("INBOX", "(\\Flagged)", None, body)
        self.assertEqual(status, "OK")
        self.assertIn(b"APPENDUID", data[0])
        uid = data[0].split(b"APPENDUID ")[1].split(b"]")[0].split()[1].decode()
        client.select("INBOX")
        status, data = client.uid("FETCH", uid, "(FLAGS BODY.PEEK[] BODYSTRUCTURE)")
        self.assertEqual(status, "OK")
        self.assertEqual(data[0][1], body)
        self.assertIn(b"\\Flagged", data[0][0])
        status, data = client.list()
        self.assertEqual(status, "OK")
        self.assertTrue(any(b'"INBOX"' in line for line in data))

    def test_authenticate_scram_sha_256(self):
        client = self.imap()
        scram = ScramClient(self.address("alice"), self.password("alice"))
        steps = iter([scram.client_first])
        final = []

        def respond(challenge):
            step = next(steps, None)
            if step is not None:
                steps_left.append(scram.client_final)
                return step()
            if steps_left:
                return steps_left.pop()(challenge.decode())
            final.append(scram.verify_server_final(challenge.decode()))
            return b""
        steps_left = []
        self.assertEqual(client.authenticate("SCRAM-SHA-256", respond)[0], "OK")
        self.assertEqual(final, [True])

    def test_wrong_password_and_missing_right(self):
        client = self.imap()
        with self.assertRaisesRegex(imaplib.IMAP4.error, "AUTHENTICATIONFAILED"):
            client.login(self.address("alice"), "wrong-password")
        account = self.server.account("user", 1)["address"]
        self.cli.run("user", "set", account, "--no-imap")
        try:
            client = self.imap()
            with self.assertRaisesRegex(imaplib.IMAP4.error, "AUTHENTICATIONFAILED"):
                client.login(account, self.password(account.split("@")[0]))
        finally:
            self.cli.run("user", "set", account, "--imap")
        client = self.imap()
        self.assertEqual(client.login(account, self.password(account.split("@")[0]))[0], "OK")

    @unittest.skipUnless(shutil.which("curl"), "curl is not installed")
    def test_curl_imap_and_imaps(self):
        subject = "curl interop " + token()
        self.deliver(self.address("alice"), subject)
        user = f"{self.address('alice')}:{self.password('alice')}"
        ports = self.server.ports
        for url, extra in ((f"imap://127.0.0.1:{ports['imap']}/INBOX", ["--ssl-reqd"]),
                           (f"imaps://127.0.0.1:{ports['imaps']}/INBOX", [])):
            with self.subTest(url=url):
                result = subprocess.run(
                    ["curl", "-sS", "--max-time", str(int(TOOL_TIMEOUT)), "--cacert",
                     str(self.server.certificate), *extra, "-u", user, url,
                     "-X", "FETCH 1:* (ENVELOPE)"],
                    capture_output=True, timeout=TOOL_TIMEOUT)
                self.assertEqual(result.returncode, 0, result.stderr.decode())
                self.assertIn(subject.encode(), result.stdout)


class UntrustedPlaintextTest(unittest.TestCase):
    """An imap listener without trusted_plaintext (`harbor serve -c`): no password before TLS
    (RFC 9051 §6.2.3 LOGINDISABLED, SECURITY-CASES 30), LOGIN refused with PRIVACYREQUIRED
    without the credentials being looked at; after STARTTLS, AUTH= is offered."""

    def setUp(self):
        workdir = tempfile.mkdtemp(prefix="harbor-imap-")
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        self.tls = make_certificate(workdir, "imap", "localhost")
        self.harbor = ConfiguredHarbor(
            harbor_binary(), workdir,
            [{"name": "imap", "protocol": "imap", "address": "127.0.0.1", "port": "imap",
              "tls": "starttls"}], self.tls)
        self.harbor.start()
        self.addCleanup(self.harbor.stop)

    def test_login_disabled_before_tls(self):
        port = self.harbor.ports["imap"]
        with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as sock:
            reader = sock.makefile("rb")
            greeting = reader.readline()
            self.assertIn(b"LOGINDISABLED", greeting)
            self.assertNotIn(b"AUTH=", greeting)
            sock.sendall(b"a LOGIN someone@example.test secret-password\r\n")
            self.assertRegex(reader.readline(), rb"^a NO \[PRIVACYREQUIRED\] ")
            sock.sendall(b"b AUTHENTICATE PLAIN AGEAYg==\r\n")
            self.assertRegex(reader.readline(), rb"^b NO \[PRIVACYREQUIRED\] ")
            self.assertNotIn("imap.auth.failed", self.harbor.log())
        client = imaplib.IMAP4("localhost", port, timeout=IO_TIMEOUT)
        self.addCleanup(logout_quietly, client)
        context = ssl.create_default_context(cafile=self.tls[0])
        self.assertEqual(client.starttls(ssl_context=context)[0], "OK")
        self.assertIn("AUTH=PLAIN", client.capabilities)
        self.assertNotIn("LOGINDISABLED", client.capabilities)


if __name__ == "__main__":
    unittest.main()
