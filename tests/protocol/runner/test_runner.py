"""Self-tests of harbor_script.py against a fake line server (never Harbor): a runner that
passes everything would make every script worthless, so each grammar element must pass when
it should and fail when it should. ctest: protocol_runner_selftest. Needs openssl for TLS.
"""

import io
import os
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import types
import unittest
from pathlib import Path

import harbor_script as hs
import script_parser as sp

SERVER_WAIT = 10.0   # the fake server never waits longer than this for the client
FAIL_TIMEOUT = "@timeout 0.3\n"  # keeps the deliberate timeouts short


def make_certificate(directory, name):
    """A self-signed certificate for 'localhost' (cert, key paths), made with openssl."""
    cert, key = os.path.join(directory, f"{name}.pem"), os.path.join(directory, f"{name}.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def setUpModule():
    global CERTS, TRUSTED, UNTRUSTED
    CERTS = tempfile.TemporaryDirectory(prefix="harbor-runner-test-")
    TRUSTED = make_certificate(CERTS.name, "trusted")
    UNTRUSTED = make_certificate(CERTS.name, "untrusted")


def tearDownModule():
    CERTS.cleanup()


def client_context():
    """What the runner gets from the harness: trust exactly the 'trusted' test cert."""
    context = ssl.create_default_context(cafile=TRUSTED[0])
    return context


def server_context(pair):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*pair)
    return context


class FakeServer:
    """A loopback server that plays one scripted conversation per accepted connection, in
    accept order. Actions: ("send", bytes), ("expect", bytes) reads until those bytes have
    arrived, ("tls", cert pair) does a server-side handshake, ("close",) closes cleanly,
    ("hold",) stays silent until the client leaves, ("pause",) waits 0.15 s. Every byte
    received is kept, per connection, so tests can assert exactly what the runner sent."""

    def __init__(self, *conversations):
        self.conversations = conversations
        self.received = [bytearray() for _ in conversations]
        self.errors = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.closing = threading.Event()
        self.port = self.listener.getsockname()[1]
        self.threads = [threading.Thread(target=self.accept_all, daemon=True)]

    def __enter__(self):
        self.threads[0].start()
        return self

    def __exit__(self, *exc):
        self.closing.set()
        self.threads[0].join(SERVER_WAIT)  # first takes what is still in the backlog
        self.listener.close()
        for thread in list(self.threads):
            thread.join(SERVER_WAIT)

    def accept_all(self):
        for index, actions in enumerate(self.conversations):
            conn = self.accept()
            if conn is None:
                return  # the runner never opened this connection
            thread = threading.Thread(target=self.play, args=(conn, actions, index), daemon=True)
            self.threads.append(thread)
            thread.start()

    def accept(self):
        """The next connection, or None once the test is over and the backlog is empty."""
        while True:
            closing = self.closing.is_set()  # so one accept always starts after closing
            try:
                return self.listener.accept()[0]
            except socket.timeout:
                if closing:
                    return None
            except OSError:
                return None

    def play(self, conn, actions, index):
        conn.settimeout(SERVER_WAIT)
        seen = 0  # how much of received[index] the "expect" actions have consumed
        try:
            for action, *args in actions:
                if action == "send":
                    conn.sendall(args[0])
                elif action == "expect":
                    seen = self.read_until(conn, index, seen, args[0])
                elif action == "tls":
                    conn = server_context(args[0]).wrap_socket(conn, server_side=True)
                elif action == "pause":
                    time.sleep(0.15)  # only to trickle bytes slower than the runner's timeout
                elif action == "close":
                    break
                elif action == "hold":
                    self.drain(conn, index)
            self.finish(conn, index)
        except (OSError, ValueError) as error:
            self.errors.append(f"connection {index + 1}: {error!r}")
        finally:
            conn.close()

    def read_until(self, conn, index, seen, wanted):
        buffer = self.received[index]
        while buffer.find(wanted, seen) < 0:
            chunk = conn.recv(4096)
            if not chunk:
                raise ValueError(f"client closed before sending {wanted!r}")
            buffer += chunk
        return buffer.find(wanted, seen) + len(wanted)

    def drain(self, conn, index):
        """Read until the client closes (or SERVER_WAIT passes)."""
        try:
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                self.received[index] += chunk
        except (OSError, ssl.SSLError):
            return

    def finish(self, conn, index):
        """Close our side cleanly (FIN, not RST) and keep what the client still sends."""
        try:
            if isinstance(conn, ssl.SSLSocket):
                conn = conn.unwrap()
            conn.shutdown(socket.SHUT_WR)
        except (OSError, ssl.SSLError):
            return
        self.drain(conn, index)


