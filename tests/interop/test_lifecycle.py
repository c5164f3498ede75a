"""Interop: running Harbor for real (issue 9), against `harbor serve -c` over real sockets:
- one daemon per data directory: a second one is refused before it binds a port;
- started as root it binds, then becomes [server] user (process uid/gid checked in /proc),
  and files it creates are not world-readable; root without a user is refused;
- the control socket: `harbor status`, `harbor ports` (a live IMAP IDLE connection with its
  user, listeners LISTENING), `harbor reload` swapping the certificate while a logged-in
  session carries on and naming the changed settings that wait for a restart, `harbor stop`;
- SIGTERM during a DATA transfer and an IMAP APPEND literal: each may finish and gets its
  250 or OK, both messages are stored, idle sessions are told 421 or BYE at once, and the
  daemon exits 0.

ctest: interop_lifecycle; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_lifecycle
"""

import hashlib
import imaplib
import json
import os
import pathlib
import pwd
import grp
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import unittest

from configured_harbor import EVENT_TIMEOUT, ConfiguredHarbor, make_certificate
from harbor_harness import LOOPBACK
from smtp_support import IO_TIMEOUT, TOOL_TIMEOUT, harbor_binary

DOMAIN = "life.example"
HOSTNAME = "mx.life.example"
ALICE, ALICE_PASSWORD = f"alice@{DOMAIN}", "alice-secret-1"
LISTENERS = [
    {"name": "smtp", "protocol": "smtp", "address": LOOPBACK, "port": "smtp", "tls": "none"},
    {"name": "imap", "protocol": "imap", "address": LOOPBACK, "port": "imap", "tls": "none",
     "trusted_plaintext": True},
    {"name": "imaps", "protocol": "imap", "address": LOOPBACK, "port": "imaps",
     "tls": "implicit"},
]


def is_root():
    return os.geteuid() == 0


def fingerprint_of_file(certificate):
    pem = pathlib.Path(certificate).read_text(encoding="ascii")
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


def served_fingerprint(port):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((LOOPBACK, port), timeout=IO_TIMEOUT) as raw:
        with context.wrap_socket(raw) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def message(subject, body_lines=3):
    body = "".join(f"line {i} of {subject}\r\n" for i in range(body_lines))
    return (f"From: <sender@remote.example>\r\nTo: <{ALICE}>\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject}@remote.example>\r\n\r\n{body}")


class Daemon(ConfiguredHarbor):
    """ConfiguredHarbor plus the CLI commands that reach the daemon through its socket."""

    def control(self, *args, check=True):
        result = subprocess.run([self.binary, "-d", self.data_dir, *args], capture_output=True,
                                timeout=TOOL_TIMEOUT)
        if check and result.returncode != 0:
            raise AssertionError(f"harbor {' '.join(args)} exited {result.returncode}: "
                                 f"{result.stderr.decode('utf-8', 'replace')}")
        return result


class LifecycleCase(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="harbor-life-")
        self.cert_a = make_certificate(self.workdir, "a", "harbor-a.life.example")
        self.cert_b = make_certificate(self.workdir, "b", "harbor-b.life.example")
        self.live = (os.path.join(self.workdir, "live.crt"), os.path.join(self.workdir, "live.key"))
        shutil.copyfile(self.cert_a[0], self.live[0])
        shutil.copyfile(self.cert_a[1], self.live[1])
        self.others = []

    def tearDown(self):
        for process in self.others:
            if process.poll() is None:
                process.kill()
                process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def daemon(self, extra_toml="[queue]\ndeliver = false", workdir=None):
        server = Daemon(harbor_binary(), workdir or self.workdir, LISTENERS, self.live,
                        hostname=HOSTNAME, extra_toml=extra_toml)
        return server

    def provision(self, server):
        server.cli.run("domain", "add", DOMAIN)
        server.cli.run("user", "add", ALICE, "--password", ALICE_PASSWORD)

    def stop(self, server):
        code = server.stop()
        self.assertEqual(code, 0, f"harbor exited {code}\n{server.output()}")


