"""The servers that bench_smtp_accept.py measures, each a private instance on loopback.

- HarborPeer: `harbor serve` with a generated harbor.toml in a temporary directory (its own
  data_dir, one `smtp` listener on 127.0.0.1 with TLS off), the domain and the user made with
  the CLI before the start. A 250 after DATA means the message is in the user's mailbox.
- PostfixPeer: Debian's Postfix with its own config directory (`postfix -c DIR`), queue and
  data directories and a virtual mailbox base under the same temporary directory, smtpd on
  127.0.0.1:PORT, delivery by virtual(8) into a Maildir. A 250 after DATA means the queue file
  is written and fsynced (Postfix's durable point; delivery follows asynchronously).
- SinkPeer: Postfix's smtp-sink, which stores nothing: the ceiling of the load generator.

None of them touches the system's services: each is started and stopped by this process
(Harbor and smtp-sink by their PID, Postfix by `postfix -c DIR start|stop`, which only acts
on the master whose PID file is in DIR's queue directory).
"""

import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from disk_placement import make_workdir, server_dir  # noqa: E402,F401 (bench_smtp_accept)

DOMAIN = "bench.test"
USER = "rcpt"
SENDER = "sender@client.test"
RECIPIENT = f"{USER}@{DOMAIN}"


def free_port():
    """A port the kernel says is free now on 127.0.0.1 (ephemeral range)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_banner(port, timeout, expect_delay=0.0):
    """Waits until the server on port sends a 220 greeting; raises after timeout seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2 + expect_delay) as conn:
                banner = conn.recv(512)
                if banner.startswith(b"220"):
                    conn.sendall(b"QUIT\r\n")
                    return
                last_error = banner
        except OSError as error:
            last_error = error
        time.sleep(0.1)
    raise RuntimeError(f"no SMTP greeting on port {port}: {last_error}")