def target_for(server, **variables):
    """Every listener points at the fake server (implicit-TLS ones wrap from the start)."""
    return hs.Target(ports={name: server.port for name in sp.LISTENERS},
                     tls_context=client_context(), server_hostname="localhost",
                     variables=variables)


def run(text, *conversations, variables=None, path="fake/test.smtp"):
    """Parse `text`, run it against a fake server playing `conversations`, return
    (outcome, server)."""
    script = sp.parse_text(text, path)
    with FakeServer(*conversations) as server:
        outcome = hs.run_script(script, target_for(server, **(variables or {})))
    return outcome, server


def send(text):
    return ("send", text.encode())


def expect(text):
    return ("expect", text.encode())


class Base(unittest.TestCase):
    def assertPasses(self, text, *conversations, **kwargs):
        outcome, server = run(text, *conversations, **kwargs)
        self.assertTrue(outcome.passed, outcome.report)
        self.assertEqual(server.errors, [])
        return server

    def assertFails(self, text, *conversations, message=None, line=None, **kwargs):
        outcome, server = run(text, *conversations, **kwargs)
        self.assertFalse(outcome.passed, "script passed but should have failed:\n"
                         + "\n".join(outcome.transcript))
        if message:
            self.assertIn(message, outcome.report)
        if line:
            self.assertIn(f"fake/test.smtp:{line}:", outcome.report)
        return outcome

    def assertScriptError(self, text, message):
        with self.assertRaises(hs.ScriptError) as caught:
            sp.parse_text(text, "fake/test.smtp")
        self.assertIn(message, str(caught.exception))


GREETING = [send("220 fake ESMTP\r\n")]


class SendTest(Base):
    def test_c_line_adds_crlf(self):
        server = self.assertPasses("@listener smtp\nS: 220 *\nC: EHLO x.example\n",
                                   GREETING + [expect("EHLO x.example\r\n")])
        self.assertEqual(bytes(server.received[0]), b"EHLO x.example\r\n")

    def test_c_raw_escapes_are_byte_exact(self):
        raw = r"C> a\r\nb\n.\r\t\\x\x00\xff\x7F{5}"
        server = self.assertPasses(f"@listener smtp\nS: 220 *\n{raw}\nC: END\n",
                                   GREETING + [expect("END\r\n")])
        self.assertEqual(bytes(server.received[0]),
                         b"a\r\nb\n.\r\t\\x\x00\xff\x7f{5}END\r\n")

    def test_c_raw_rejects_unknown_escape(self):
        self.assertScriptError("@listener smtp\nC> a\\qb\n", "bad escape")
        self.assertScriptError("@listener smtp\nC> a\\x4\n", "bad escape")

    def test_send_to_unknown_listener_port_fails(self):
        script = sp.parse_text("@listener imap\nC: a NOOP\n", "fake/test.smtp")
        outcome = hs.run_script(script, hs.Target(ports={}))
        self.assertFalse(outcome.passed)
        self.assertIn("offers no imap listener", outcome.report)