class ControlSocketTest(LifecycleCase):
    def test_status_ports_reload_and_stop(self):
        server = self.daemon()
        self.provision(server)
        server.start()
        try:
            # --data is the long name the issue uses for -d.
            status = json.loads(subprocess.run(
                [server.binary, "--data", server.data_dir, "status"], capture_output=True,
                check=True, timeout=TOOL_TIMEOUT).stdout)
            self.assertEqual(status["pid"], server.process.pid)
            self.assertEqual(status["hostname"], HOSTNAME)
            self.assertEqual(status["listeners"], 3)

            imap = imaplib.IMAP4(LOOPBACK, server.ports["imap"], timeout=IO_TIMEOUT)
            imap.login(ALICE, ALICE_PASSWORD)
            imap.select("INBOX")
            tag = imap._new_tag().decode()
            imap.send(f"{tag} IDLE\r\n".encode())
            self.assertTrue(imap.readline().startswith(b"+"))

            ports = json.loads(server.control("ports", "--json").stdout)
            listeners = {entry["name"]: entry for entry in ports["listeners"]}
            self.assertEqual(set(listeners), {"smtp", "imap", "imaps"})
            self.assertEqual(listeners["imaps"]["local"], f"{LOOPBACK}:{server.ports['imaps']}")
            self.assertEqual(listeners["imaps"]["tls"], "implicit")
            self.assertTrue(all(entry["state"] == "LISTENING" for entry in listeners.values()))
            idle = [c for c in ports["connections"] if c["state"] == "IDLE"]
            self.assertEqual(len(idle), 1, ports)
            self.assertEqual(idle[0]["user"], ALICE)
            self.assertEqual(idle[0]["protocol"], "imap")
            self.assertEqual(idle[0]["local"], f"{LOOPBACK}:{server.ports['imap']}")
            self.assertEqual(idle[0]["foreign"], "%s:%d" % imap.sock.getsockname()[:2])
            self.assertEqual(idle[0]["pid"], server.process.pid)
            self.assertGreater(idle[0]["bytes_in"], 0)
            self.assertGreater(idle[0]["bytes_out"], 0)

            table = server.control("ports").stdout.decode()
            self.assertRegex(table, r"imap\s+127\.0\.0\.1:%d\s+127\.0\.0\.1:\d+\s+IDLE\s+%s"
                             % (server.ports["imap"], ALICE.replace(".", r"\.")))
            self.assertRegex(table, r"imap/implicit\s+127\.0\.0\.1:%d\s+\*:\*\s+LISTENING"
                             % server.ports["imaps"])

            # The certificate is renewed in place; `harbor reload` takes it without a restart,
            # and the session that was open before carries on.
            self.assertEqual(served_fingerprint(server.ports["imaps"]),
                             fingerprint_of_file(self.cert_a[0]))
            shutil.copyfile(self.cert_b[1], self.live[1] + ".new")
            os.replace(self.live[1] + ".new", self.live[1])
            shutil.copyfile(self.cert_b[0], self.live[0] + ".new")
            os.replace(self.live[0] + ".new", self.live[0])
            self.assertEqual(server.control("reload").stdout, b"reloaded\n")
            self.assertEqual(served_fingerprint(server.ports["imaps"]),
                             fingerprint_of_file(self.cert_b[0]))
            imap.send(b"DONE\r\n")
            self.assertIn(b"OK", imap.readline())
            self.assertEqual(imap.noop()[0], "OK")
            imap.logout()

            self.assertEqual(server.control("stop").stdout, b"stopping\n")
            server.process.wait(timeout=EVENT_TIMEOUT)
            self.assertEqual(server.process.returncode, 0, server.output())
            self.assertFalse(os.path.exists(os.path.join(server.data_dir, "control.sock")))
        finally:
            server.stop()

    def test_reload_names_the_settings_that_wait_for_a_restart(self):
        server = self.daemon()
        server.start()
        try:
            self.assertEqual(server.control("reload").stdout, b"reloaded\n")
            # [log] is applied by a reload; [smtp] (limits the running sessions were built
            # with) waits for a restart, and the reload says so rather than pretend.
            server.extra_toml = "[queue]\ndeliver = false\n[smtp]\nmax_recipients = 250"
            server.write_config()
            text = pathlib.Path(server.config_path).read_text(encoding="utf-8")
            pathlib.Path(server.config_path).write_text(
                text.replace('level = "info"', 'level = "debug"'), encoding="utf-8")
            self.assertEqual(server.control("reload").stdout,
                             b"reloaded\nchanged, applied only at a restart: smtp\n")
            self.assertTrue(server.wait_for_log("config.reload.restart_needed", 1),
                            server.output())
            self.assertIn("settings=smtp", server.log())
            answer = subprocess.run(
                ["curl", "-s", "--unix-socket", os.path.join(server.data_dir, "control.sock"),
                 "-X", "POST", "http://harbor/v1/reload"], capture_output=True, check=True,
                timeout=TOOL_TIMEOUT)
            self.assertEqual(json.loads(answer.stdout),
                             {"reloaded": True, "restart_needed": ["smtp"]})

            # A file with an error changes nothing: the reload fails, the daemon serves on.
            pathlib.Path(server.config_path).write_text("data_dir = [\n", encoding="utf-8")
            failed = server.control("reload", check=False)
            self.assertNotEqual(failed.returncode, 0)
            self.assertIn(b"harbor.toml:", failed.stderr)
            self.assertTrue(server.running())
            with smtplib.SMTP(LOOPBACK, server.ports["smtp"], timeout=IO_TIMEOUT) as smtp:
                self.assertEqual(smtp.noop()[0], 250)
        finally:
            self.stop(server)

    def test_without_a_daemon_the_cli_says_so(self):
        server = self.daemon()
        result = server.control("ports", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn(b"no harbor is running", result.stderr)


class SingleInstanceTest(LifecycleCase):
    def test_second_instance_on_the_same_data_directory_is_refused(self):
        first = self.daemon()
        first.start()
        try:
            second_dir = os.path.join(self.workdir, "second")
            os.mkdir(second_dir)
            second = self.daemon(workdir=second_dir)
            second.data_dir = first.data_dir  # other ports, the same data directory
            second.ports = {slot: port + 1 for slot, port in first.ports.items()}
            second.write_config()
            result = subprocess.run([second.binary, "serve", "-c", second.config_path],
                                    capture_output=True, timeout=EVENT_TIMEOUT)
            self.assertEqual(result.returncode, 1)
            self.assertIn(f"another harbor (pid {first.process.pid}) is running".encode(),
                          result.stderr)
            self.assertTrue(first.running())
        finally:
            self.stop(first)


@unittest.skipUnless(is_root(), "dropping privileges needs root (CI runs as root)")
class PrivilegeTest(LifecycleCase):
    def test_root_drops_to_the_configured_user(self):
        nobody = pwd.getpwnam("nobody")
        group = grp.getgrnam("nogroup")
        os.chmod(self.workdir, 0o755)  # the daemon's user must reach its data directory
        for path in self.live:
            os.chown(path, 0, group.gr_gid)  # as an administrator gives the key to the group
            os.chmod(path, 0o640)
        server = self.daemon(extra_toml='[queue]\ndeliver = false\n[server]\nuser = "nobody"\n'
                                        'group = "nogroup"')
        server.start()
        try:
            status = pathlib.Path(f"/proc/{server.process.pid}/status").read_text()
            uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()
            gids = next(line for line in status.splitlines() if line.startswith("Gid:")).split()
            groups = next(line for line in status.splitlines() if line.startswith("Groups:"))
            self.assertEqual(uids[1:], [str(nobody.pw_uid)] * 4)
            self.assertEqual(gids[1:], [str(group.gr_gid)] * 4)
            self.assertEqual(groups.split()[1:], [str(group.gr_gid)])

            # The store works as that user: mail is accepted and stored.
            self.provision(server)
            with smtplib.SMTP(LOOPBACK, server.ports["smtp"], timeout=IO_TIMEOUT) as smtp:
                smtp.sendmail("sender@remote.example", [ALICE], message("dropped"))
            stored = server.cli.mail_list(ALICE)["mailboxes"]
            self.assertEqual([m["subject"] for box in stored for m in box["messages"]],
                             ["dropped"])

            data = pathlib.Path(server.data_dir)
            self.assertEqual(data.stat().st_uid, nobody.pw_uid)
            self.assertEqual((data / "control.sock").stat().st_uid, nobody.pw_uid)
            for path in [data, *data.rglob("*")]:
                self.assertEqual(path.stat().st_mode & 0o007, 0, f"{path} is world-accessible")
            # SIGHUP after the drop re-reads the key the group may read.
            os.kill(server.process.pid, signal.SIGHUP)
            self.assertTrue(server.wait_for_log("tls.reloaded", 1), server.output())
        finally:
            self.stop(server)

    def test_root_without_a_user_is_refused(self):
        server = self.daemon(extra_toml="[queue]\ndeliver = false\n[server]\nrun_as_root = false")
        server.ports = {"smtp": 1, "imap": 2, "imaps": 3}  # never bound: refused before
        server.write_config()
        result = subprocess.run([server.binary, "serve", "-c", server.config_path],
                                capture_output=True, timeout=EVENT_TIMEOUT)
        self.assertEqual(result.returncode, 1)
        self.assertIn(b"refusing to run as root", result.stderr)


def read_tagged(stream, tag):
    """The lines an IMAP server sends up to and including the one tagged `tag`."""
    lines = []
    while True:
        line = stream.readline()
        if not line:
            raise AssertionError(f"connection closed before {tag}: {lines}")
        lines.append(line)
        if line.startswith(tag.encode() + b" "):
            return lines


class GracefulStopTest(LifecycleCase):
    def test_sigterm_during_data_and_append_keeps_the_transfers(self):
        server = self.daemon(extra_toml="[queue]\ndeliver = false\n[server]\nrun_as_root = true\n"
                                        "shutdown_grace_s = 20")
        self.provision(server)
        server.start()
        idle = smtplib.SMTP(LOOPBACK, server.ports["smtp"], timeout=IO_TIMEOUT)
        idle.ehlo("idle.example")
        sender = smtplib.SMTP(LOOPBACK, server.ports["smtp"], timeout=IO_TIMEOUT)
        sender.ehlo("client.example")
        sender.mail("sender@remote.example")
        sender.rcpt(ALICE)
        code, _ = sender.docmd("DATA")
        self.assertEqual(code, 354)
        text = message("in-flight", body_lines=200)
        half = len(text) // 2
        sender.send(text[:half].encode())

        # An IMAP APPEND whose literal is half sent, and an IMAP session between commands.
        imap_idle = imaplib.IMAP4(LOOPBACK, server.ports["imap"], timeout=IO_TIMEOUT)
        imap_idle.login(ALICE, ALICE_PASSWORD)
        appender = socket.create_connection((LOOPBACK, server.ports["imap"]),
                                            timeout=IO_TIMEOUT)
        stream = appender.makefile("rb")
        self.assertTrue(stream.readline().startswith(b"* OK"))
        appender.sendall(f'a LOGIN "{ALICE}" "{ALICE_PASSWORD}"\r\n'.encode())
        self.assertIn(b"a OK", read_tagged(stream, "a")[-1])
        literal = message("appended", body_lines=200).encode()
        appender.sendall(b"b APPEND INBOX {%d}\r\n" % len(literal))
        self.assertTrue(stream.readline().startswith(b"+"))
        appender.sendall(literal[:len(literal) // 2])

        os.kill(server.process.pid, signal.SIGTERM)
        self.assertTrue(server.wait_for_log("server.stopping", 1), server.output())
        # The sessions between commands are told at once; the transfers go on.
        self.assertEqual(idle.getreply()[0], 421)
        self.assertTrue(imap_idle.readline().startswith(b"* BYE"))
        sender.send(text[half:].encode() + b"\r\n.\r\n")
        code, reply = sender.getreply()
        self.assertEqual(code, 250, reply)
        self.assertEqual(sender.docmd("NOOP")[0], 421)  # then it ends too
        appender.sendall(literal[len(literal) // 2:] + b"\r\n")
        self.assertTrue(read_tagged(stream, "b")[-1].startswith(b"b OK"))
        self.assertTrue(stream.readline().startswith(b"* BYE"))  # then it ends too
        server.process.wait(timeout=EVENT_TIMEOUT)
        self.assertEqual(server.process.returncode, 0, server.output())
        for client in (idle, sender):
            client.close()
        imap_idle.shutdown()
        stream.close()
        appender.close()

        stored = server.cli.mail_list(ALICE)["mailboxes"]
        subjects = sorted(m["subject"] for box in stored for m in box["messages"])
        self.assertEqual(subjects, ["appended", "in-flight"])


if __name__ == "__main__":
    unittest.main()
