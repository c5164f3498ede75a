"""Interop: Harbor's POP3 server (RFC 1939 with RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH) over
`harbor serve --demo`, driven by real clients, each confined to a temporary directory:
- Python's poplib over STLS and pop3s: CAPA, USER/PASS, STAT/LIST/UIDL/RETR/TOP byte for byte
  against the IMAP copy (LIST sizes are what RETR sends), AUTH SCRAM-SHA-256 and PLAIN.
- curl pop3:// (STLS, --ssl-reqd) and pop3s://: LIST and RETR.
- fetchmail over POP3 with STLS and over POP3S: `keep` fetches everything once and a rerun
  nothing (UIDL), `nokeep` deletes what it fetched.
- The UPDATE state (RFC 1939 §6): a dropped connection removes nothing; QUIT removes exactly
  the marked messages, durably (Harbor stopped and started again) with the same UIDLs; IMAP
  sees the removal only after QUIT; a second session gets -ERR [IN-USE] meanwhile.
- The account's POP3 right (`harbor user set --no-pop3`): -ERR [AUTH] with the reason.
- A pop3 listener that is not trusted plaintext (`harbor serve -c`): no USER or SASL before
  STLS, USER refused with -ERR [AUTH] (SECURITY-CASES 30), offered after STLS.

ctest: interop_pop3_clients; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_pop3_clients
"""

import base64
import email
import imaplib
import os
import poplib
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from harbor_harness import TLS_SERVER_NAME, HarborServer
from smtp_support import (IO_TIMEOUT, TOOL_TIMEOUT, HarborCli, ScramClient, harbor_binary,
                          token)
from test_imap_clients import ClientTestCase, logout_quietly, without_fetchmail_received
from configured_harbor import ConfiguredHarbor, make_certificate

LOCK_WAIT = 10.0  # a dropped connection's maildrop lock goes once Harbor sees the close


def quit_quietly(client):
    if client.sock is None:  # already quit
        return
    try:
        client.quit()
    except (poplib.error_proto, OSError):
        pass


def imap_append(server, account, messages):
    """Empties the account's INBOX and appends `messages` (bytes) over imaps."""
    client = imaplib.IMAP4_SSL(TLS_SERVER_NAME, server.ports["imaps"],
                               ssl_context=server.tls_context(), timeout=IO_TIMEOUT)
    try:
        client.login(account["address"], account["password"])
        client.select("INBOX")
        client.uid("STORE", "1:*", "+FLAGS.SILENT", "(\\Deleted)")
        client.expunge()
        for message in messages:
            status, _ = client.append("INBOX", None, None, message)
            assert status == "OK", status
    finally:
        logout_quietly(client)


def imap_messages(server, account):
    """The INBOX as IMAP has it: a list of the messages' bytes, in UID order."""
    client = imaplib.IMAP4_SSL(TLS_SERVER_NAME, server.ports["imaps"],
                               ssl_context=server.tls_context(), timeout=IO_TIMEOUT)
    try:
        client.login(account["address"], account["password"])
        status, data = client.select("INBOX", readonly=True)
        if int(data[0]) == 0:
            return []
        status, data = client.fetch("1:*", "(BODY.PEEK[])")
        return [item[1] for item in data if isinstance(item, tuple)]
    finally:
        logout_quietly(client)


def pop3_login(server, account, implicit=False):
    context = server.tls_context()
    if implicit:
        client = poplib.POP3_SSL(TLS_SERVER_NAME, server.ports["pop3s"], context=context,
                                 timeout=IO_TIMEOUT)
    else:
        client = poplib.POP3(TLS_SERVER_NAME, server.ports["pop3"], timeout=IO_TIMEOUT)
        client.stls(context=context)
    client.user(account["address"])
    client.pass_(account["password"])
    return client


def imap_form(message):
    """The message as imaplib's APPEND stores it: every line end made CRLF (imaplib does that
    itself), no CRLF added at the end. Bare LFs reach Harbor only from the protocol scripts."""
    return message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def crlf_form(message):
    """What RETR must send for `message` (before byte-stuffing): every line ends in CRLF."""
    lines = message.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return b"".join(line.removesuffix(b"\r") + b"\r\n" for line in lines)