class ExpectTest(Base):
    def test_glob_matches(self):
        self.assertPasses("@listener smtp\nS: 220 * ESMTP\nS: 250*\nS: x\n",
                          [send("220 host.example ESMTP\r\n250\r\nx\r\n")])

    def test_wrong_line_fails_with_location_and_transcript(self):
        outcome = self.assertFails("@listener smtp\nS: 220 *\nC: QUIT\nS: 221 2.0.0 *\n",
                                   GREETING + [expect("QUIT\r\n"), send("250 2.0.0 Bye\r\n")],
                                   message="got: 250 2.0.0 Bye", line=4)
        self.assertIn("expected S: 221 2.0.0 *", outcome.report)
        self.assertIn("1 C: QUIT", outcome.report)
        self.assertIn("1 S: 220 fake ESMTP", outcome.report)

    def test_only_star_is_special_in_globs(self):
        self.assertFails("@listener smtp\nS: 250 ok?\n", [send("250 okX\r\n")], line=2)
        self.assertFails("@listener smtp\nS: 250 [ab]\n", [send("250 a\r\n")], line=2)
        self.assertFails("@listener smtp\nS: 250 a.c\n", [send("250 abc\r\n")], line=2)
        self.assertPasses("@listener smtp\nS: 250 [a?].c\n", [send("250 [a?].c\r\n")])

    def test_glob_must_match_the_whole_line(self):
        self.assertFails("@listener smtp\nS: 250\n", [send("250 ok\r\n")], line=2)

    def test_missing_line_fails_when_server_closes(self):
        self.assertFails("@listener smtp\nS: 220 *\nS: 250 *\n", GREETING + [("close",)],
                         message="closed by the server", line=3)

    def test_missing_line_fails_on_timeout(self):
        self.assertFails(FAIL_TIMEOUT + "@listener smtp\nS: 220 *\nS: 250 *\n",
                         GREETING + [("hold",)], message="nothing within 0.3 s", line=4)

    def test_timeout_bounds_the_whole_line(self):
        trickle = [send("2"), ("pause",), send("5"), ("pause",), send("0"), ("pause",),
                   send(" ok\r\n")]
        self.assertFails(FAIL_TIMEOUT + "@listener smtp\nS: 250 ok\n", trickle,
                         message="nothing within 0.3 s (partial: 2")

    def test_partial_line_is_reported_on_timeout(self):
        self.assertFails(FAIL_TIMEOUT + "@listener smtp\nS: 220 *\n",
                         [send("220 no crlf"), ("hold",)], message="partial: 220 no crlf")

    def test_bare_lf_from_server_fails(self):
        self.assertFails("@listener smtp\nS: 220 *\n", [send("220 x\n")], message="CRLF")

    def test_regex_fullmatch(self):
        self.assertPasses("@listener smtp\nS~ 2[0-9]{2} (ok|fine)\n", [send("250 fine\r\n")])
        self.assertFails("@listener smtp\nS~ 2[0-9]{2}\n", [send("250 fine\r\n")], line=2)

    def test_invalid_regex_is_a_script_error(self):
        self.assertScriptError("@listener smtp\nS~ 250 (\n", "invalid regex")


class ManyTest(Base):
    EHLO = "@listener smtp\nS: 220 *\nS*: 250-*\nS: 250 *\nC: QUIT\n"

    def test_zero_lines(self):
        self.assertPasses(self.EHLO, GREETING + [send("250 only\r\n"), expect("QUIT\r\n")])

    def test_several_lines_then_the_next_expectation(self):
        self.assertPasses(self.EHLO, GREETING + [send("250-a\r\n250-b\r\n250-c\r\n250 d\r\n"),
                                                 expect("QUIT\r\n")])

    def test_first_non_matching_line_goes_to_the_next_expectation(self):
        self.assertFails(self.EHLO, GREETING + [send("250-a\r\n550 no\r\n")],
                         message="got: 550 no", line=4)


class CaptureTest(Base):
    def test_capture_then_substitute(self):
        text = ("@listener imap\nS: * OK *\nC: a SELECT INBOX\nS: * OK [UIDVALIDITY {uv}] *\n"
                "S: a OK *\nC: b CHECK {uv}\nS: b OK {uv}\n")
        server = self.assertPasses(text, [send("* OK hi\r\n"), expect("INBOX\r\n"),
                                          send("* OK [UIDVALIDITY 1234] x\r\na OK y\r\n"),
                                          expect("CHECK 1234\r\n"), send("b OK 1234\r\n")])
        self.assertIn(b"b CHECK 1234\r\n", bytes(server.received[0]))

    def test_capture_mismatch_fails(self):
        self.assertFails("@listener imap\nS: * {n} EXISTS\nS: * {n} RECENT\n",
                         [send("* 3 EXISTS\r\n* 4 RECENT\r\n")], message="got: * 4 RECENT",
                         line=3)

    def test_capture_is_a_non_space_run(self):
        self.assertFails("@listener imap\nS: a {n} EXISTS\n", [send("a 3 4 EXISTS\r\n")])
        self.assertFails("@listener imap\nS: a {n} EXISTS\n", [send("a  EXISTS\r\n")])

    def test_repeated_capture_in_one_line_must_agree(self):
        self.assertPasses("@listener imap\nS: {a} and {a}\n", [send("x and x\r\n")])
        self.assertFails("@listener imap\nS: {a} and {a}\n", [send("x and y\r\n")])

    def test_predefined_variables_are_literal(self):
        variables = {"user": "alice@example.test", "password": "p*ss.w0rd"}
        text = "@listener smtp\nS: {user} *\nC: AUTH {user} {password} {port}\nS: ok {password}\n"
        server = self.assertPasses(text, [send("alice@example.test hi\r\n"), expect("\r\n"),
                                          send("ok p*ss.w0rd\r\n")], variables=variables)
        port = server.port
        self.assertEqual(bytes(server.received[0]),
                         f"AUTH alice@example.test p*ss.w0rd {port}\r\n".encode())
        self.assertFails(text, [send("alice@example.test hi\r\n"), expect("\r\n"),
                                send("ok pXss.w0rd\r\n")], variables=variables, line=4)

    def test_unknown_variable_in_a_client_line_fails(self):
        self.assertFails("@listener smtp\nC: USER {nobody}\n", [],
                         message="{nobody} is used before")

    def test_imap_literal_braces_are_not_variables(self):
        server = self.assertPasses("@listener imap\nC: a APPEND INBOX {5}\n",
                                   [expect("{5}\r\n")])
        self.assertEqual(bytes(server.received[0]), b"a APPEND INBOX {5}\r\n")


