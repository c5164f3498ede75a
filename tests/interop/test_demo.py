"""Interop: `harbor serve --demo` keeps its contract (demo.json, listeners, greetings,
SIGTERM, restart) with the standard library's own clients. ctest: interop_demo; by hand in
tests/interop: HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_demo
"""

import http.client
import imaplib
import json
import os
import poplib
import re
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harbor_harness import (IMPLICIT_TLS, LOOPBACK, PORT_OFFSETS, TLS_SERVER_NAME,
                            HarborServer)

IO_TIMEOUT = 10.0
STOP_WITHIN = 5.0
MIN_PASSWORD_LENGTH = 12

# The first line each listener must send (RFC 5321 §4.2, RFC 9051 §7.1.1, RFC 1939 §4).
SMTP_GREETING = re.compile(r"220 \S+ ESMTP Harbor(?: .*)?")
IMAP_GREETING = re.compile(r"\* OK \[CAPABILITY [^\]]*\bIMAP4rev2\b[^\]]*\] .*")
POP3_GREETING = re.compile(r"\+OK(?: .*)?")
GREETINGS = {
    "smtp": SMTP_GREETING, "submission": SMTP_GREETING, "submissions": SMTP_GREETING,
    "imap": IMAP_GREETING, "imaps": IMAP_GREETING,
    "pop3": POP3_GREETING, "pop3s": POP3_GREETING,
}


def harbor_binary():
    """The binary under test; ctest passes it in HARBOR_BIN."""
    binary = os.environ.get("HARBOR_BIN")
    if not binary:
        raise unittest.SkipTest("set HARBOR_BIN to the harbor binary (ctest does)")
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"HARBOR_BIN={binary} is not an executable file")
    return binary


def read_line(sock):
    """One CRLF-terminated line (without CRLF), bounded in time and length."""
    data = bytearray()
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError(f"closed after {bytes(data)!r}")
        data += chunk
        if len(data) > 4096:
            raise ValueError(f"greeting line too long: {bytes(data[:80])!r}...")
    return data[:-2].decode("utf-8", errors="replace")


def open_connection(server, listener):
    """A connected socket to `listener`, TLS-wrapped (and verified) for implicit-TLS ports."""
    sock = socket.create_connection((LOOPBACK, server.ports[listener]), timeout=IO_TIMEOUT)
    if listener not in IMPLICIT_TLS:
        return sock
    try:
        return server.tls_context().wrap_socket(sock, server_hostname=TLS_SERVER_NAME)
    except BaseException:
        sock.close()
        raise


