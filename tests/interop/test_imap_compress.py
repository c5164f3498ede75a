"""Interop: IMAP COMPRESS=DEFLATE (RFC 4978) against `harbor serve --demo`, driven by Python's
imaplib over a layer of the standard library's zlib in raw DEFLATE mode (wbits=-15), on the
plaintext listener (trusted on loopback in the demo) and on imaps, where compression sits
above TLS: LOGIN, COMPRESS DEFLATE, APPEND of a large literal, SELECT, FETCH read back byte
for byte, a second COMPRESS (NO [COMPRESSIONACTIVE]), an unknown mechanism (BAD), COMPRESS
before authentication (BAD), a command pipelined compressed right behind COMPRESS, and
garbage after COMPRESS, which must end that session and no other.

ctest: interop_imap_compress; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_imap_compress
"""

import imaplib
import socket
import ssl
import time
import unittest
import zlib

from harbor_harness import TLS_SERVER_NAME, HarborServer
from smtp_support import IO_TIMEOUT, harbor_binary, token

# imaplib refuses commands it does not know; RFC 4978 §3: authenticated and selected states.
imaplib.Commands.setdefault("COMPRESS", ("AUTH", "SELECTED"))


def raw_deflater():
    return zlib.compressobj(wbits=-15)


def raw_inflater():
    return zlib.decompressobj(wbits=-15)


def deflate(compressor, data):
    """`data` compressed and sync-flushed, so the server can read all of it now."""
    return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)


class CompressedTransport:
    """imaplib's read/readline/send over raw DEFLATE once compress_deflate() got OK; before
    that, plain. Counts the octets on the wire and after inflating, to show compression."""

    def compress_deflate(self):
        status, data = self._simple_command("COMPRESS", "DEFLATE")
        if status == "OK":
            self._deflater = raw_deflater()
            self._inflater = raw_inflater()
            self._plain = bytearray()
            self.wire_octets = 0
            self.plain_octets = 0
        return status, data

    def _compressed(self):
        return getattr(self, "_deflater", None) is not None

    def _fill(self):
        raw = self.sock.recv(65536)
        if not raw:
            raise imaplib.IMAP4.abort("socket error: EOF")
        plain = self._inflater.decompress(raw)
        self.wire_octets += len(raw)
        self.plain_octets += len(plain)
        self._plain += plain

    def read(self, size):
        if not self._compressed():
            return super().read(size)
        while len(self._plain) < size:
            self._fill()
        data = bytes(self._plain[:size])
        del self._plain[:size]
        return data

    def readline(self):
        if not self._compressed():
            return super().readline()
        while b"\n" not in self._plain:
            self._fill()
        end = self._plain.index(b"\n") + 1
        line = bytes(self._plain[:end])
        del self._plain[:end]
        return line

    def send(self, data):
        if not self._compressed():
            return super().send(data)
        return super().send(deflate(self._deflater, data))


class CompressedIMAP4(CompressedTransport, imaplib.IMAP4):
    pass


class CompressedIMAP4_SSL(CompressedTransport, imaplib.IMAP4_SSL):
    pass


def logout_quietly(client):
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


def large_message(subject):
    """About 1 MiB of text lines: compressible, and far over one read chunk."""
    lines = [b"Subject: " + subject.encode(), b"From: a@example.org", b""]
    for i in range(20000):
        lines.append(b"line %06d of a long message body that compresses well" % i)
    return b"\r\n".join(lines) + b"\r\n"


class ImapCompressTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = HarborServer(harbor_binary())
        cls.server.__enter__()
        account = cls.server.accounts[0]
        cls.user = account["address"]
        cls.password = account["password"]

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def client(self, tls):
        if tls:
            client = CompressedIMAP4_SSL(TLS_SERVER_NAME, self.server.ports["imaps"],
                                         ssl_context=self.server.tls_context(),
                                         timeout=IO_TIMEOUT)
        else:
            client = CompressedIMAP4(TLS_SERVER_NAME, self.server.ports["imap"],
                                     timeout=IO_TIMEOUT)
        self.addCleanup(logout_quietly, client)
        self.assertEqual(client.login(self.user, self.password)[0], "OK")
        return client

    def raw_session(self, tls=False):
        """A logged-in socket (plain on the trusted demo listener, or imaps) and its reader."""
        sock = socket.create_connection((TLS_SERVER_NAME, self.server.ports[
            "imaps" if tls else "imap"]), timeout=IO_TIMEOUT)
        if tls:
            sock = self.server.tls_context().wrap_socket(sock, server_hostname=TLS_SERVER_NAME)
        self.addCleanup(sock.close)
        pending = bytearray()

        def line():
            while b"\r\n" not in pending:
                data = sock.recv(65536)
                if not data:
                    raise AssertionError("connection closed; got %r" % bytes(pending))
                pending.extend(data)
            end = pending.index(b"\r\n") + 2
            text = bytes(pending[:end])
            del pending[:end]
            return text

        self.assertTrue(line().startswith(b"* OK"))
        sock.sendall(b"l LOGIN \"%s\" \"%s\"\r\n" % (self.user.encode(), self.password.encode()))
        while True:
            text = line()
            if text.startswith(b"l "):
                self.assertTrue(text.startswith(b"l OK"), text)
                break
        return sock, line, pending

    def test_append_select_fetch_compressed(self):
        for tls in (False, True):
            with self.subTest(tls=tls):
                client = self.client(tls)
                status, data = client.compress_deflate()
                self.assertEqual(status, "OK", data)
                mailbox = "Compress" + token()
                self.assertEqual(client.create(mailbox)[0], "OK")
                body = large_message("compressed " + token())
                status, data = client.append(mailbox, None, None, body)
                self.assertEqual(status, "OK", data)
                status, data = client.select(mailbox)
                self.assertEqual(status, "OK")
                self.assertEqual(int(data[0]), 1)
                before = client.wire_octets
                status, data = client.fetch("1", "(RFC822.SIZE BODY.PEEK[])")
                self.assertEqual(status, "OK")
                self.assertEqual(data[0][1], body)
                # The FETCH response came compressed: far fewer octets on the wire.
                self.assertLess(client.wire_octets - before, len(body) // 4)
                self.assertEqual(client.noop()[0], "OK")
                # RFC 4978 §3: compression already active.
                status, data = client.compress_deflate()
                self.assertEqual(status, "NO")
                self.assertIn(b"[COMPRESSIONACTIVE]", data[0])
                self.assertEqual(client.noop()[0], "OK")
                self.assertEqual(client.logout()[0], "BYE")

    def test_unknown_mechanism_is_bad_and_nothing_changes(self):
        client = self.client(tls=False)
        with self.assertRaises(imaplib.IMAP4.error):
            client._simple_command("COMPRESS", "LZW")
        self.assertEqual(client.noop()[0], "OK")  # still plain: imaplib reads it as such
        self.assertEqual(client.compress_deflate()[0], "OK")
        self.assertEqual(client.noop()[0], "OK")

    def test_compress_before_login_is_refused(self):
        with socket.create_connection((TLS_SERVER_NAME, self.server.ports["imap"]),
                                      timeout=IO_TIMEOUT) as sock:
            reader = sock.makefile("rb")
            self.assertTrue(reader.readline().startswith(b"* OK"))
            sock.sendall(b"a COMPRESS DEFLATE\r\nb NOOP\r\n")
            self.assertTrue(reader.readline().startswith(b"a BAD"))
            self.assertTrue(reader.readline().startswith(b"b OK"))

    def test_command_pipelined_behind_compress_is_inflated(self):
        for tls in (False, True):
            with self.subTest(tls=tls):
                sock, line, pending = self.raw_session(tls)
                compressor = raw_deflater()
                # One segment: the COMPRESS command, then a command already compressed.
                sock.sendall(b"c COMPRESS DEFLATE\r\n" + deflate(compressor, b"d NOOP\r\n"))
                self.assertTrue(line().startswith(b"c OK"))
                # What follows the OK line is compressed, even if it came in the same read.
                inflater = raw_inflater()
                plain = inflater.decompress(bytes(pending))
                while b"d " not in plain:
                    data = sock.recv(65536)
                    self.assertTrue(data, "closed before the NOOP's answer")
                    plain += inflater.decompress(data)
                self.assertIn(b"d OK", plain)
                sock.sendall(deflate(compressor, b"e LOGOUT\r\n"))
                while b"e OK" not in plain:
                    data = sock.recv(65536)
                    self.assertTrue(data, "closed before the LOGOUT's answer")
                    plain += inflater.decompress(data)
                self.assertIn(b"* BYE", plain)

    def test_garbage_after_compress_ends_the_session(self):
        for tls in (False, True):
            with self.subTest(tls=tls):
                sock, line, _ = self.raw_session(tls)
                sock.sendall(b"c COMPRESS DEFLATE\r\n")
                self.assertTrue(line().startswith(b"c OK"))
                # 0xFF: a DEFLATE block of the reserved type 11 (RFC 1951 §3.2.3).
                sock.sendall(b"\xff" * 64 + b"d NOOP\r\n")
                deadline = time.monotonic() + IO_TIMEOUT
                closed = False
                while time.monotonic() < deadline:
                    try:
                        if not sock.recv(65536):
                            closed = True
                            break
                    except (ConnectionResetError, ssl.SSLError):
                        closed = True
                        break
                    except TimeoutError:
                        break
                self.assertTrue(closed, "the server kept the session open")
        # Only that session ended: the server still serves compressed clients.
        client = self.client(tls=True)
        self.assertEqual(client.compress_deflate()[0], "OK")
        self.assertEqual(client.list()[0], "OK")


if __name__ == "__main__":
    unittest.main()
