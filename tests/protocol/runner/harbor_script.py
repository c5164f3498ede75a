#!/usr/bin/python3
"""Runs protocol conversation scripts (tests/protocol/**.smtp|.imap|.pop3) against Harbor.
Grammar: STYLE.md §10.5, docs/testing.md. Python, so Harbor's parsers never grade themselves.
Parsing and running are separate (run_script takes a Target), so self-tests use a fake server.
SECURITY: every read has a timeout and a 1 MiB line bound, so a bad server cannot hang us.
"""

import argparse
import base64
import dataclasses
import re
import signal
import socket
import ssl
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from script_parser import Mismatch, ScriptError, parse_script

IMPLICIT_TLS = frozenset({"submissions", "imaps", "pop3s"})
SCRIPT_SUFFIXES = (".smtp", ".imap", ".pop3")
INCLUDE_ONLY_DIRS = frozenset({"common"})  # fragments for !include, never run on their own
DEFAULT_TIMEOUT = 5.0
MAX_LINE_BYTES = 1 << 20
TRANSCRIPT_TAIL = 20


class Closed(Exception):
    """The server closed the connection (EOF, reset or TLS EOF)."""


class TimedOut(Exception):
    """No complete line arrived within the timeout."""


def show(data):
    """A line or byte string as printable text, control characters escaped."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="backslashreplace")
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in data)


class Connection:
    """One client connection with a line buffer and a one-line push-back (for S*:)."""

    def __init__(self, number, listener, sock):
        self.number = number
        self.listener = listener
        self.sock = sock
        self.buffer = bytearray()
        self.pushed = None
        self.closed = False
        self.eof = False

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as error:
            raise Mismatch(f"connection {self.number}: send failed: {error}") from None

    def read_line(self, timeout):
        """The next CRLF-terminated line without its CRLF. Raises Closed or TimedOut.

        The timeout bounds the whole line, so a server trickling bytes cannot stretch it.
        A line ending in a bare LF is reported as a mismatch: servers must send CRLF."""
        if self.pushed is not None:
            line, self.pushed = self.pushed, None
            return line
        deadline = time.monotonic() + timeout
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                raw = bytes(self.buffer[:end + 1])
                del self.buffer[:end + 1]
                if not raw.endswith(b"\r\n"):
                    raise Mismatch(f"connection {self.number}: server line not terminated by "
                                   f"CRLF: {show(raw)}")
                return raw[:-2].decode("utf-8", errors="backslashreplace")
            if len(self.buffer) > MAX_LINE_BYTES:
                raise Mismatch(f"connection {self.number}: server line longer than "
                               f"{MAX_LINE_BYTES} bytes")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimedOut()
            self._receive(remaining)

    def push_back(self, line):
        self.pushed = line

    def _receive(self, timeout):
        """Append what the socket has to the buffer, waiting at most `timeout`."""
        if self.eof:
            raise Closed()
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            raise TimedOut() from None
        except (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
            chunk = b""
        except (ssl.SSLError, OSError) as error:
            raise Mismatch(f"connection {self.number}: receive failed: {error}") from None
        if not chunk:
            self.eof = True
            raise Closed()
        self.buffer += chunk

    def has_unread(self):
        return self.pushed is not None or bool(self.buffer)

    def unread(self):
        return (self.pushed or "") + show(bytes(self.buffer))

    def close(self):
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass


# -- running -----------------------------------------------------------------------------------

@dataclass
class Target:
    """Where scripts connect: a host, listener -> port, the TLS client context and the
    predefined variables. Built from a HarborServer, or by hand in the self-tests."""
    ports: dict
    host: str = "127.0.0.1"
    tls_context: object = None
    server_hostname: str = "localhost"
    variables: dict = field(default_factory=dict)
    tls_error: str = "no TLS context configured for this target"
    # The client address to connect from (None: the kernel's choice). run_all gives each
    # script its own loopback address, so that per-client state in the server (the login
    # throttle shared by SMTP AUTH and IMAP) does not leak from one script into the next.
    source_host: object = None


@dataclass
class Outcome:
    passed: bool
    report: str
    transcript: list


class Session:
    """The state of one script run: connections, current listener, timeout, variables."""

    def __init__(self, target):
        self.target = target
        self.listener = None
        self.timeout = DEFAULT_TIMEOUT
        self.variables = dict(target.variables)
        self.connections = {}
        self.transcript = []

    # variables ----------------------------------------------------------------------------

    def value(self, name):
        """A known variable's value, or None. {port} is the current listener's port."""
        if name in self.variables:
            return self.variables[name]
        if name == "port" and self.listener in self.target.ports:
            return str(self.target.ports[self.listener])
        return None

    def render(self, template, step, as_bytes):
        """Substitute variables in a C: / C> template; an unknown name is a script error."""
        out = []
        for part in template:
            if isinstance(part, tuple):
                value = self.value(part[1])
                if value is None:
                    raise ScriptError(f"{step.where}: {{{part[1]}}} is used before it is "
                                      "captured or defined")
                out.append(value.encode("utf-8") if as_bytes else value)
            else:
                out.append(part)
        return b"".join(out) if as_bytes else "".join(out)

    def compile(self, step, captures):
        """The regex for an S: / S~ / S*: template: known variables (and `captures`, the
        tentative ones of an S{ block) are literal, unknown ones capture a non-space run
        (and must repeat the same text within the line)."""
        pieces, seen = [], set()
        for part in step.arg:
            if isinstance(part, tuple):
                name = part[1]
                value = captures[name] if name in captures else self.value(name)
                if value is not None:
                    pieces.append(re.escape(value))
                elif name in seen:
                    pieces.append(f"(?P=v_{name})")
                else:
                    seen.add(name)
                    pieces.append(rf"(?P<v_{name}>\S+)")
            elif step.kind == "regex":
                pieces.append(part)
            else:
                pieces.append(".*".join(re.escape(chunk) for chunk in part.split("*")))
        return re.compile("".join(pieces), re.DOTALL)

    def match(self, step, line, captures=None):
        """Captured variables if `line` matches `step` (given tentative captures), else None."""
        found = self.compile(step, captures or {}).fullmatch(line)
        if not found:
            return None
        return {key[2:]: text for key, text in found.groupdict().items()
                if key.startswith("v_")}

    # connections --------------------------------------------------------------------------

    def connection(self, step):
        """Connection `step.conn`, opened on the current listener on first use."""
        existing = self.connections.get(step.conn)
        if existing is not None:
            if existing.closed:
                raise Mismatch(f"connection {step.conn} was already closed (!closed)")
            return existing
        if self.listener is None:
            raise ScriptError(f"{step.where}: no @listener before the first connection")
        port = self.target.ports.get(self.listener)
        if port is None:
            raise Mismatch(f"the server offers no {self.listener} listener")
        sock = self.open_socket(self.listener, port)
        conn = Connection(step.conn, self.listener, sock)
        self.connections[step.conn] = conn
        self.log(step.conn, f"connected to {self.listener} ({self.target.host}:{port})")
        return conn

    def open_socket(self, listener, port):
        try:
            source = (self.target.source_host, 0) if self.target.source_host else None
            sock = socket.create_connection((self.target.host, port), timeout=self.timeout,
                                            source_address=source)
        except OSError as error:
            raise Mismatch(f"cannot connect to {listener} on port {port}: {error}") from None
        if listener in IMPLICIT_TLS:
            return self.handshake(sock, "implicit TLS")
        return sock

    def handshake(self, sock, what):
        """Wrap `sock` in TLS, verifying the server against the target's context."""
        if self.target.tls_context is None:
            sock.close()
            raise Mismatch(f"{what}: {self.target.tls_error}")
        sock.settimeout(self.timeout)
        try:
            return self.target.tls_context.wrap_socket(
                sock, server_hostname=self.target.server_hostname)
        except (ssl.SSLError, OSError) as error:
            sock.close()
            raise Mismatch(f"{what} handshake failed: {error}") from None

    def close_all(self):
        for conn in self.connections.values():
            conn.close()

    def log(self, conn, text):
        self.transcript.append(f"{conn} {text}")

    # steps --------------------------------------------------------------------------------

    def run(self, step):
        handler = getattr(self, f"do_{step.kind}")
        handler(step)

    def do_listener(self, step):
        self.listener = step.arg

    def do_timeout(self, step):
        self.timeout = step.arg

    def do_send(self, step):
        text = self.render(step.arg, step, as_bytes=False)
        conn = self.connection(step)
        self.log(step.conn, f"C: {show(text)}")
        conn.send(text.encode("utf-8") + b"\r\n")

    def do_raw(self, step):
        data = self.render(step.arg, step, as_bytes=True)
        conn = self.connection(step)
        self.log(step.conn, f"C> {show(data)}")
        conn.send(data)

    def read(self, conn, wanted):
        """One server line for an expectation, with close and timeout turned into failures."""
        try:
            line = conn.read_line(self.timeout)
        except Closed:
            raise Mismatch(f"expected {wanted}\n  got: connection {conn.number} closed by "
                           "the server") from None
        except TimedOut:
            raise Mismatch(f"expected {wanted}\n  got: nothing within {self.timeout:g} s"
                           + (f" (partial: {show(bytes(conn.buffer))})" if conn.buffer else "")
                           ) from None
        self.log(conn.number, f"S: {show(line)}")
        return line

    def expect_one(self, step):
        conn = self.connection(step)
        line = self.read(conn, describe(step))
        captures = self.match(step, line)
        if captures is None:
            raise Mismatch(f"expected {describe(step)}\n  got: {show(line)}")
        self.variables.update(captures)

    do_glob = expect_one
    do_regex = expect_one

    def do_many(self, step):
        """S*: take lines while they match; the first other line is left for the next step.
        End of input (close or timeout) also ends the run of lines."""
        conn = self.connection(step)
        while True:
            try:
                line = conn.read_line(self.timeout)
            except (Closed, TimedOut):
                return
            captures = self.match(step, line)
            if captures is None:
                conn.push_back(line)
                return
            self.log(conn.number, f"S: {show(line)}")
            self.variables.update(captures)

    def do_block(self, step):
        """S{ ... S}: as many lines as the block has, matched to its lines in any order."""
        conn = self.connection(step)
        wanted = "one line each for (any order):\n" + "\n".join(
            f"    {describe(item)}  [{item.where}]" for item in step.arg)
        lines = [self.read(conn, wanted) for _ in step.arg]
        captures = self.assign(step.arg, lines, {})
        if captures is None:
            got = "\n".join(f"    {show(line)}" for line in lines)
            raise Mismatch(f"expected {wanted}\n  got:\n{got}")
        self.variables.update(captures)

    def assign(self, items, lines, captures):
        """Backtracking match of lines to block items (so a broad glob cannot steal the line a
        narrow one needs); returns the captures of a complete assignment or None."""
        if not lines:
            return captures
        line, rest = lines[0], lines[1:]
        for index, item in enumerate(items):
            found = self.match(item, line, captures)
            if found is None:
                continue
            result = self.assign(items[:index] + items[index + 1:], rest, {**captures, **found})
            if result is not None:
                return result
        return None

    def do_starttls(self, step):
        """Upgrade the connection. Plaintext already received after the server's go-ahead is
        an error: it would be injected into the TLS session (SECURITY-CASES 16, 17)."""
        conn = self.connection(step)
        if conn.has_unread():
            raise Mismatch(f"expected nothing before !starttls\n  got: {conn.unread()}")
        conn.sock = self.handshake(conn.sock, "STARTTLS")
        self.log(step.conn, f"!starttls ({conn.sock.version()})")

    def do_closed(self, step):
        """The server must close: EOF (or reset) within the timeout, nothing else first."""
        conn = self.connection(step)
        if conn.has_unread():
            raise Mismatch(f"expected the server to close\n  got: {conn.unread()}")
        try:
            line = conn.read_line(self.timeout)
        except Closed:
            self.log(step.conn, "!closed")
            conn.close()
            return
        except TimedOut:
            raise Mismatch(f"expected the server to close\n  got: still open after "
                           f"{self.timeout:g} s") from None
        self.log(step.conn, f"S: {show(line)}")
        raise Mismatch(f"expected the server to close\n  got: {show(line)}")


def describe(step):
    """An expectation as written, for messages."""
    text = "".join(part if isinstance(part, str) else "{" + part[1] + "}" for part in step.arg)
    label = {"glob": "S:", "regex": "S~", "many": "S*:"}[step.kind]
    return f"{label} {text}"


def run_script(script, target):
    """Run one parsed script on fresh connections; never raises for script or server faults."""
    session = Session(target)
    try:
        for step in script.steps:
            try:
                session.run(step)
            except Mismatch as error:
                return failure(script, session, f"{step.where}: {error}")
        return Outcome(True, f"PASS {script.path}", session.transcript)
    except ScriptError as error:
        return failure(script, session, f"script error: {error}")
    except Exception as error:  # a runner bug must fail this script, not abort the run
        return failure(script, session, f"runner error: {error!r}")
    finally:
        session.close_all()


def failure(script, session, message):
    lines = [f"FAIL {script.path}", f"  {message}"]
    if session.transcript:
        lines.append(f"  last {TRANSCRIPT_TAIL} transcript lines:")
        lines += [f"    {entry}" for entry in session.transcript[-TRANSCRIPT_TAIL:]]
    return Outcome(False, "\n".join(lines), session.transcript)


def run_file(path, target):
    """Parse and run one file; a parse error is that script's failure."""
    try:
        script = parse_script(path)
    except ScriptError as error:
        return Outcome(False, f"FAIL {path}\n  script error: {error}", [])
    return run_script(script, target)


# -- discovery and the command line -----------------------------------------------------------

def discover(arguments):
    """Script files named on the command line or found below named directories (sorted;
    files in `common/` directories are !include fragments and are skipped)."""
    found = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            for candidate in sorted(path.rglob("*")):
                relative = candidate.relative_to(path).parts[:-1]
                if candidate.suffix in SCRIPT_SUFFIXES and candidate.is_file() and \
                        not INCLUDE_ONLY_DIRS.intersection(relative):
                    found.append(candidate)
        else:
            found.append(path)
    return found


def sasl_plain(user, password):
    """The AUTH PLAIN response for user and password: base64 of NUL authcid NUL passwd, with no
    authorization identity (RFC 4616 §2; RFC 4954 §4 sends it base64-encoded). Scripts have no
    base64 helper, so the runner predefines it as {auth_plain} and {auth_plain2}."""
    message = b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")
    return base64.b64encode(message).decode("ascii")


def harbor_variables(server):
    """The predefined {variables} from demo.json ({port} is added per listener at run time)."""
    accounts = server.accounts
    users = [a for a in accounts if a.get("role") == "user"]
    admins = [a for a in accounts if a.get("role") == "admin"]
    variables = {"domain": server.domain}
    if users:
        variables["user"], variables["password"] = users[0]["address"], users[0]["password"]
        variables["auth_plain"] = sasl_plain(users[0]["address"], users[0]["password"])
    if len(users) > 1:
        variables["user2"], variables["password2"] = users[1]["address"], users[1]["password"]
        variables["auth_plain2"] = sasl_plain(users[1]["address"], users[1]["password"])
    if admins:
        variables["admin"] = admins[0]["address"]
        variables["admin_password"] = admins[0]["password"]
    if server.demo.get("hostname"):
        variables["hostname"] = server.demo["hostname"]  # else {hostname} captures on first use
    return variables


def import_harness():
    """tests/interop/harbor_harness.py, imported by path (the tests are not a package)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "interop"))
    import harbor_harness  # noqa: E402 (path set just above)
    return harbor_harness


def run_all(paths, target, out, alive=lambda: None):
    """Run every script and print PASS/FAIL for each; return (passed, failed).
    `alive` returns a message once the server has died, which fails the remaining scripts."""
    passed = failed = 0
    for number, path in enumerate(paths):
        if target.host == "127.0.0.1":
            # 127.0.1.1, 127.0.1.2, ...: all of 127.0.0.0/8 is loopback (RFC 1122 §3.2.1.3).
            target = dataclasses.replace(
                target, source_host=f"127.0.{1 + number // 250}.{1 + number % 250}")
        dead = alive()
        outcome = Outcome(False, f"FAIL {path}\n  {dead}", []) if dead else run_file(path, target)
        if outcome.passed:
            dead = alive()
            if dead:
                outcome = Outcome(False, f"FAIL {path}\n  {dead}", outcome.transcript)
        print(outcome.report, file=out, flush=True)
        passed += outcome.passed
        failed += not outcome.passed
    return passed, failed


def harbor_target(server, harness):
    """The Target for a started Harbor. A certificate that cannot be loaded fails only the
    scripts that use TLS, with the reason."""
    target = Target(ports=server.ports, server_hostname=harness.TLS_SERVER_NAME,
                    variables=harbor_variables(server))
    try:
        target.tls_context = server.tls_context()
    except (OSError, ssl.SSLError) as error:
        target.tls_error = f"cannot load the demo certificate {server.certificate}: {error}"
    return target


def stop_problem(server, harness):
    """None if Harbor stops cleanly on SIGTERM (exit 0), else why not."""
    try:
        code = server.stop()
    except harness.HarborError as error:
        return str(error)
    return None if code == 0 else f"harbor exited with {code} on SIGTERM\n{server.output()}"


def run_against_harbor(binary, paths, out):
    """Start one Harbor, run the scripts, stop it; return (passed, failed). A failed start
    fails every script; an unclean stop counts as one more failure."""
    harness = import_harness()
    try:
        with harness.HarborServer(binary) as server:
            try:
                target = harbor_target(server, harness)
            except (KeyError, TypeError, AttributeError) as error:
                print(f"FAIL harbor start\n  demo.json lacks or mistypes {error}",
                      file=out, flush=True)
                return 0, len(paths)

            def alive():
                code = server.process.poll() if server.process else None
                return None if code is None else f"harbor exited with {code} during the run"

            passed, failed = run_all(paths, target, out, alive)
            if failed:
                out.write(server.output())
            problem = stop_problem(server, harness)
            if problem:
                print(f"FAIL harbor shutdown\n  {problem}", file=out, flush=True)
                failed += 1
            return passed, failed
    except harness.HarborError as error:
        print(f"FAIL harbor start\n  {error}", file=out, flush=True)
        return 0, len(paths)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run Harbor protocol conversation scripts.")
    parser.add_argument("--harbor", required=True, help="path to the harbor binary")
    parser.add_argument("scripts", nargs="+", help="script files or directories")
    args = parser.parse_args(argv)
    paths = discover(args.scripts)
    if not paths:
        parser.error("no *.smtp, *.imap or *.pop3 scripts found")
    # ctest's timeout sends SIGTERM: unwind so the with-block stops Harbor.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    passed, failed = run_against_harbor(args.harbor, paths, sys.stdout)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