MESSAGES = [
    b"Subject: pop one\r\n\r\nfirst\r\n",
    b"Subject: pop two\n\n.starts with a dot\n..two dots\n.\nlast line without end",
    b"Subject: pop three\r\nX-Long: " + b"y" * 900 + b"\r\n\r\n" + b"body line\r\n" * 200,
]


class PoplibTest(ClientTestCase):

    def test_stls_and_pop3s_read_every_message_byte_for_byte(self):
        alice = self.accounts["alice"]
        imap_append(self.server, alice, MESSAGES)
        for implicit in (False, True):
            with self.subTest(implicit=implicit):
                client = pop3_login(self.server, alice, implicit)
                self.addCleanup(quit_quietly, client)
                capabilities = client.capa()
                for word in ("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"):
                    self.assertIn(word, capabilities)
                self.assertNotIn("STLS", capabilities)
                count, octets = client.stat()
                self.assertEqual(count, len(MESSAGES))
                wanted = [crlf_form(m) for m in MESSAGES]
                self.assertEqual(octets, sum(len(m) for m in wanted))
                _, listing, _ = client.list()
                self.assertEqual([int(line.split()[1]) for line in listing],
                                 [len(m) for m in wanted])
                _, uidls, _ = client.uidl()
                self.assertEqual(len({line.split()[1] for line in uidls}), len(MESSAGES))
                for number, want in enumerate(wanted, start=1):
                    response, lines, size = client.retr(number)
                    # poplib removes the stuffing and the CRLFs: put the CRLFs back.
                    self.assertEqual(b"".join(line + b"\r\n" for line in lines), want)
                    self.assertEqual(response, b"+OK %d octets" % len(want))
                _, top, _ = client.top(2, 1)
                self.assertEqual(top, [b"Subject: pop two", b"", b".starts with a dot"])
                self.assertTrue(client.quit().startswith(b"+OK"))

    def test_auth_scram_sha_256_and_plain(self):
        bob = self.accounts["bob"]
        client = poplib.POP3_SSL(TLS_SERVER_NAME, self.server.ports["pop3s"],
                                 context=self.server.tls_context(), timeout=IO_TIMEOUT)
        self.addCleanup(quit_quietly, client)
        self.assertIn("SASL", client.capa())
        self.assertIn("SCRAM-SHA-256", client.capa()["SASL"])
        scram = ScramClient(bob["address"], bob["password"])
        first = base64.b64encode(scram.client_first().encode()).decode()
        challenge = client._shortcmd(f"AUTH SCRAM-SHA-256 {first}")
        self.assertTrue(challenge.startswith(b"+ "), challenge)
        server_first = base64.b64decode(challenge[2:]).decode()
        final = base64.b64encode(scram.client_final(server_first).encode()).decode()
        challenge = client._shortcmd(final)
        self.assertTrue(scram.verify_server_final(base64.b64decode(challenge[2:]).decode()))
        self.assertTrue(client._shortcmd("").startswith(b"+OK"))
        client.stat()
        client.quit()
        client = poplib.POP3_SSL(TLS_SERVER_NAME, self.server.ports["pop3s"],
                                 context=self.server.tls_context(), timeout=IO_TIMEOUT)
        self.addCleanup(quit_quietly, client)
        plain = base64.b64encode(f"\0{bob['address']}\0wrong".encode()).decode()
        with self.assertRaisesRegex(poplib.error_proto, r"\[AUTH\]"):
            client._shortcmd(f"AUTH PLAIN {plain}")
        plain = base64.b64encode(f"\0{bob['address']}\0{bob['password']}".encode()).decode()
        self.assertTrue(client._shortcmd(f"AUTH PLAIN {plain}").startswith(b"+OK"))

    def test_pop3_right(self):
        carol = self.server.account("user", 1)
        cli = HarborCli(self.server.binary, self.server.data_dir)
        cli.run("user", "set", carol["address"], "--no-pop3")
        try:
            client = poplib.POP3_SSL(TLS_SERVER_NAME, self.server.ports["pop3s"],
                                     context=self.server.tls_context(), timeout=IO_TIMEOUT)
            self.addCleanup(quit_quietly, client)
            client.user(carol["address"])
            with self.assertRaisesRegex(poplib.error_proto, r"-ERR \[AUTH\] POP3 access"):
                client.pass_(carol["password"])
        finally:
            cli.run("user", "set", carol["address"], "--pop3")
        client = pop3_login(self.server, carol, implicit=True)
        client.quit()

    def test_curl_pop3_and_pop3s(self):
        alice = self.accounts["alice"]
        imap_append(self.server, alice, MESSAGES[:2])
        user = f"{alice['address']}:{alice['password']}"
        ports = self.server.ports
        for base, extra in ((f"pop3://127.0.0.1:{ports['pop3']}", ["--ssl-reqd"]),
                            (f"pop3s://127.0.0.1:{ports['pop3s']}", [])):
            with self.subTest(url=base):
                common = ["curl", "-sS", "--max-time", str(int(TOOL_TIMEOUT)), "--cacert",
                          str(self.server.certificate), *extra, "-u", user]
                listing = self.run_client("curl", common + [base + "/"]).stdout
                self.assertEqual(listing.split(b"\r\n")[:2],
                                 [b"1 %d" % len(crlf_form(MESSAGES[0])),
                                  b"2 %d" % len(crlf_form(MESSAGES[1]))])
                message = self.run_client("curl", common + [base + "/2"]).stdout
                self.assertEqual(message, crlf_form(MESSAGES[1]))