class HarborPeer:
    name = "harbor"

    def __init__(self, binary, workdir, greet_pause_ms=0):
        self.binary = os.path.abspath(binary)
        self.dir = os.path.join(workdir, "harbor")
        self.data_dir = os.path.join(self.dir, "data")
        self.config_file = os.path.join(self.dir, "harbor.toml")
        self.port = free_port()
        self.greet_pause_ms = greet_pause_ms
        self.greet_pause_key = False  # whether the config carries greet_pause_ms
        self.process = None
        self.log = None

    def _config_text(self, with_pause_key):
        lines = [
            f'data_dir = "{self.data_dir}"',
            'hostname = "mx.bench.test"',
            "",
            "[log]",
            'level = "warn"',
            "",
            # Like the Postfix peer, which runs no SPF, DKIM or DMARC checks.
            "[auth]",
            "inbound_checks = false",
            "",
            # Benchmarks run as whoever starts them, root included.
            "[server]",
            "run_as_root = true",
            "",
            "[[listener]]",
            'protocol = "smtp"',
            'address = "127.0.0.1"',
            f"port = {self.port}",
            'tls = "none"',
            # smtp-source opens one connection per message; 100 sessions from one address.
            "max_connections = 2000",
            "max_connections_per_ip = 1000",
        ]
        if with_pause_key:
            lines.append(f"greet_pause_ms = {self.greet_pause_ms}")
        return "\n".join(lines) + "\n"

    def _cli(self, *args):
        subprocess.run([self.binary, "-d", self.data_dir, *args], check=True,
                       stdout=subprocess.DEVNULL)

    def start(self):
        os.makedirs(self.data_dir, exist_ok=True)
        # The greet pause (300 ms before the MX greeting) would be paid by every smtp-source
        # connection; the key that turns it off may not exist yet in this build.
        for with_key in (True, False):
            with open(self.config_file, "w", encoding="utf-8") as out:
                out.write(self._config_text(with_key))
            check = subprocess.run([self.binary, "check-config", "-c", self.config_file],
                                   capture_output=True, text=True)
            if check.returncode == 0:
                self.greet_pause_key = with_key
                break
            if not with_key:
                raise RuntimeError(f"harbor check-config: {check.stderr or check.stdout}")
        self._cli("domain", "add", DOMAIN)
        self._cli("user", "add", RECIPIENT, "--password", "bench-password-0")
        self.log = open(os.path.join(self.dir, "serve.log"), "wb")
        self.process = subprocess.Popen([self.binary, "serve", "-c", self.config_file],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_banner(self.port, 20, expect_delay=1.0)

    def pid(self):
        return self.process.pid

    def stored_messages(self):
        """Messages in the store (every mailbox): read from harbor.db, WAL included."""
        db = sqlite3.connect(f"file:{os.path.join(self.data_dir, 'harbor.db')}?mode=ro",
                             uri=True)
        try:
            return db.execute("SELECT count(*) FROM messages").fetchone()[0]
        finally:
            db.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log:
            self.log.close()


MASTER_CF = """\
# Private instance for bench_smtp_accept.py: no chroot, smtpd on loopback only.
127.0.0.1:{port} inet n - n - {smtpd_limit} smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class PostfixPeer:
    name = "postfix"

    def __init__(self, workdir, sessions_max=100):
        self.dir = os.path.join(workdir, "postfix")
        self.config_dir = os.path.join(self.dir, "etc")
        self.queue_dir = os.path.join(self.dir, "queue")
        self.data_dir = os.path.join(self.dir, "data")
        self.mail_dir = os.path.join(self.dir, "vmail")
        self.port = free_port()
        self.smtpd_limit = sessions_max + 20
        self.started = False
        # Hooks for other benches (bench/smtp_outbound): main.cf settings added to or
        # overriding the ones below, and lines appended to master.cf.
        self.extra_settings = {}
        self.extra_master_cf = ""

    def _postfix(self, *args, check=True):
        return subprocess.run(["/usr/sbin/postfix", "-c", self.config_dir, *args], check=check,
                              capture_output=True, text=True)

    def start(self):
        owner = pwd.getpwnam("postfix")
        for path in (self.config_dir, self.queue_dir, self.data_dir, self.mail_dir):
            os.makedirs(path, exist_ok=True)
        for path in (self.data_dir, self.mail_dir):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        # The temporary directory is 0700; Postfix's processes run as the postfix user.
        os.chmod(os.path.dirname(self.dir), 0o755)
        os.chmod(self.dir, 0o755)
        with open(os.path.join(self.config_dir, "master.cf"), "w", encoding="utf-8") as out:
            out.write(MASTER_CF.format(port=self.port, smtpd_limit=self.smtpd_limit))
            out.write(self.extra_master_cf)
        maps = os.path.join(self.config_dir, "vmailbox")
        with open(maps, "w", encoding="utf-8") as out:
            out.write(f"{RECIPIENT} {DOMAIN}/{USER}/\n")  # trailing slash: Maildir
        settings = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue_dir,
            "data_directory": self.data_dir,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "mx.postfix.bench.test",
            "mydomain": "postfix.bench.test",
            "mydestination": "",
            "inet_interfaces": "loopback-only",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "maillog_file": os.path.join(self.dir, "maillog"),
            "maillog_file_prefixes": self.dir,
            "virtual_mailbox_domains": DOMAIN,
            "virtual_mailbox_base": self.mail_dir,
            "virtual_mailbox_maps": f"texthash:{maps}",
            "virtual_uid_maps": f"static:{owner.pw_uid}",
            "virtual_gid_maps": f"static:{owner.pw_gid}",
            "alias_maps": "",
            "alias_database": "",
            "biff": "no",
            "smtpd_banner": "$myhostname ESMTP",
            "default_process_limit": str(self.smtpd_limit + 50),
            "smtputf8_enable": "no",
        }
        settings.update(self.extra_settings)
        with open(os.path.join(self.config_dir, "main.cf"), "w", encoding="utf-8") as out:
            for key, value in settings.items():
                out.write(f"{key} = {value}\n")
        result = self._postfix("start", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"postfix start: {result.stderr}{result.stdout}")
        self.started = True
        wait_for_banner(self.port, 30)

    def pid(self):
        """The master's PID, from its PID file in our own queue directory."""
        with open(os.path.join(self.queue_dir, "pid", "master.pid"), encoding="ascii") as f:
            return int(f.read().strip())

    def queue_empty(self):
        for sub in ("incoming", "active", "deferred", "maildrop"):
            path = os.path.join(self.queue_dir, sub)
            for _, _, files in os.walk(path):
                if files:
                    return False
        return True

    def delivered_messages(self):
        count = 0
        for sub in ("new", "cur"):
            path = os.path.join(self.mail_dir, DOMAIN, USER, sub)
            if os.path.isdir(path):
                count += len(os.listdir(path))
        return count

    def wait_drained(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.queue_empty():
            time.sleep(0.2)
        return self.queue_empty()

    def stop(self):
        if not self.started:
            return
        try:
            master = self.pid()
        except OSError:
            master = None
        self._postfix("stop", check=False)
        self.started = False
        # `postfix stop` signals the master and returns; wait until that PID has gone.
        deadline = time.monotonic() + 30
        while master is not None and time.monotonic() < deadline:
            try:
                os.kill(master, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


class SinkPeer:
    name = "smtp-sink"

    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self):
        # Backlog 1024, so 100 sessions connecting at once are not refused; as root it must
        # be told whose privileges to run with.
        command = ["/usr/sbin/smtp-sink"]
        if os.geteuid() == 0:
            command += ["-u", "postfix"]
        self.process = subprocess.Popen(command + [f"127.0.0.1:{self.port}", "1024"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_banner(self.port, 10)

    def pid(self):
        return self.process.pid

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)
