"""The IMAP servers bench_imap.py measures, each a private instance on loopback.

- HarborPeer: `harbor serve -c harbor.toml` in a temporary directory (its own data_dir, one
  `imap` listener on 127.0.0.1 with TLS off and trusted_plaintext, connection caps raised for
  10,000 connections). Domain and accounts are made with the CLI before the start.
- DovecotPeer: Debian's dovecot-imapd as `dovecot -F -c DIR/dovecot.conf` with its own
  base_dir, state_dir, log, passwd-file users and maildirs under the temporary directory; the
  standard mailboxes (Sent, Drafts, Trash, Junk, Archive) auto-created as Harbor creates them
  for every account. With `hibernate_timeout` it sets imap_hibernate_timeout (idle IMAP
  connections handed to the imap-hibernate process).

Passwords: both servers check the same argon2id PHC strings. Accounts made with `harbor user
add` get Harbor's default cost; Dovecot's passwd-file gets the very strings Harbor stored
(read from harbor.db), as {ARGON2ID}. Accounts given `cheap_hash` (the idle-memory run, 10,000
logins) get one argon2id string of minimal cost on both sides, written into harbor.db before
Harbor starts: the memory of an idle connection does not depend on the hash.

Neither touches the system's services: each is started and stopped by this process (Harbor by
its PID; Dovecot by the PID in its own base_dir, then every process of its session).
"""

import os
import pwd
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from disk_placement import make_workdir, server_dir  # noqa: E402,F401 (bench_imap, bench_pop3)

DOMAIN = "bench.test"
PASSWORD = "bench-password"
DOVECOT = "/usr/sbin/dovecot"
STANDARD_MAILBOXES = (("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"),
                      ("Junk", "\\Junk"), ("Archive", "\\Archive"))
CONNECTION_CAP = 20000  # Harbor's listener caps
DOVECOT_PROCESSES = 11000  # imap processes, one per connection
DOVECOT_CLIENTS = 19000  # per process (imap-hibernate holds every hibernated connection)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_greeting(port, timeout, process=None):
    """Waits until the server on port greets with "* OK"; raises after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before greeting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                greeting = conn.recv(512)
                if greeting.startswith(b"* OK"):
                    conn.sendall(b"a LOGOUT\r\n")
                    return
                last = greeting
        except OSError as error:
            last = error
        time.sleep(0.1)
    raise RuntimeError(f"no IMAP greeting on port {port}: {last}")


def pss_kib(pid, field="Pss:"):
    """Proportional set size of one process in KiB (smaps_rollup), 0 if it has gone. field
    "Pss_Anon:" counts anonymous memory only, without mapped files (SQLite's and Dovecot's
    memory-mapped databases, whose pages come and go with the page cache)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def session_members(session):
    """PIDs of the live processes whose session id is `session`."""
    members = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="latin-1") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":  # stat field 6: session id
            members.append(int(name))
    return members


def process_name(pid):
    try:
        with open(f"/proc/{pid}/comm", encoding="latin-1") as comm:
            return comm.read().strip()
    except OSError:
        return ""


def account(fmt, number):
    return fmt.replace("{n}", str(number))


