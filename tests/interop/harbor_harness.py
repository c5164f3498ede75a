"""Starts and stops a real `harbor serve --demo` for the interop and protocol tests (API:
docs/testing.md). Random free port base, since ctest -j runs suites in parallel; ready means
a fresh demo.json and accepting ports; SIGTERM with a bounded wait. It only ever signals
the process it started. Standard library only (Debian python3).
"""

import ctypes
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

# Offsets from --port-base, as fixed by the `harbor serve --demo` contract.
PORT_OFFSETS = {
    "smtp": 25,
    "submission": 587,
    "submissions": 465,
    "imap": 143,
    "imaps": 993,
    "pop3": 110,
    "pop3s": 995,
    "http": 80,
}

# Listeners that speak TLS from the first byte (RFC 8314 implicit TLS).
IMPLICIT_TLS = frozenset({"submissions", "imaps", "pop3s"})

# The name the demo certificate is issued for; clients verify against it.
TLS_SERVER_NAME = "localhost"

LOOPBACK = "127.0.0.1"
PORT_BASE_RANGE = (20000, 55000)
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
START_ATTEMPTS = 3  # port races with parallel suites are retried, real failures are not hidden


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent():
    """Ask Linux to SIGTERM Harbor if the test process dies (ctest kills a timed-out test
    with SIGKILL, which runs no cleanup); best effort, runs in the child before exec."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class HarborError(Exception):
    """Harbor could not be started or stopped as the contract says; carries its output."""


def terminate(process, timeout=10):
    """SIGTERM, then SIGKILL if `process` has not exited within `timeout` seconds. True when it
    exited by itself (or had already)."""
    if process.poll() is not None:
        return True
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False


def port_is_free(port, host=LOOPBACK):
    """True if `port` can be bound now. Without SO_REUSEADDR, so TIME_WAIT counts as taken,
    which is what Harbor's own bind will see if it does not set the option either."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def pick_port_base(rng=None, attempts=500):
    """A random base N such that N+25 … N+995 are all bindable on loopback right now.

    Random rather than sequential so that two suites started together rarely try the same
    base; the check is only a hint (another process may bind in between), which is why
    HarborServer retries a start that fails with 'address in use'."""
    rng = rng or random.SystemRandom()
    low, high = PORT_BASE_RANGE
    for _ in range(attempts):
        base = rng.randint(low, high)
        if all(port_is_free(base + offset) for offset in PORT_OFFSETS.values()):
            return base
    raise HarborError(f"no free port base found in {attempts} attempts")