class ConnectionTest(Base):
    def test_second_connection(self):
        text = ("@listener imap\nS: * OK one\n2 S: * OK two\n2 C: b NOOP\n2 S: b OK\n"
                "C: a NOOP\nS: a OK\n")
        server = self.assertPasses(
            text, [send("* OK one\r\n"), expect("a NOOP\r\n"), send("a OK\r\n")],
            [send("* OK two\r\n"), expect("b NOOP\r\n"), send("b OK\r\n")])
        self.assertEqual(bytes(server.received[0]), b"a NOOP\r\n")
        self.assertEqual(bytes(server.received[1]), b"b NOOP\r\n")

    def test_second_connection_wrong_line_names_it(self):
        self.assertFails("@listener imap\nS: * OK one\n2 S: * OK two\n",
                         [send("* OK one\r\n")], [send("* NO two\r\n")],
                         message="got: * NO two", line=3)

    def test_no_listener_is_a_script_error(self):
        self.assertFails("S: 220 *\n", [], message="no @listener")

    def test_unknown_listener_is_a_script_error(self):
        self.assertScriptError("@listener gopher\n", "unknown listener")


class BlockTest(Base):
    BLOCK = "@listener imap\nS{\nS: * 3 EXISTS\nS: * 0 RECENT\nS: * OK *\nS}\nS: a OK\n"

    def test_any_order(self):
        self.assertPasses(self.BLOCK, [send("* OK x\r\n* 0 RECENT\r\n* 3 EXISTS\r\na OK\r\n")])
        self.assertPasses(self.BLOCK, [send("* 3 EXISTS\r\n* 0 RECENT\r\n* OK x\r\na OK\r\n")])

    def test_missing_line_fails(self):
        self.assertFails(self.BLOCK, [send("* OK x\r\n* 0 RECENT\r\na OK\r\n")],
                         message="got:\n    * OK x\n    * 0 RECENT\n    a OK", line=2)

    def test_missing_line_fails_on_timeout(self):
        self.assertFails(FAIL_TIMEOUT + self.BLOCK, [send("* OK x\r\n* 0 RECENT\r\n"), ("hold",)],
                         message="nothing within", line=3)

    def test_duplicate_line_fails(self):
        self.assertFails(self.BLOCK, [send("* OK x\r\n* OK y\r\n* 3 EXISTS\r\na OK\r\n")])

    def test_broad_glob_does_not_steal_a_narrow_line(self):
        self.assertPasses("@listener imap\nS{\nS: * *\nS: * OK x\nS}\n",
                          [send("* OK x\r\n* FLAGS ()\r\n")])

    def test_captures_in_a_block(self):
        text = "@listener imap\nS{\nS: * {n} EXISTS\nS: * OK {n}\nS}\nC: a {n}\n"
        server = self.assertPasses(text, [send("* OK 7\r\n* 7 EXISTS\r\n"), expect("\r\n")])
        self.assertEqual(bytes(server.received[0]), b"a 7\r\n")
        self.assertFails(text, [send("* OK 8\r\n* 7 EXISTS\r\n")])

    def test_block_syntax_errors(self):
        self.assertScriptError("@listener imap\nS{\nS: x\n", "not closed")
        self.assertScriptError("@listener imap\nS}\n", "S} without S{")
        self.assertScriptError("@listener imap\nS{\nC: x\nS}\n", "only S: and S~")
        self.assertScriptError("@listener imap\nS{\nS}\n", "empty")