class DemoServerTest(unittest.TestCase):
    """Read-only checks sharing one server (the suite runs in parallel with others)."""

    @classmethod
    def setUpClass(cls):
        cls.server = HarborServer(harbor_binary())
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_demo_json_domain_and_certificate(self):
        self.assertEqual(self.server.domain, "example.test")
        certificate = self.server.certificate
        self.assertTrue(os.path.isabs(certificate), certificate)
        with open(certificate, encoding="ascii", errors="replace") as handle:
            pem = handle.read()
        self.assertIn("-----BEGIN CERTIFICATE-----", pem)
        self.assertIn("-----END CERTIFICATE-----", pem)
        ssl.PEM_cert_to_DER_cert(pem[pem.index("-----BEGIN CERTIFICATE-----"):
                                     pem.index("-----END CERTIFICATE-----") + 25])

    def test_demo_json_accounts(self):
        accounts = self.server.accounts
        self.assertEqual(sorted(a.get("role") for a in accounts), ["admin", "user", "user"])
        addresses = [a.get("address") for a in accounts]
        self.assertEqual(len(set(addresses)), 3, addresses)
        for account in accounts:
            with self.subTest(account=account.get("address")):
                self.assertRegex(account["address"], r"^[^@\s]+@example\.test$")
                self.assertIsInstance(account["password"], str)
                self.assertGreaterEqual(len(account["password"]), MIN_PASSWORD_LENGTH)

    def test_demo_json_dkim_key(self):
        """The demo signs its users' mail (issue 8); demo.json says what to publish."""
        key = self.server.demo["dkim"]
        self.assertEqual(key["domain"], "example.test")
        self.assertRegex(key["selector"], r"^[a-z0-9-]+$")
        self.assertRegex(key["txt"], r"^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+=*$")

    def test_demo_json_ports(self):
        ports = self.server.ports
        self.assertEqual(set(ports), set(PORT_OFFSETS))
        base = self.server.port_base
        for name, offset in PORT_OFFSETS.items():
            self.assertEqual(ports[name], base + offset, name)

    def test_the_cli_finds_the_demo_daemon_through_its_directory(self):
        # The control socket lives in the demo directory: `harbor -d DIR ports` reaches it.
        result = subprocess.run([self.server.binary, "-d", self.server.data_dir, "ports",
                                 "--json"], capture_output=True, timeout=IO_TIMEOUT, check=True)
        listed = {entry["name"]: entry for entry in json.loads(result.stdout)["listeners"]}
        self.assertEqual(set(listed), set(self.server.ports))
        for name, port in self.server.ports.items():
            self.assertEqual(listed[name]["local"], f"{LOOPBACK}:{port}")
            self.assertEqual(listed[name]["state"], "LISTENING")

    def test_every_listener_greets(self):
        for listener, greeting in GREETINGS.items():
            with self.subTest(listener=listener), open_connection(self.server, listener) as sock:
                self.assertRegex(read_line(sock), greeting)

    def test_http_listener_serves_a_page(self):
        client = http.client.HTTPConnection(LOOPBACK, self.server.ports["http"],
                                            timeout=IO_TIMEOUT)
        try:
            client.request("GET", "/", headers={"Host": "localhost"})
            response = client.getresponse()
            body = response.read()
        finally:
            client.close()
        self.assertEqual(response.status, 200)
        self.assertTrue(body)

    def test_tls_listeners_reject_a_wrong_name(self):
        """The demo certificate is verified, not just accepted: a wrong name fails."""
        for listener in sorted(IMPLICIT_TLS):
            with self.subTest(listener=listener):
                sock = socket.create_connection((LOOPBACK, self.server.ports[listener]),
                                                timeout=IO_TIMEOUT)
                with self.assertRaises(ssl.SSLCertVerificationError):
                    self.server.tls_context().wrap_socket(
                        sock, server_hostname="wrong.invalid").close()
                sock.close()

    def test_smtplib_connects_and_quits(self):
        client = smtplib.SMTP(LOOPBACK, self.server.ports["smtp"],
                              local_hostname="client.example", timeout=IO_TIMEOUT)
        code, _ = client.quit()
        self.assertEqual(code, 221)

    def test_poplib_welcome(self):
        client = poplib.POP3(LOOPBACK, self.server.ports["pop3"], timeout=IO_TIMEOUT)
        try:
            self.assertTrue(client.getwelcome().startswith(b"+OK"), client.getwelcome())
        finally:
            self.assertTrue(client.quit().startswith(b"+OK"))

    def test_smtplib_starttls(self):
        """smtplib's STARTTLS path (RFC 3207): EHLO, upgrade with certificate checks, EHLO."""
        client = smtplib.SMTP(TLS_SERVER_NAME, self.server.ports["submission"],
                              local_hostname="client.example", timeout=IO_TIMEOUT)
        try:
            client.ehlo()
            self.assertTrue(client.has_extn("starttls"))
            code, _ = client.starttls(context=self.server.tls_context())
            self.assertEqual(code, 220)
            client.ehlo()
            self.assertFalse(client.has_extn("starttls"))
        finally:
            client.quit()

    def test_imaplib_starttls(self):
        client = imaplib.IMAP4(TLS_SERVER_NAME, self.server.ports["imap"], timeout=IO_TIMEOUT)
        status, _ = client.starttls(ssl_context=self.server.tls_context())
        self.assertEqual(status, "OK")
        self.assertNotIn("STARTTLS", client.capabilities)
        self.assertEqual(client.logout()[0], "BYE")

    def test_poplib_stls(self):
        client = poplib.POP3(TLS_SERVER_NAME, self.server.ports["pop3"], timeout=IO_TIMEOUT)
        self.assertTrue(client.stls(context=self.server.tls_context()).startswith(b"+OK"))
        self.assertTrue(client.quit().startswith(b"+OK"))

    def test_imaplib_greets_and_logs_out(self):
        """imaplib sends CAPABILITY right after the greeting and needs IMAP4rev1 listed
        (Python 3.11 does not know IMAP4rev2), so this is a real interop requirement."""
        try:
            client = imaplib.IMAP4(LOOPBACK, self.server.ports["imap"], timeout=IO_TIMEOUT)
        except imaplib.IMAP4.error as error:
            self.fail(f"imaplib cannot talk to Harbor: {error} (it needs IMAP4rev1 in "
                      "CAPABILITY next to IMAP4rev2; RFC 9051 servers may advertise both)")
        self.assertIn(b"Harbor", client.welcome)
        status, _ = client.logout()
        self.assertEqual(status, "BYE")


class LifecycleTest(unittest.TestCase):
    """Each test owns its server: they stop and restart it."""

    def test_sigterm_exits_zero_quickly(self):
        server = HarborServer(harbor_binary(), stop_timeout=STOP_WITHIN)
        with server:
            started = time.monotonic()
            code = server.stop()
            elapsed = time.monotonic() - started
        self.assertEqual(code, 0)
        self.assertLess(elapsed, STOP_WITHIN)

    def test_restart_keeps_certificate_and_accounts(self):
        with tempfile.TemporaryDirectory(prefix="harbor-restart-") as tmpdir:
            with HarborServer(harbor_binary(), tmpdir) as first:
                cert_path, cert = first.certificate, read_bytes(first.certificate)
                passwords = {a["address"]: a["password"] for a in first.accounts}
                dkim_key = first.demo["dkim"]
            with HarborServer(harbor_binary(), tmpdir) as second:
                self.assertEqual(second.demo["dkim"], dkim_key, "the DKIM key changed on restart")
                self.assertNotEqual(second.port_base, None)
                self.assertEqual(read_bytes(second.certificate), cert,
                                 "the certificate was regenerated on restart")
                self.assertEqual(second.certificate, cert_path)
                self.assertEqual({a["address"]: a["password"] for a in second.accounts},
                                 passwords, "accounts changed on restart")
                with open_connection(second, "imaps") as sock:
                    self.assertRegex(read_line(sock), IMAP_GREETING)


def read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


if __name__ == "__main__":
    unittest.main()