def tls_context(certificate):
    """A client SSLContext that trusts only the demo certificate and checks the host name,
    so a test fails if Harbor serves a different certificate or name."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=certificate)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def port_accepts(port, host=LOOPBACK, timeout=1.0):
    """True if a TCP connection to `port` is accepted (the listener is bound and listening)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def read_json_file(path):
    """demo.json parsed, or None while it is missing or still being written."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def file_identity(path):
    """(inode, size, mtime) of `path` or None: lets a restart tell a fresh demo.json from the
    one the previous run left behind."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def tail(path, lines=40):
    """The last lines of a log file, for failure messages."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


class HarborServer:
    """One `harbor serve --demo` process on free loopback ports.

    `tmpdir` is the working directory: the demo data dir is `<tmpdir>/data` and Harbor's
    stdout/stderr go to `<tmpdir>/harbor.stdout` and `<tmpdir>/harbor.stderr` (appended, so
    a restart on the same tmpdir keeps both runs). Without `tmpdir` a temporary directory is
    created and removed on exit, unless the with-block failed or HARBOR_KEEP_TMP is set.
    """

    def __init__(self, binary, tmpdir=None, start_timeout=START_TIMEOUT,
                 stop_timeout=STOP_TIMEOUT, extra_args=()):
        self.binary = os.path.abspath(binary)
        self._owned_tmp = tmpdir is None
        if tmpdir is None:
            tmpdir = tempfile.mkdtemp(prefix="harbor-test-")
        self.tmpdir = os.path.abspath(tmpdir)
        self.data_dir = os.path.join(self.tmpdir, "data")
        self.stdout_path = os.path.join(self.tmpdir, "harbor.stdout")
        self.stderr_path = os.path.join(self.tmpdir, "harbor.stderr")
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.extra_args = list(extra_args)
        self.process = None
        self.port_base = None
        self.demo = None
        self.exit_code = None

    # -- what the tests use -------------------------------------------------------------

    @property
    def pid(self):
        return self.process.pid if self.process else None

    @property
    def ports(self):
        return dict(self.demo["ports"])

    @property
    def accounts(self):
        return list(self.demo["accounts"])

    @property
    def domain(self):
        return self.demo["domain"]

    @property
    def certificate(self):
        return self.demo["certificate"]

    @property
    def demo_json_path(self):
        return os.path.join(self.data_dir, "demo.json")

    def account(self, role, index=0):
        """The index-th account with `role` ('admin' or 'user'), as listed in demo.json."""
        matching = [a for a in self.accounts if a.get("role") == role]
        if index >= len(matching):
            raise KeyError(f"demo.json lists {len(matching)} account(s) with role {role!r}")
        return matching[index]

    def tls_context(self):
        """A client context trusting this server's demo certificate."""
        return tls_context(self.certificate)

    def output(self, lines=40):
        """The last lines of Harbor's stdout and stderr, labelled, for failure messages."""
        return (f"--- harbor stdout ({self.stdout_path}) ---\n{tail(self.stdout_path, lines)}"
                f"--- harbor stderr ({self.stderr_path}) ---\n{tail(self.stderr_path, lines)}")

    # -- lifecycle ----------------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, traceback):
        failed = exc_type is not None
        try:
            if self.process is not None:
                crashed = self.process.poll() is not None
                code = self.stop()
                if code != 0 and not failed:
                    failed = True
                    when = "before the test ended" if crashed else "on SIGTERM"
                    raise HarborError(f"harbor exited with {code} {when}\n{self.output()}")
        except HarborError:
            failed = True
            raise
        finally:
            if failed and exc_type is not None and exc_type is not HarborError:
                sys.stderr.write(self.output())
            self._cleanup(keep=failed)
        return False

    def start(self):
        """Start Harbor and return once demo.json is written and every listed port accepts.

        Retries on a new port base only when Harbor exited complaining about an address in
        use (a race with a parallel suite); any other failure raises HarborError at once."""
        os.makedirs(self.data_dir, exist_ok=True)
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self._start_once()
                return self
            except _PortRace:
                if attempt == START_ATTEMPTS:
                    raise HarborError("harbor lost the port race "
                                      f"{START_ATTEMPTS} times\n{self.output()}") from None
        return self

    def stop(self):
        """SIGTERM, wait up to stop_timeout, return the exit code.

        If Harbor hangs it is killed (by its own PID only) and HarborError is raised, since a
        server that ignores SIGTERM is a bug the caller's test must report."""
        if self.process is None:
            return self.exit_code
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                self.exit_code = self.process.returncode
                self.process = None
                raise HarborError(f"harbor did not exit within {self.stop_timeout} s of "
                                  f"SIGTERM; killed pid\n{self.output()}") from None
        self.exit_code = self.process.returncode
        self.process = None
        return self.exit_code

    # -- internals ----------------------------------------------------------------------

    def _start_once(self):
        self.port_base = pick_port_base()
        before = file_identity(self.demo_json_path)
        argv = [self.binary, "serve", "--demo", self.data_dir,
                "--port-base", str(self.port_base), *self.extra_args]
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            banner = f"=== {' '.join(argv)}\n".encode()
            out.write(banner)
            err.write(banner)
            out.flush()
            err.flush()
            try:
                self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                                stderr=err, close_fds=True,
                                                preexec_fn=die_with_parent)
            except OSError as error:
                raise HarborError(f"cannot run {self.binary}: {error}") from None
        self.demo = self._wait_until_ready(before)

    def _wait_until_ready(self, stale_identity):
        """Poll (bounded) for a fresh, parseable demo.json and accepting listeners."""
        deadline = time.monotonic() + self.start_timeout
        demo = None
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                self._raise_early_exit(code)
            if demo is None:
                identity = file_identity(self.demo_json_path)
                if identity is not None and identity != stale_identity:
                    demo = read_json_file(self.demo_json_path)
            if demo is not None and self._all_listening(demo):
                return demo
            time.sleep(0.05)
        self._kill_after_failed_start()
        what = "demo.json" if demo is None else "listeners to accept"
        raise HarborError(f"timed out after {self.start_timeout} s waiting for {what} "
                          f"({self.demo_json_path})\n{self.output()}")

    @staticmethod
    def _all_listening(demo):
        ports = demo.get("ports")
        if not isinstance(ports, dict) or not ports:
            return False
        return all(isinstance(p, int) and port_accepts(p) for p in ports.values())

    def _raise_early_exit(self, code):
        self.process = None
        stderr = tail(self.stderr_path, 20).lower()
        if "in use" in stderr or "eaddrinuse" in stderr:
            raise _PortRace()
        raise HarborError(f"harbor exited with {code} before it was ready\n{self.output()}")

    def _kill_after_failed_start(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def _cleanup(self, keep):
        """Remove the temporary directory we created; keep it when something failed."""
        if not self._owned_tmp:
            return
        self._owned_tmp = False
        if keep or os.environ.get("HARBOR_KEEP_TMP"):
            sys.stderr.write(f"harbor test files kept in {self.tmpdir}\n")
        else:
            shutil.rmtree(self.tmpdir, ignore_errors=True)


class _PortRace(Exception):
    """Harbor exited because a port was taken between our check and its bind."""
