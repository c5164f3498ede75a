"""Interop: mail moving through Harbor's IMAP server, driven by Python's imaplib and a raw TLS
socket over `harbor serve --demo`:
- IDLE (RFC 2177) over implicit TLS: mail delivered over SMTP is announced at once, many times
  in a row, and the TLS session stays sound after every wake-up (FETCH after DONE);
- STORE, COPY and MOVE with COPYUID (RFC 4315 §3), EXPUNGE, and \\Seen set by FETCH BODY[]
  (RFC 9051 §6.4.5) but not by BODY.PEEK;
- QUOTA (RFC 9208) after `harbor user set --quota`: GETQUOTAROOT reports the STORAGE use, and
  APPEND and COPY over the limit get [OVERQUOTA];
- LITERAL+ (RFC 7888) only once authenticated;
- one login throttle for SMTP AUTH and IMAP: guesses over submission lock IMAP out too.

ctest: interop_imap_mailflow; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_imap_mailflow
"""

import imaplib
import re
import smtplib
import socket
import unittest

from harbor_harness import TLS_SERVER_NAME, HarborServer
from imap_support import LineClient
from smtp_support import (CLIENT_NAME, IO_TIMEOUT, REMOTE_SENDER, HarborCli, close_quietly,
                          harbor_binary, make_message, token)

IDLE_ROUNDS = 20


def logout_quietly(client):
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


class ImapMailflowTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = HarborServer(harbor_binary())
        cls.server.__enter__()
        cls.cli = HarborCli(cls.server.binary, cls.server.data_dir)
        users = [a for a in cls.server.accounts if a.get("role", "user") == "user"]
        cls.user = users[0]
        cls.other = users[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def imap(self, account):
        client = imaplib.IMAP4_SSL(TLS_SERVER_NAME, self.server.ports["imaps"],
                                   ssl_context=self.server.tls_context(), timeout=IO_TIMEOUT)
        self.addCleanup(logout_quietly, client)
        self.assertEqual(client.login(account["address"], account["password"])[0], "OK")
        return client

    def deliver(self, recipient, subject):
        client = smtplib.SMTP(TLS_SERVER_NAME, self.server.ports["smtp"],
                              local_hostname=CLIENT_NAME, timeout=IO_TIMEOUT)
        try:
            client.sendmail(REMOTE_SENDER, [recipient], make_message(subject, REMOTE_SENDER,
                                                                     recipient))
        finally:
            close_quietly(client)

    def test_idle_announces_each_delivery_over_tls(self):
        account = self.other
        raw = socket.create_connection(("127.0.0.1", self.server.ports["imaps"]),
                                       timeout=IO_TIMEOUT)
        sock = self.server.tls_context().wrap_socket(raw, server_hostname=TLS_SERVER_NAME)
        self.addCleanup(sock.close)
        client = LineClient(sock)
        self.assertTrue(client.line().startswith("* OK"))
        client.send(f'a LOGIN "{account["address"]}" "{account["password"]}"')
        self.assertTrue(client.until_tagged("a")[-1].startswith("a OK"))
        client.send("b SELECT INBOX")
        select = client.until_tagged("b")
        self.assertTrue(select[-1].startswith("b OK"), select)
        count = int(next(line.split()[1] for line in select if line.endswith(" EXISTS")))
        for round_number in range(IDLE_ROUNDS):
            client.send(f"i{round_number} IDLE")
            self.assertEqual(client.line(), "+ idling")
            self.deliver(account["address"], f"idle {round_number} {token()}")
            count += 1
            # The announcement comes while the client is idling, with no command sent.
            self.assertEqual(client.line(), f"* {count} EXISTS")
            client.send("DONE")
            self.assertEqual(client.until_tagged(f"i{round_number}")[-1],
                             f"i{round_number} OK IDLE terminated")
            # The stream is intact after the interrupted TLS read: a FETCH round trip.
            client.send(f"f{round_number} FETCH {count} (FLAGS)")
            reply = client.until_tagged(f"f{round_number}")
            self.assertEqual(reply, [f"* {count} FETCH (FLAGS ())",
                                     f"f{round_number} OK FETCH completed"])
        client.send("z LOGOUT")
        self.assertTrue(client.until_tagged("z")[-1].startswith("z OK"))

    def test_literal_plus_once_authenticated(self):
        # RFC 7888: LITERAL- (4096 octets) for strangers, LITERAL+ after LOGIN, so a client
        # may send a large APPEND without waiting for "+".
        account = self.other
        raw = socket.create_connection(("127.0.0.1", self.server.ports["imaps"]),
                                       timeout=IO_TIMEOUT)
        sock = self.server.tls_context().wrap_socket(raw, server_hostname=TLS_SERVER_NAME)
        self.addCleanup(sock.close)
        client = LineClient(sock)
        greeting = client.line()
        self.assertIn(" LITERAL- ", greeting)
        self.assertNotIn("LITERAL+", greeting)
        client.send(f'a LOGIN "{account["address"]}" "{account["password"]}"')
        login = client.until_tagged("a")[-1]
        self.assertIn(" LITERAL+ ", login)
        body = b"Subject: literal plus\r\n\r\n" + b"0123456789abcdef" * 8192 + b"\r\n"
        sock.sendall(f"b APPEND INBOX {{{len(body)}+}}\r\n".encode() + body + b"\r\n")
        reply = client.until_tagged("b")
        self.assertRegex(reply[-1], r"^b OK \[APPENDUID \d+ \d+\] APPEND completed$")
        client.send("c LOGOUT")
        client.until_tagged("c")

    def test_password_guesses_over_smtp_lock_out_imap_too(self):
        # One login throttle for SMTP AUTH and IMAP (SECURITY-CASES: password guessing): five
        # wrong passwords over submission lock the client's network out of IMAP LOGIN as well,
        # and only that network.
        guesser, bystander = "127.0.3.7", "127.0.3.8"
        account = self.user
        for attempt in range(5):
            smtp = smtplib.SMTP("127.0.0.1", self.server.ports["submission"],
                                local_hostname=CLIENT_NAME, timeout=IO_TIMEOUT,
                                source_address=(guesser, 0))
            try:
                with self.assertRaises(smtplib.SMTPAuthenticationError):
                    smtp.login(account["address"], f"wrong-{attempt}")
            finally:
                close_quietly(smtp)
        raw = socket.create_connection(("127.0.0.1", self.server.ports["imap"]),
                                       timeout=IO_TIMEOUT, source_address=(guesser, 0))
        self.addCleanup(raw.close)
        client = LineClient(raw)
        client.line()
        client.send(f'a LOGIN "{account["address"]}" "{account["password"]}"')
        reply = client.until_tagged("a")[-1]
        self.assertTrue(reply.startswith("a NO [UNAVAILABLE] Too many failed logins"), reply)
        other = socket.create_connection(("127.0.0.1", self.server.ports["imap"]),
                                         timeout=IO_TIMEOUT, source_address=(bystander, 0))
        self.addCleanup(other.close)
        client = LineClient(other)
        client.line()
        client.send(f'a LOGIN "{account["address"]}" "{account["password"]}"')
        self.assertTrue(client.until_tagged("a")[-1].startswith("a OK "))

    def test_store_copy_move_expunge_and_seen(self):
        client = self.imap(self.user)
        box = "flow-" + token()
        archive = box + "-archive"
        self.assertEqual(client.create(box)[0], "OK")
        self.assertEqual(client.create(archive)[0], "OK")
        for number in range(3):
            message = make_message(f"flow {number}", REMOTE_SENDER, self.user["address"])
            self.assertEqual(client.append(box, None, None, message)[0], "OK")
        self.assertEqual(client.select(box), ("OK", [b"3"]))
        # BODY.PEEK leaves \Seen alone; BODY[] sets it and says so.
        client.fetch("1", "(BODY.PEEK[])")
        self.assertEqual(client.fetch("1", "(FLAGS)")[1], [b"1 (FLAGS ())"])
        fetched = client.fetch("1", "(BODY[])")[1]
        self.assertIn(b"FLAGS (\\Seen)", fetched[1] if len(fetched) > 1 else fetched[0])
        self.assertEqual(client.fetch("1", "(FLAGS)")[1], [b"1 (FLAGS (\\Seen))"])
        status, data = client.store("2", "+FLAGS", "(\\Flagged $Work)")
        self.assertEqual(status, "OK")
        self.assertEqual(data, [b"2 (FLAGS (\\Flagged $Work))"])
        status, data = client.copy("1:2", archive)
        self.assertEqual(status, "OK")
        # imaplib keeps response codes by name: COPYUID validity source-set copy-set.
        code = client.response("COPYUID")[1][0]
        self.assertRegex(code, rb"^\d+ \d+:\d+ \d+:\d+$")
        status, data = client._simple_command("UID", "MOVE", "3", archive)
        self.assertEqual(status, "OK", data)
        self.assertEqual(client.select(archive), ("OK", [b"3"]))
        flags = client.fetch("1:3", "(FLAGS)")[1]
        self.assertEqual(flags, [b"1 (FLAGS (\\Seen))", b"2 (FLAGS (\\Flagged $Work))",
                                 b"3 (FLAGS ())"])
        self.assertEqual(client.store("1:2", "+FLAGS.SILENT", "(\\Deleted)")[0], "OK")
        status, data = client.expunge()
        self.assertEqual(status, "OK")
        self.assertEqual(data, [b"2", b"1"])  # highest first: each number still right (§7.4.1)
        self.assertEqual(client.select(box), ("OK", [b"2"]))

    def test_quota_is_reported_and_enforced(self):
        account = self.user
        client = self.imap(account)
        box = "quota-" + token()
        self.assertEqual(client.create(box)[0], "OK")
        used = self.used_units(client)
        # Room for what the account holds plus one small message, not two.
        limit_bytes = (used + 8) * 1024
        self.cli.run("user", "set", account["address"], "--quota", str(limit_bytes))
        self.addCleanup(self.cli.run, "user", "set", account["address"], "--quota", "0")
        status, data = client.getquotaroot(box)
        self.assertEqual(status, "OK")
        self.assertIn(f'"{box}" ""'.encode(), data[0][0])
        self.assertEqual(data[1][0], f'"" (STORAGE {used} {used + 8})'.encode())
        small = make_message("fits", REMOTE_SENDER, account["address"], body=b"x" * 1000)
        self.assertEqual(client.append(box, None, None, small)[0], "OK")
        big = make_message("too big", REMOTE_SENDER, account["address"], body=b"y" * 20000)
        status, data = client.append(box, None, None, big)
        self.assertEqual(status, "NO")
        self.assertIn(b"[OVERQUOTA]", data[0])
        self.assertEqual(client.select(box), ("OK", [b"1"]))
        copies = 0
        while True:
            status, data = client.copy("1", box)
            if status != "OK":
                break
            copies += 1
            self.assertLess(copies, 20)
        self.assertIn(b"[OVERQUOTA]", data[0])
        self.assertGreater(copies, 0)
        self.assertLessEqual(self.used_units(client), used + 8)

    def used_units(self, client):
        status, data = client.getquotaroot("INBOX")
        self.assertEqual(status, "OK")
        if len(data) < 2 or not data[1] or data[1][0] is None:
            return self.used_from_cli()
        return int(re.search(rb"STORAGE (\d+)", data[1][0]).group(1))

    def used_from_cli(self):
        # No limit yet: no quota root is reported (RFC 9208 §4.3), so set a huge one to read
        # the use, then take it away again.
        self.cli.run("user", "set", self.user["address"], "--quota", "1T")
        client = self.imap(self.user)
        status, data = client.getquotaroot("INBOX")
        self.cli.run("user", "set", self.user["address"], "--quota", "0")
        self.assertEqual(status, "OK")
        return int(re.search(rb"STORAGE (\d+)", data[1][0]).group(1))


if __name__ == "__main__":
    unittest.main()
