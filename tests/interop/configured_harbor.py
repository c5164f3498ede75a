"""`harbor serve -c harbor.toml` for the interop tests that need a configured server rather
than --demo (test_smtp_listeners.py, test_outbound.py): listeners on random free ports, an
optional [tls] section, the host name and any further TOML the caller gives; ready means the
log says server.started. It only ever signals the process it started. Standard library only.
"""

import json
import os
import pathlib
import random
import signal
import socket
import subprocess
import time

from harbor_harness import LOOPBACK, die_with_parent, tail, terminate
from smtp_support import TOOL_TIMEOUT, HarborCli

EVENT_TIMEOUT = 20.0  # bounded waits for Harbor's own log events, never a timing assertion
PORT_RANGE = (20000, 60000)
START_ATTEMPTS = 3
# Relayed mail stays queued: no lookups or connections beyond loopback.
NO_DELIVERY = "[queue]\ndeliver = false"


def port_free_everywhere(port):
    """True if `port` binds on 127.0.0.1 and on "::" (IPv6 only, as Harbor binds it)."""
    try:
        with socket.socket(socket.AF_INET) as v4, socket.socket(socket.AF_INET6) as v6:
            v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            v4.bind((LOOPBACK, port))
            v6.bind(("::", port))
    except OSError:
        return False
    return True


def pick_ports(slots):
    """A distinct free port for each slot name; random, since ctest -j runs suites together."""
    chosen = {}
    while len(chosen) < len(slots):
        port = random.SystemRandom().randint(*PORT_RANGE)
        if port not in chosen.values() and port_free_everywhere(port):
            chosen[slots[len(chosen)]] = port
    return chosen


def make_certificate(directory, name, common_name):
    """A self-signed P-256 certificate (openssl req -x509) for localhost, 127.0.0.1 and ::1;
    returns (certificate path, key path)."""
    certificate, key = (os.path.join(directory, f"{name}.{ext}") for ext in ("crt", "key"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-keyout", key,
                    "-out", certificate, "-subj", f"/CN={common_name}", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"],
                   check=True, capture_output=True, timeout=TOOL_TIMEOUT)
    return certificate, key


class ConfiguredHarbor:
    """`harbor serve -c harbor.toml`. Each listener's "port" names a slot; listeners naming
    the same slot share one port number. Ready means the log says server.started.

    `tls` is (certificate, key) for [tls], or None for none; `extra_toml` is written after
    the [log] and [tls] sections and so must start with a table header ([queue], [dns] ...).
    The data directory is `<workdir>/data`; stdout and stderr go to `<workdir>/harbor.stderr`,
    appended, so a restart on the same workdir keeps every run's log."""

    def __init__(self, binary, workdir, listeners, tls, *, hostname="mx.listen.example",
                 extra_toml=NO_DELIVERY):
        self.binary, self.listeners, self.tls = binary, listeners, tls
        self.hostname, self.extra_toml = hostname, extra_toml
        self.data_dir = os.path.join(workdir, "data")
        self.config_path = os.path.join(workdir, "harbor.toml")
        self.stderr_path = os.path.join(workdir, "harbor.stderr")
        self.ports, self.process = {}, None
        self.cli = HarborCli(binary, self.data_dir)

    def write_config(self):
        # Integers, ASCII strings and lists of them are written the same in JSON and TOML.
        lines = [f"data_dir = {json.dumps(self.data_dir)}",
                 f"hostname = {json.dumps(self.hostname)}",
                 "[log]", 'level = "info"', 'format = "text"']
        if self.tls is not None:
            lines += ["[tls]", f"certificate = {json.dumps(self.tls[0])}",
                      f"key = {json.dumps(self.tls[1])}"]
        if self.extra_toml:
            lines += self.extra_toml.splitlines()
        if "[server]" not in (self.extra_toml or ""):
            # The suites run as whoever starts them; CI runs them as root.
            lines += ["[server]", "run_as_root = true"]
        if "[auth]" not in (self.extra_toml or ""):
            # The mail authentication checks ask DNS, which a test without its own unbound has
            # not got (test_mail_auth.py runs them against one).
            lines += ["[auth]", "inbound_checks = false"]
        for listener in self.listeners:
            lines.append("[[listener]]")
            if listener["protocol"] == "smtp" and "greet_pause_ms" not in listener:
                lines.append("greet_pause_ms = 0")  # smtplib never talks first anyway
            for key, value in listener.items():
                value = self.ports[value] if key == "port" else value
                lines.append(f"{key} = {json.dumps(value)}")
        pathlib.Path(self.config_path).write_text("\n".join(lines), encoding="utf-8")

    def start(self, same_ports=False):
        """Starts Harbor on new random ports, or with `same_ports` on the ones of the last
        start (a restart that others must find where they left it). A start that loses a port
        race is retried: on new ports, or on the same ones until EVENT_TIMEOUT has passed."""
        slots = sorted({listener["port"] for listener in self.listeners})
        same_ports = same_ports and bool(self.ports)
        deadline = time.monotonic() + EVENT_TIMEOUT
        attempt = 0
        while True:
            attempt += 1
            if not same_ports:
                self.ports = pick_ports(slots)
            self.write_config()
            logged = len(self.log())
            started = self.count("server.started")
            with open(self.stderr_path, "ab") as err:
                self.process = subprocess.Popen(
                    [self.binary, "serve", "-c", self.config_path], stdin=subprocess.DEVNULL,
                    stdout=err, stderr=err, close_fds=True, preexec_fn=die_with_parent)
            if self.wait_for_log("server.started", started + 1):
                return
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            if "in use" not in self.log()[logged:]:  # only a lost port race is retried
                break
            if same_ports:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)  # the same ports: wait for whoever holds them to let go
            elif attempt >= START_ATTEMPTS:
                break
        raise AssertionError(f"harbor did not start\n{self.output()}")

    def stop(self):
        """SIGTERM; the exit status (0 expected), or a text if it had to be killed."""
        if self.process is None:
            return 0
        if not terminate(self.process):
            return "killed: no exit within 10 s of SIGTERM"
        return self.process.wait()

    def kill(self):
        """SIGKILL (kill -9) to the process this object started, then reap it."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def running(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        return tail(self.stderr_path, 1 << 30)  # all of it

    def count(self, event):
        return sum(1 for line in self.log().splitlines() if f" {event} " in f"{line} ")

    def wait_for_log(self, event, count, timeout=EVENT_TIMEOUT):
        """Bounded poll for Harbor's log to hold `event` `count` times; False if it exits."""
        deadline = time.monotonic() + timeout
        while self.count(event) < count:
            if self.process.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def output(self, lines=40):
        return f"--- harbor stderr ({self.stderr_path}) ---\n{tail(self.stderr_path, lines)}"