class ClosedTest(Base):
    def test_close_passes(self):
        self.assertPasses("@listener smtp\nS: 221 *\n!closed\n", [send("221 bye\r\n"), ("close",)])

    def test_extra_line_instead_of_close_fails(self):
        self.assertFails("@listener smtp\nS: 221 *\n!closed\n", [send("221 bye\r\n250 more\r\n")],
                         message="got: 250 more", line=3)

    def test_still_open_fails(self):
        self.assertFails(FAIL_TIMEOUT + "@listener smtp\nS: 221 *\n!closed\n",
                         [send("221 bye\r\n"), ("hold",)], message="still open", line=4)

    def test_use_after_close_fails(self):
        self.assertFails("@listener smtp\nS: 221 *\n!closed\nC: NOOP\n",
                         [send("221 bye\r\n"), ("close",)], message="already closed", line=4)


class TlsTest(Base):
    def starttls(self, pair, after_ready=""):
        return [send("220 fake\r\n"), expect("STARTTLS\r\n"), send("220 ready\r\n" + after_ready),
                ("tls", pair), send("250 secure\r\n"), expect("NOOP\r\n"), send("250 ok\r\n")]

    SCRIPT = ("@listener smtp\nS: 220 *\nC: STARTTLS\nS: 220 *\n!starttls\nS: 250 secure\n"
              "C: NOOP\nS: 250 ok\n")

    def test_starttls_upgrades(self):
        server = self.assertPasses(self.SCRIPT, self.starttls(TRUSTED))
        self.assertEqual(bytes(server.received[0]), b"STARTTLS\r\nNOOP\r\n")

    def test_starttls_with_an_untrusted_certificate_fails(self):
        self.assertFails(self.SCRIPT, self.starttls(UNTRUSTED), message="handshake failed",
                         line=5)

    def test_plaintext_after_the_go_ahead_fails(self):
        self.assertFails(self.SCRIPT, self.starttls(TRUSTED, after_ready="250 injected\r\n"),
                         message="250 injected", line=5)

    def test_implicit_tls_listener(self):
        self.assertPasses("@listener submissions\nS: 220 tls\nC: QUIT\nS: 221 *\n!closed\n",
                          [("tls", TRUSTED), send("220 tls\r\n"), expect("QUIT\r\n"),
                           send("221 bye\r\n"), ("close",)])

    def test_implicit_tls_with_an_untrusted_certificate_fails(self):
        self.assertFails("@listener imaps\nS: * OK *\n", [("tls", UNTRUSTED)],
                         message="implicit TLS handshake failed")