class HarborPeer:
    name = "harbor"

    def __init__(self, binary, workdir, label="harbor"):
        self.binary = os.path.abspath(binary)
        self.dir = server_dir(workdir, label)
        self.data_dir = os.path.join(self.dir, "data")
        self.config_file = os.path.join(self.dir, "harbor.toml")
        self.port = free_port()
        self.process = None
        self.log = None

    def _cli(self, *args):
        subprocess.run([self.binary, "-d", self.data_dir, *args], check=True,
                       stdout=subprocess.DEVNULL)

    def prepare(self, accounts, cheap_hash=None):
        """accounts: addresses to create; cheap_hash: PHC string to store for all of them
        instead of the default-cost hash `harbor user add` computes."""
        os.makedirs(self.data_dir, exist_ok=True)
        with open(self.config_file, "w", encoding="utf-8") as out:
            out.write("\n".join([
                f'data_dir = "{self.data_dir}"',
                'hostname = "imap.bench.test"',
                "", "[log]", 'level = "warn"',
                # Benchmarks run as whoever starts them, root included.
                "", "[server]", "run_as_root = true",
                "", "[[listener]]", 'protocol = "imap"', 'address = "127.0.0.1"',
                f"port = {self.port}", 'tls = "none"', "trusted_plaintext = true",
                f"max_connections = {CONNECTION_CAP}",
                f"max_connections_per_ip = {CONNECTION_CAP}",
            ]) + "\n")
        self._cli("domain", "add", DOMAIN)
        # Two at a time: each `user add` spends most of its time in argon2id.
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda address: self._cli("user", "add", address, "--password",
                                                    PASSWORD), accounts))
        if cheap_hash is not None:
            db = sqlite3.connect(os.path.join(self.data_dir, "harbor.db"))
            try:
                with db:
                    db.execute("UPDATE accounts SET password_hash = ?", (cheap_hash,))
            finally:
                db.close()

    def password_hashes(self):
        """{address: PHC string} as Harbor stored them (for Dovecot's passwd-file)."""
        db = sqlite3.connect(f"file:{os.path.join(self.data_dir, 'harbor.db')}?mode=ro",
                             uri=True)
        try:
            rows = db.execute("SELECT a.local_part, d.name, a.password_hash FROM accounts a "
                              "JOIN domains d ON d.id = a.domain_id").fetchall()
        finally:
            db.close()
        return {f"{local}@{domain}": phc for local, domain, phc in rows}

    def start(self):
        self.log = open(os.path.join(self.dir, "serve.log"), "wb")
        self.process = subprocess.Popen([self.binary, "serve", "-c", self.config_file],
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        wait_for_greeting(self.port, 30, self.process)

    def pids(self):
        return [self.process.pid] if self.process and self.process.poll() is None else []

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.log:
            self.log.close()
            self.log = None


DOVECOT_CONF = """\
# Written by bench_imap.py: a private instance, nothing shared with the system one.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_login_user = {login_user}
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:~/Maildir
# 10,000 connections: one imap process each (client_limit 1, Debian's default), and one
# imap-login process per connection while it logs in (service_count 1, the default; at most
# a few hundred log in at once here). Client limits stay under the fd hard limit (20,000).
default_process_limit = {processes}
default_client_limit = {clients}
service imap-login {{
  process_limit = 2000
}}
# Dovecot's built-in service imap sets process_limit = 1024 itself: raise it explicitly.
service imap {{
  process_limit = {processes}
}}
service imap-urlauth-login {{
  process_limit = 10
}}
protocol imap {{
  mail_max_userip_connections = {clients}
}}
namespace inbox {{
  inbox = yes
  separator = /
{mailboxes}
}}
passdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
{hibernate}
{fsync}
"""

HIBERNATE_CONF = """\
imap_hibernate_timeout = {timeout}s
service imap-hibernate {{
  unix_listener imap-hibernate {{
    mode = 0666
  }}
}}
service imap {{
  unix_listener imap-master {{
    mode = 0666
  }}
}}
"""


class DovecotPeer:
    name = "dovecot"

    def __init__(self, workdir, label="dovecot", hibernate_timeout=None, fsync="optimized"):
        self.root = server_dir(workdir, label)
        self.label = label
        self.hibernate_timeout = hibernate_timeout
        # What is measured: Debian's default (optimized: no fsync for flag changes, expunges
        # or index updates) or mail_fsync = always (each change on disk before its OK).
        self.fsync = fsync
        self.durable = True
        self.port = None
        self.process = None
        self.pid = None

    def prepare(self, hashes):
        """hashes: {address: argon2id PHC string}."""
        for name in ("run", "state", "home"):
            os.makedirs(os.path.join(self.root, name), exist_ok=True)
        os.chmod(os.path.dirname(self.root), 0o755)  # other users traverse it
        os.chmod(self.root, 0o755)
        self.hashes = hashes
        if os.getuid() == 0:
            # No mail access as root: the mail processes run as nobody (as in
            # tests/differential/test_fetch_vs_dovecot.py).
            self.mail_user = pwd.getpwnam("nobody")
            self.internal_user, self.login_user = "dovecot", "dovenull"
            os.chown(os.path.join(self.root, "home"), self.mail_user.pw_uid,
                     self.mail_user.pw_gid)
        else:
            self.mail_user = pwd.getpwuid(os.getuid())
            self.internal_user = self.login_user = self.mail_user.pw_name
        with open(os.path.join(self.root, "passwd"), "w", encoding="ascii") as out:
            for address, phc in sorted(hashes.items()):
                home = os.path.join(self.root, "home", address)
                out.write(f"{address}:{{ARGON2ID}}{phc}::::{home}::\n")

    def _write_config(self):
        mailboxes = "\n".join(
            f"  mailbox {name} {{\n    auto = create\n    special_use = {use}\n  }}"
            for name, use in STANDARD_MAILBOXES)
        hibernate = ""
        if self.hibernate_timeout is not None:
            hibernate = HIBERNATE_CONF.format(timeout=self.hibernate_timeout)
        # mail_fsync = never only while the benchmark fills the mailboxes (see start()).
        fsync = "mail_fsync = never" if not self.durable else (
            "mail_fsync = always" if self.fsync == "always" else "")
        text = DOVECOT_CONF.format(root=self.root, fsync=fsync, internal_user=self.internal_user,
                                   login_user=self.login_user, uid=self.mail_user.pw_uid,
                                   gid=self.mail_user.pw_gid, port=self.port,
                                   processes=DOVECOT_PROCESSES, clients=DOVECOT_CLIENTS,
                                   mailboxes=mailboxes, hibernate=hibernate)
        path = os.path.join(self.root, "dovecot.conf")
        with open(path, "w", encoding="ascii") as out:
            out.write(text)
        return path

    def start(self, durable=True):
        """durable=False: mail_fsync = never, for filling only. Each APPEND fsyncs its file
        by default, which on the reference VM's disk means about 45 messages per second even
        with 16 connections (100,000 messages: 40 minutes); the benchmark fills with fsync off,
        then restarts Dovecot with Debian's default (mail_fsync = optimized) before measuring.
        """
        self.durable = durable
        for _ in range(3):  # another process may take the free port before Dovecot binds it
            self.port = free_port()
            config = self._write_config()
            output = open(os.path.join(self.root, "dovecot.stderr"), "ab")
            self.process = subprocess.Popen([DOVECOT, "-F", "-c", config], stdout=output,
                                            stderr=output, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
            output.close()
            try:
                wait_for_greeting(self.port, 30, self.process)
            except RuntimeError:
                self.stop()
                continue
            with open(os.path.join(self.root, "run", "master.pid"), encoding="ascii") as pid:
                self.pid = int(pid.read().strip())
            return
        raise RuntimeError(f"Dovecot ({self.label}) did not start:\n{self.log_tail()}")

    def pids(self):
        return session_members(self.process.pid) if self.process else []

    def count_processes(self, name):
        return sum(1 for pid in self.pids() if process_name(pid) == name)

    def stop(self):
        if self.process is None:
            return
        session = self.process.pid
        if self.process.poll() is None:
            os.kill(self.pid if self.pid else self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        self.process = None
        self.pid = None
        deadline = time.monotonic() + 30
        while session_members(session) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in session_members(session):
            os.kill(pid, signal.SIGKILL)

    def log_tail(self):
        text = ""
        for name in ("dovecot.log", "dovecot.stderr"):
            path = os.path.join(self.root, name)
            if os.path.exists(path):
                with open(path, encoding="utf-8", errors="replace") as log:
                    text += "".join(log.readlines()[-20:])
        return text
