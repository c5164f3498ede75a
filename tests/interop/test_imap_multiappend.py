"""Interop: MULTIAPPEND (RFC 3502) against a quota set with `harbor user set --quota`, over a
raw TLS socket on `harbor serve --demo` (imaplib sends one message per APPEND):
- a set whose messages each fit but whose total does not is refused with [OVERQUOTA]
  (RFC 9208 §4.3) and none of it is appended (RFC 3502 §6.3.11);
- a smaller set then fits and gets APPENDUID with a uid-set (RFC 4315 §3), and the used
  STORAGE grows by the whole set.
The protocol script tests/protocol/imap/multiappend.imap covers the rest without a quota.

ctest: interop_imap_multiappend; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_imap_multiappend
"""

import re
import socket
import unittest

from harbor_harness import TLS_SERVER_NAME, HarborServer
from imap_support import LineClient
from smtp_support import IO_TIMEOUT, REMOTE_SENDER, HarborCli, harbor_binary, make_message, token

MESSAGE_BYTES = 3000  # three of them overrun 8 KiB of room, two do not


class MultiappendQuotaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = HarborServer(harbor_binary())
        cls.server.__enter__()
        cls.cli = HarborCli(cls.server.binary, cls.server.data_dir)
        cls.account = [a for a in cls.server.accounts if a.get("role", "user") == "user"][0]

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def connect(self):
        raw = socket.create_connection(("127.0.0.1", self.server.ports["imaps"]),
                                       timeout=IO_TIMEOUT)
        sock = self.server.tls_context().wrap_socket(raw, server_hostname=TLS_SERVER_NAME)
        self.addCleanup(sock.close)
        client = LineClient(sock)
        self.assertRegex(client.line(), r"^\* OK ")
        address, password = self.account["address"], self.account["password"]
        _, done = client.command(f'LOGIN "{address}" "{password}"')
        self.assertRegex(done, r"^t\d+ OK ")
        return client

    def used_units(self, client):
        """STORAGE in use (units of 1024 octets, RFC 9208 §5.1)."""
        lines, done = client.command('GETQUOTA ""')
        self.assertRegex(done, r"^t\d+ OK ")
        return int(re.search(r"STORAGE (\d+) \d+", " ".join(lines)).group(1))

    def messages(self, count, tag):
        return [make_message(f"multiappend {tag} {number}", REMOTE_SENDER,
                             self.account["address"], body=b"q" * MESSAGE_BYTES)
                for number in range(count)]

    def status(self, client, box):
        lines, done = client.command(f"STATUS {box} (MESSAGES UIDNEXT)")
        self.assertRegex(done, r"^t\d+ OK ")
        return lines

    def test_quota_is_checked_for_the_whole_set(self):
        client = self.connect()
        box = "multi-" + token()
        self.assertRegex(client.command(f"CREATE {box}")[1], r"^t\d+ OK ")
        # A huge limit first: without one no quota root is reported (RFC 9208 §4.3).
        address = self.account["address"]
        self.cli.run("user", "set", address, "--quota", "1T")
        self.addCleanup(self.cli.run, "user", "set", address, "--quota", "0")
        used = self.used_units(client)
        self.cli.run("user", "set", address, "--quota", str((used + 8) * 1024))

        three = self.messages(3, "over")
        _, done = client.command(f"APPEND {box} {{}} {{}} {{}}", three)
        self.assertRegex(done, r"^t\d+ NO \[OVERQUOTA\] ")
        self.assertEqual(self.status(client, box),
                         [f'* STATUS "{box}" (MESSAGES 0 UIDNEXT 1)'])
        self.assertEqual(self.used_units(client), used)

        two = self.messages(2, "fits")
        _, done = client.command(f"APPEND {box} {{}} (\\Seen) {{}}", two)
        match = re.fullmatch(r"t\d+ OK \[APPENDUID (\d+) 1:2\] .*", done)
        self.assertIsNotNone(match, done)
        self.assertEqual(self.status(client, box),
                         [f'* STATUS "{box}" (MESSAGES 2 UIDNEXT 3)'])
        self.assertGreaterEqual(self.used_units(client), used + (2 * MESSAGE_BYTES) // 1024)


if __name__ == "__main__":
    unittest.main()
