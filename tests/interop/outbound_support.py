"""Shared parts of test_outbound.py: the two servers' names and timeouts, a private unbound
serving their zones, bounded polls, Harbor's text log parsed into events, and the SMTP senders.
"""

import os
import random
import re
import smtplib
import socket
import subprocess
import sys
import threading
import time

from harbor_harness import LOOPBACK, die_with_parent, tail, terminate
from smtp_support import CLIENT_NAME, IO_TIMEOUT, close_quietly, make_message

UNBOUND = "/usr/sbin/unbound"
A_DOMAIN, A_HOST = "a.example", "mx.a.example"
B_DOMAIN, B_HOST = "b.example", "mx.b.example"
C_DOMAIN, C_HOST, C_ADDRESS = "c.example", "mx.c.example", "127.0.0.2"  # nothing listens there
ALICE, BOB = f"alice@{A_DOMAIN}", f"bob@{B_DOMAIN}"
B_REMOTE = f"{B_HOST} [{LOOPBACK}]"  # how A's log and queue name the host it delivered to
PER_DOMAIN = 4  # A's [queue] max_connections_per_domain: the bound on duplicates after kill -9

DELIVERY_TIMEOUT = 30.0  # a relayed message crossing from A to B
# A destination none of whose hosts took a connection is suspended for A's
# destination_backoff_s (2 s here, docs/config.md [queue]); B coming back is noticed after it.
SUSPENDED_TIMEOUT = 30.0
DRAIN_TIMEOUT = 180.0  # A's queue empty after the restart in the kill -9 case
UNBOUND_START_TIMEOUT = 10.0
UNBOUND_ATTEMPTS = 3

LOAD_MESSAGES = 200
LOAD_SENDERS = 4
LOAD_TIMEOUT = 120.0  # for half of the load to be acknowledged


def report(text):
    """Figures for the record, on stderr (unittest's own output goes there too)."""
    sys.stderr.write(f"\n[test_outbound] {text}\n")
    sys.stderr.flush()


def poll(predicate, timeout, interval=0.1):
    """Bounded poll: predicate()'s first truthy value, or None once `timeout` has passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


# -- Harbor's text log: "TS LEVEL EVENT key=value key="quoted value" ..." --------------------

LOG_LINE = re.compile(r"^(\S+) (\S+) (\S+)(.*)$")
LOG_FIELD = re.compile(r' ([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)')
LOG_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|.)")


def unquote(value):
    if not value.startswith('"'):
        return value
    return LOG_ESCAPE.sub(lambda m: chr(int(m[1][1:], 16)) if len(m[1]) == 3 else m[1],
                          value[1:-1])


def log_events(text, event):
    """The fields of every `event` line in `text`, in order."""
    found = []
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if match and match[3] == event:
            found.append({key: unquote(value) for key, value in LOG_FIELD.findall(match[4])})
    return found


# -- the private resolver -------------------------------------------------------------------

ZONES = f"""
    local-zone: "{B_DOMAIN}." static
    local-data: "{B_DOMAIN}. 300 IN MX 10 {B_HOST}."
    local-data: "{B_HOST}. 300 IN A {LOOPBACK}"
    local-zone: "{C_DOMAIN}." static
    local-data: "{C_DOMAIN}. 300 IN MX 10 {C_HOST}."
    local-data: "{C_HOST}. 300 IN A {C_ADDRESS}"
"""


def udp_and_tcp_free(port):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            udp.bind((LOOPBACK, port))
            tcp.bind((LOOPBACK, port))
    except OSError:
        return False
    return True


def free_udp_tcp_port():
    """A random port free for UDP and TCP on 127.0.0.1 (ctest -j runs suites together)."""
    rng = random.SystemRandom()
    while True:
        port = rng.randint(20000, 60000)
        if udp_and_tcp_free(port):
            return port


class Unbound:
    """/usr/sbin/unbound -d -c DIR/unbound.conf on 127.0.0.1 and a free port, answering the
    static zones given (by default ZONES above; like src/dns/unbound_server_for_test.cpp).
    Stopped by its PID."""

    def __init__(self, directory, zones=ZONES):
        self.directory, self.zones = directory, zones
        self.conf = os.path.join(directory, "unbound.conf")
        self.logfile = os.path.join(directory, "unbound.log")
        self.port, self.process = None, None

    def write_config(self):
        text = f"""server:
    interface: {LOOPBACK}@{self.port}
    port: {self.port}
    do-ip6: no
    num-threads: 1
    do-daemonize: no
    chroot: ""
    username: ""
    directory: "{self.directory}"
    pidfile: "{os.path.join(self.directory, 'unbound.pid')}"
    use-syslog: no
    logfile: "{self.logfile}"
    verbosity: 1
    log-queries: yes
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    module-config: "iterator"
{self.zones}
remote-control:
    control-enable: no
"""
        with open(self.conf, "w", encoding="utf-8") as out:
            out.write(text)

    def start(self):
        for _ in range(UNBOUND_ATTEMPTS):
            self.port = free_udp_tcp_port()
            self.write_config()
            if os.path.exists(self.logfile):
                os.remove(self.logfile)
            self.process = subprocess.Popen([UNBOUND, "-d", "-c", self.conf],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, close_fds=True,
                                            preexec_fn=die_with_parent)
            ready = poll(lambda: "start of service" in self.log() or
                         self.process.poll() is not None, UNBOUND_START_TIMEOUT, 0.02)
            if ready and self.process.poll() is None:
                return
            self.stop()
            if "bind" not in self.log().lower():  # only a lost port race is retried
                break
        raise AssertionError(f"unbound did not start\n{self.log()}")

    def stop(self):
        if self.process is None:
            return
        terminate(self.process)
        self.process = None

    def log(self):
        return tail(self.logfile, 1 << 20)


# -- the SMTP side --------------------------------------------------------------------------

def send(port, sender, recipients, message):
    """One transaction through A's SMTP listener; smtplib raises unless every RCPT is taken."""
    client = smtplib.SMTP(LOOPBACK, port, local_hostname=CLIENT_NAME, timeout=IO_TIMEOUT)
    try:
        refused = client.sendmail(sender, recipients, message)
    finally:
        close_quietly(client)
    if refused:
        raise AssertionError(f"refused recipients: {refused}")


class LoadSender(threading.Thread):
    """Sends its share of the load on one connection; records the Message-IDs A took (250).
    Stops at the first error: after kill -9 whatever was not acknowledged is open."""

    def __init__(self, port, run_id, number, count, acknowledged, lock):
        super().__init__(daemon=True)
        self.port, self.run_id, self.number, self.count = port, run_id, number, count
        self.acknowledged, self.lock = acknowledged, lock
        self.error = None

    def run(self):
        try:
            client = smtplib.SMTP(LOOPBACK, self.port, local_hostname=CLIENT_NAME,
                                  timeout=IO_TIMEOUT)
        except OSError as error:
            self.error = error
            return
        try:
            for sequence in range(self.count):
                message_id = f"load-{self.run_id}-{self.number}-{sequence}@{CLIENT_NAME}"
                body = (b"x" * 74 + b"\r\n") * random.choice((2, 70, 400))
                message = make_message(f"load {self.number}/{sequence}", ALICE, BOB, body=body,
                                       message_id=message_id)
                try:
                    client.sendmail(ALICE, [BOB], message)
                except (smtplib.SMTPException, OSError) as error:
                    self.error = error
                    return
                with self.lock:
                    self.acknowledged.append(message_id)
        finally:
            close_quietly(client)