class Pop3FetchmailTest(ClientTestCase):

    def setUp(self):
        super().setUp()
        self.account = self.accounts["bob"]
        self.delivered = os.path.join(self.workdir, "delivered")
        os.makedirs(self.delivered)

    def fetchmail(self, implicit, keep_option, ok_codes):
        port = self.server.ports["pop3s" if implicit else "pop3"]
        path = os.path.join(self.workdir, "fetchmailrc")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"""set no syslog
set no bouncemail
set no spambounce
poll {TLS_SERVER_NAME} protocol POP3 port {port} uidl
    user "{self.account["address"]}" there
    with password "{self.account["password"]}" is "tester" here
    {"ssl" if implicit else ""} sslproto "tls1.2+" sslcertck sslcertfile "{self.server.certificate}"
    no rewrite
    {keep_option}
    mda "cat > $(mktemp {self.delivered}/message-XXXXXX)"
""")
        os.chmod(path, 0o600)
        env = self.client_env(FETCHMAILHOME=self.home, FETCHMAILUSER="tester")
        self.run_client("fetchmail", [
            "fetchmail", "--nodetach", "-v", "-v", "-f", path,
            "--idfile", os.path.join(self.home, "fetchids"),
            "--pidfile", os.path.join(self.home, "fetchmail.pid")], ok_codes=ok_codes, env=env)
        if not implicit:
            self.assertIn("upgrade to TLS succeeded", self.transcripts[-1][2])

    def delivered_subjects(self):
        found = []
        for name in sorted(os.listdir(self.delivered)):
            with open(os.path.join(self.delivered, name), "rb") as handle:
                content = without_fetchmail_received(handle.read())
            found.append(email.message_from_bytes(content)["Subject"])
        return sorted(found)

    def test_keep_then_nokeep_over_stls_and_pop3s(self):
        for implicit in (False, True):
            with self.subTest(implicit=implicit):
                for name in os.listdir(self.delivered):
                    os.remove(os.path.join(self.delivered, name))
                ids = os.path.join(self.home, "fetchids")
                if os.path.exists(ids):
                    os.remove(ids)
                tag = token()
                subjects = sorted(f"fetchmail pop3 {tag} {n}" for n in range(3))
                imap_append(self.server, self.account,
                            [f"Subject: {s}\r\n\r\nbody {s}\r\n".encode() for s in subjects])
                self.fetchmail(implicit, "keep", ok_codes=(0,))  # 0: mail delivered
                self.assertEqual(self.delivered_subjects(), subjects)
                self.assertEqual(len(imap_messages(self.server, self.account)), 3)
                self.fetchmail(implicit, "keep", ok_codes=(1,))  # 1: nothing new (UIDL)
                self.assertEqual(self.delivered_subjects(), subjects)
                self.fetchmail(implicit, "nokeep fetchall", ok_codes=(0,))
                self.assertEqual(self.delivered_subjects(), sorted(subjects * 2))
                self.assertEqual(imap_messages(self.server, self.account), [])