class ScriptFileTest(Base):
    """Headers, !include, settings and discovery, using files in a temporary directory."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = Path(self.dir.name)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, text):
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def test_header(self):
        script = hs.parse_script(self.write("a.smtp", "# name: smtp/a\n# rfc: 5321 §4.2\n"
                                            "# other comment\n@listener smtp\n"))
        self.assertEqual((script.name, script.rfc), ("smtp/a", "5321 §4.2"))

    def test_include_is_relative_to_the_including_file(self):
        self.write("imap/common/login.imap", "C: a LOGIN {user} {password}\nS: a OK *\n")
        path = self.write("imap/t.imap", "@listener imap\nS: * OK *\n!include common/login.imap\n"
                          "C: b LOGOUT\n")
        with FakeServer([send("* OK hi\r\n"), expect("\r\n"), send("a OK in\r\n"),
                         expect("LOGOUT\r\n")]) as server:
            outcome = hs.run_script(hs.parse_script(path),
                                    target_for(server, user="u", password="p"))
        self.assertTrue(outcome.passed, outcome.report)
        self.assertEqual(bytes(server.received[0]), b"a LOGIN u p\r\nb LOGOUT\r\n")

    def test_failure_inside_an_include_names_both_files(self):
        self.write("imap/common/login.imap", "C: a LOGIN x y\nS: a OK *\n")
        path = self.write("imap/t.imap", "@listener imap\n!include common/login.imap\n")
        with FakeServer([expect("\r\n"), send("a NO bad\r\n")]) as server:
            outcome = hs.run_script(hs.parse_script(path), target_for(server))
        self.assertFalse(outcome.passed)
        self.assertIn("login.imap:2 (included from", outcome.report)
        self.assertIn("t.imap:2)", outcome.report)

    def test_missing_include_is_a_script_error(self):
        path = self.write("t.imap", "!include nowhere.imap\n")
        with self.assertRaisesRegex(hs.ScriptError, "t.imap:1: cannot include nowhere.imap"):
            hs.parse_script(path)

    def test_include_cycle_is_bounded(self):
        path = self.write("loop.imap", "!include loop.imap\n")
        with self.assertRaisesRegex(hs.ScriptError, "nested deeper"):
            hs.parse_script(path)

    def test_directives_and_settings(self):
        self.assertScriptError("!sleep 1\n", "!sleep is not allowed")
        self.assertScriptError("!frobnicate\n", "unknown directive")
        self.assertScriptError("!closed now\n", "takes no argument")
        self.assertScriptError("@timeout soon\n", "@timeout needs seconds")
        self.assertScriptError("@timeout 0\n", "@timeout needs seconds")
        self.assertScriptError("@user bob\n", "unsupported setting @user")
        self.assertScriptError("C:NOOP\n", "expected a space")
        self.assertScriptError("hello\n", "cannot parse line")

    def test_discover_finds_scripts_and_skips_common(self):
        for name in ("smtp/a.smtp", "imap/b.imap", "pop3/c.pop3", "imap/common/login.imap",
                     "runner/notes.txt"):
            self.write(name, "")
        found = [p.relative_to(self.root).as_posix() for p in hs.discover([self.root])]
        self.assertEqual(found, ["imap/b.imap", "pop3/c.pop3", "smtp/a.smtp"])
        explicit = self.root / "imap/common/login.imap"
        self.assertEqual(hs.discover([explicit]), [explicit])

    def test_run_all_prints_results_and_summary(self):
        good = self.write("good.smtp", "@listener smtp\nS: 220 *\n")
        bad = self.write("bad.smtp", "@listener smtp\nS: 554 *\n")
        broken = self.write("broken.smtp", "!sleep 1\n")
        out = io.StringIO()
        with FakeServer([send("220 a\r\n")], [send("220 b\r\n")]) as server:
            counts = hs.run_all([good, bad, broken], target_for(server), out)
        self.assertEqual(counts, (1, 2))
        lines = out.getvalue().splitlines()
        self.assertEqual(lines[0], f"PASS {good}")
        self.assertIn(f"FAIL {bad}", lines)
        self.assertIn(f"FAIL {broken}", lines)

    def test_dead_server_fails_the_remaining_scripts(self):
        good = self.write("good.smtp", "@listener smtp\n")
        out = io.StringIO()
        counts = hs.run_all([good, good], hs.Target(ports={}), out, alive=lambda: "it died")
        self.assertEqual(counts, (0, 2))
        self.assertIn("it died", out.getvalue())


class HarborVariablesTest(unittest.TestCase):
    """The predefined variables taken from demo.json, {auth_plain} included."""

    def server(self, accounts):
        return types.SimpleNamespace(accounts=accounts, domain="example.test", demo={})

    def test_accounts_give_user_password_and_auth_plain(self):
        variables = hs.harbor_variables(self.server([
            {"address": "admin@example.test", "password": "adm", "role": "admin"},
            {"address": "alice@example.test", "password": "p*ss.w0rd", "role": "user"},
            {"address": "bob@example.test", "password": "s3cret", "role": "user"}]))
        self.assertEqual(variables["user"], "alice@example.test")
        self.assertEqual(variables["password2"], "s3cret")
        # base64("\0alice@example.test\0p*ss.w0rd"), worked out by hand (RFC 4616 §2)
        self.assertEqual(variables["auth_plain"], "AGFsaWNlQGV4YW1wbGUudGVzdABwKnNzLncwcmQ=")
        self.assertEqual(variables["auth_plain2"], "AGJvYkBleGFtcGxlLnRlc3QAczNjcmV0")
        self.assertEqual(variables["admin_password"], "adm")
        self.assertNotIn("hostname", variables)

    def test_auth_plain_is_absent_without_users(self):
        variables = hs.harbor_variables(self.server(
            [{"address": "admin@example.test", "password": "adm", "role": "admin"}]))
        self.assertNotIn("auth_plain", variables)
        self.assertNotIn("auth_plain2", variables)


if __name__ == "__main__":
    unittest.main()