class UpdateStateTest(unittest.TestCase):
    """Owns its Harbor: it is stopped and started again on the same data directory."""

    def test_drop_removes_nothing_quit_removes_marked_durably(self):
        workdir = tempfile.mkdtemp(prefix="harbor-pop3-")
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        server = HarborServer(harbor_binary(), tmpdir=workdir)
        server.start()
        self.addCleanup(server.stop)
        alice = server.account("user", 0)
        imap_append(server, alice, MESSAGES)

        client = pop3_login(server, alice, implicit=True)
        for number in (1, 2, 3):
            client.dele(number)
        client.close()  # no QUIT: RFC 1939 §6, nothing is removed
        client = self.login_when_free(server, alice)
        self.assertEqual(client.stat()[0], 3)
        _, uidls, _ = client.uidl()
        client.dele(1)
        client.dele(3)
        # IN-USE while this session holds the maildrop; IMAP still sees all three.
        second = poplib.POP3_SSL(TLS_SERVER_NAME, server.ports["pop3s"],
                                 context=server.tls_context(), timeout=IO_TIMEOUT)
        second.user(alice["address"])
        with self.assertRaisesRegex(poplib.error_proto, r"\[IN-USE\]"):
            second.pass_(alice["password"])
        second.quit()
        self.assertEqual(len(imap_messages(server, alice)), 3)
        self.assertTrue(client.quit().startswith(b"+OK"))
        self.assertEqual(imap_messages(server, alice), [imap_form(MESSAGES[1])])

        self.assertEqual(server.stop(), 0)
        server.start()
        client = pop3_login(server, alice)
        self.assertEqual(client.stat(), (1, len(crlf_form(MESSAGES[1]))))
        self.assertEqual(client.uidl()[1], [b"1 " + uidls[1].split()[1]])
        client.quit()

    @staticmethod
    def login_when_free(server, account):
        """Logs in, retrying while the dropped session still holds the maildrop (bounded)."""
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                return pop3_login(server, account, implicit=True)
            except poplib.error_proto as error:
                if b"IN-USE" not in str(error).encode() or time.monotonic() > deadline:
                    raise
            time.sleep(0.05)


class UntrustedPlaintextTest(unittest.TestCase):
    """A pop3 listener without trusted_plaintext (`harbor serve -c`)."""

    def test_user_refused_before_stls(self):
        workdir = tempfile.mkdtemp(prefix="harbor-pop3-")
        self.addCleanup(shutil.rmtree, workdir, ignore_errors=True)
        tls = make_certificate(workdir, "pop3", "localhost")
        harbor = ConfiguredHarbor(
            harbor_binary(), workdir,
            [{"name": "pop3", "protocol": "pop3", "address": "127.0.0.1", "port": "pop3",
              "tls": "starttls"}], tls)
        harbor.start()
        self.addCleanup(harbor.stop)
        port = harbor.ports["pop3"]
        with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as sock:
            reader = sock.makefile("rb")
            self.assertTrue(reader.readline().startswith(b"+OK"))
            sock.sendall(b"CAPA\r\n")
            capabilities = []
            while (line := reader.readline()) != b".\r\n":
                capabilities.append(line.strip())
            self.assertIn(b"STLS", capabilities)
            self.assertNotIn(b"USER", capabilities)
            self.assertFalse(any(line.startswith(b"SASL") for line in capabilities))
            sock.sendall(b"USER someone@example.test\r\n")
            self.assertRegex(reader.readline(), rb"^-ERR \[AUTH\] ")
            sock.sendall(b"AUTH PLAIN AGEAYg==\r\n")
            self.assertRegex(reader.readline(), rb"^-ERR \[AUTH\] ")
            self.assertNotIn("pop3.auth.failed", harbor.log())
        client = poplib.POP3("localhost", port, timeout=IO_TIMEOUT)
        self.addCleanup(quit_quietly, client)
        client.stls(context=ssl.create_default_context(cafile=tls[0]))
        capabilities = client.capa()
        self.assertIn("USER", capabilities)
        self.assertIn("PLAIN", capabilities["SASL"])


if __name__ == "__main__":
    unittest.main()
