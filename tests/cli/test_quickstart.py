"""`harbor quickstart` into a temporary root, as an administrator would run it: harbor.toml that
Harbor's own parser and a started server accept, the systemd unit, the store with the domain,
its DKIM key and the administrator, file modes, the password printed once and usable, the DNS
records, and the refusal to touch an existing installation. Every run passes --user nobody
--group nogroup, so no account is ever made on the machine."""

import grp
import json
import os
import pathlib
import pwd
import re
import shutil
import smtplib
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import tomllib
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from configured_harbor import pick_ports  # noqa: E402
from harbor_harness import die_with_parent, tail, terminate  # noqa: E402

HARBOR = os.environ.get("HARBOR_BIN", "harbor")
HOST = "mail.example.com"
DOMAIN = "example.com"
ACCOUNT = ["--user", "nobody", "--group", "nogroup"]
START_TIMEOUT = 20.0  # a bounded wait for Harbor's own log, never a timing assertion

# (protocol, port, tls) of the standard listeners, each expected on 0.0.0.0 and on ::.
STANDARD = {("smtp", 25, "starttls"), ("submission", 587, "starttls"),
            ("submission", 465, "implicit"), ("imap", 143, "starttls"),
            ("imap", 993, "implicit"), ("pop3", 110, "starttls"), ("pop3", 995, "implicit"),
            ("http", 80, "none"), ("http", 443, "implicit")}

CONFIG = "etc/harbor/harbor.toml"
CERTIFICATE = "etc/harbor/tls/fullchain.pem"
KEY = "etc/harbor/tls/key.pem"
DATA = "var/lib/harbor"
UNIT = "etc/systemd/system/harbor.service"


def harbor(*args):
    return subprocess.run([HARBOR, *args], capture_output=True, text=True, timeout=120)


def quickstart(root, *args, host=HOST):
    return harbor("quickstart", host, "--root", root, *ACCOUNT, *args)


def snapshot(root):
    """Every path under `root` with its type, mode, owner, size and mtime: equal snapshots
    mean nothing was created, removed or changed."""
    seen = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            seen[os.path.relpath(path, root)] = (info.st_mode, info.st_uid, info.st_gid,
                                                 info.st_size, info.st_mtime_ns)
    return seen


def password_of(output):
    match = re.search(r"^Password: +(\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def dns_section(output):
    """The zone-file lines quickstart prints between its DNS heading and the next steps."""
    start = output.index(f"DNS records to publish for {DOMAIN}:")
    end = output.index("Next steps:")
    return output[start:end].split("\n", 1)[1].strip("\n")


def txt_records(zone_text):
    """{name: text} of the TXT lines (`name. IN TXT "..." "..."`), strings joined."""
    records = {}
    for line in zone_text.splitlines():
        if " IN TXT " in line:
            name = line.split(" ", 1)[0]
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
            records[name] = "".join(re.sub(r"\\(.)", r"\1", part) for part in parts)
    return records


def known_user_or_group(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        pass
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def mask_sts_id(zone_text):
    return re.sub(r"id=\d+", "id=N", zone_text)


def unit_settings(text):
    """{(section, key): [values]} of a systemd unit file."""
    settings, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, value = line.split("=", 1)
        settings.setdefault((section, key), []).append(value)
    return settings


def toml_text(config):
    """TOML for a dict of scalars, tables and arrays of tables, as tomllib reads them. Strings,
    integers, booleans and lists of strings are written the same in JSON and TOML."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in config.items()
             if not isinstance(value, (dict, list))]
    for key, value in config.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for table in value:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


class Quickstart(unittest.TestCase):
    """One installation shared by the tests that only look at it."""

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="harbor-quickstart-")
        cls.result = quickstart(cls.root)
        cls.output = cls.result.stdout

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)

    def path(self, relative):
        return os.path.join(self.root, relative)

    def read(self, relative):
        return pathlib.Path(self.path(relative)).read_text(encoding="utf-8")

    def test_config_is_accepted_by_harbor_and_has_every_listener(self):
        checked = harbor("check-config", "-c", self.path(CONFIG))
        self.assertEqual(checked.returncode, 0, checked.stderr)
        self.assertIn(f"({2 * len(STANDARD)} listeners)", checked.stdout)

        text = self.read(CONFIG)
        config = tomllib.loads(text)
        self.assertEqual(config["hostname"], HOST)
        # Paths as the installed system sees them: the temporary root appears nowhere.
        self.assertEqual(config["data_dir"], "/var/lib/harbor")
        self.assertEqual(config["tls"], {"certificate": "/" + CERTIFICATE, "key": "/" + KEY})
        self.assertNotIn(self.root, text)
        self.assertEqual(config["server"], {"user": "nobody", "group": "nogroup"})
        names = [listener["name"] for listener in config["listener"]]
        self.assertEqual(len(names), len(set(names)))
        for address in ("0.0.0.0", "::"):
            bound = {(l["protocol"], l["port"], l["tls"]) for l in config["listener"]
                     if l["address"] == address}
            self.assertEqual(bound, STANDARD, address)
        self.assertEqual(len(config["listener"]), 2 * len(STANDARD))
        # The 8443 alternative is there to uncomment, not active.
        alternative = [line for line in text.splitlines() if "8443" in line]
        self.assertTrue(alternative)
        self.assertTrue(all(line.startswith("#") for line in alternative), alternative)
        self.assertIn("systemctl reload harbor", text)

    def test_certificate_is_for_the_hostname_and_matches_the_key(self):
        san = subprocess.run(["openssl", "x509", "-in", self.path(CERTIFICATE), "-noout", "-ext",
                              "subjectAltName"], capture_output=True, text=True, check=True)
        self.assertIn(f"DNS:{HOST}", san.stdout)
        from_certificate = subprocess.run(
            ["openssl", "x509", "-in", self.path(CERTIFICATE), "-noout", "-pubkey"],
            capture_output=True, text=True, check=True).stdout
        from_key = subprocess.run(["openssl", "pkey", "-in", self.path(KEY), "-pubout"],
                                  capture_output=True, text=True, check=True).stdout
        self.assertEqual(from_certificate, from_key)

    def test_systemd_unit(self):
        unit = unit_settings(self.read(UNIT))
        want = {
            ("Service", "Type"): ["simple"],
            ("Service", "ExecStart"): ["/usr/local/bin/harbor serve -c /etc/harbor/harbor.toml"],
            ("Service", "ExecReload"): ["/bin/kill -HUP $MAINPID"],
            ("Service", "Restart"): ["on-failure"],
            ("Service", "LimitNOFILE"): ["65536"],
            ("Service", "ProtectSystem"): ["full"],
            ("Service", "ProtectHome"): ["yes"],
            ("Service", "PrivateTmp"): ["yes"],
            ("Service", "ReadWritePaths"): ["/var/lib/harbor"],
            ("Install", "WantedBy"): ["multi-user.target"],
        }
        for key, value in want.items():
            self.assertEqual(unit.get(key), value, key)
        # Harbor starts as root and drops to [server] user itself.
        self.assertNotIn(("Service", "User"), unit)

    def test_store_holds_the_domain_its_dkim_key_and_the_administrator(self):
        data = ["-d", self.path(DATA)]
        domains = harbor(*data, "domain", "list")
        self.assertEqual(domains.stdout.split(), [DOMAIN], domains.stderr)
        users = harbor(*data, "user", "list", DOMAIN).stdout.splitlines()
        self.assertEqual(len(users), 1, users)
        self.assertTrue(users[0].startswith(f"postmaster@{DOMAIN} role=admin "), users)
        keys = harbor(*data, "dkim", "list", "--json")
        listing = json.loads(keys.stdout)
        self.assertEqual(len(listing), 1, listing)
        self.assertEqual((listing[0]["domain"], listing[0]["active"]), (DOMAIN, True))

    def test_dns_records_are_those_of_dns_records(self):
        zone = dns_section(self.output)
        self.assertIn(f"{DOMAIN}. IN MX 10 {HOST}.", zone.splitlines())
        txt = txt_records(zone)
        self.assertEqual(txt[f"{DOMAIN}."], "v=spf1 mx -all")
        self.assertTrue(txt[f"_dmarc.{DOMAIN}."].startswith("v=DMARC1; p="), txt)
        key = json.loads(harbor("-d", self.path(DATA), "dkim", "list", "--json").stdout)[0]
        self.assertEqual(txt[key["name"] + "."], key["txt"])
        self.assertTrue(key["txt"].startswith("v=DKIM1; k=rsa; p="), key)
        # The same lines as the command, but for the MTA-STS id (the time they are printed).
        command = harbor("-d", self.path(DATA), "dns-records", DOMAIN, "--host", HOST)
        self.assertEqual(command.returncode, 0, command.stderr)
        self.assertEqual(mask_sts_id(zone), mask_sts_id(command.stdout.strip("\n")))

    def test_password_is_printed_once_and_written_nowhere(self):
        password = password_of(self.output)
        self.assertGreaterEqual(len(password), 20)
        self.assertEqual(self.output.count(password), 1)
        for directory, _, files in os.walk(self.root):
            for name in files:
                content = pathlib.Path(directory, name).read_bytes()
                self.assertNotIn(password.encode(), content, os.path.join(directory, name))

    def test_nothing_is_world_accessible(self):
        for relative, (mode, uid, gid, _, _) in snapshot(self.root).items():
            if stat.S_ISDIR(mode) and not relative.startswith(("etc/harbor", DATA)):
                continue  # /etc, /var/lib ... made 0755 as a system has them
            self.assertEqual(mode & 0o007, 0, f"{relative} {oct(mode)}")
        modes = {CONFIG: 0o640, CERTIFICATE: 0o640, UNIT: 0o640, DATA: 0o750,
                 "etc/harbor": 0o750, "etc/harbor/tls": 0o750}
        if os.geteuid() == 0:
            # Given to nobody:nogroup: the key and harbor.toml readable by the group only.
            modes[KEY] = 0o640
            nobody, nogroup = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
            for relative, (_, uid, gid, _, _) in snapshot(self.path(DATA)).items():
                self.assertEqual((uid, gid), (nobody, nogroup), relative)
            for relative in (DATA, CONFIG, KEY, CERTIFICATE, "etc/harbor", "etc/harbor/tls"):
                info = os.lstat(self.path(relative))
                want_uid = nobody if relative == DATA else 0
                self.assertEqual((info.st_uid, info.st_gid), (want_uid, nogroup), relative)
        else:
            modes[KEY] = 0o600  # no group to share it with
        for relative, want in modes.items():
            self.assertEqual(stat.S_IMODE(os.lstat(self.path(relative)).st_mode), want, relative)

    def test_second_run_is_refused_and_changes_nothing(self):
        before = snapshot(self.root)
        for host in (HOST, "mx.example.org"):
            again = quickstart(self.root, host=host)
            self.assertEqual(again.returncode, 1, again.stdout)
            self.assertEqual(again.stdout, "")
            lines = again.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, again.stderr)
            self.assertIn("harbor.toml exists", lines[0])
            self.assertEqual(snapshot(self.root), before)


class QuickstartRefusals(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="harbor-quickstart-")

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def test_existing_store_is_refused_and_nothing_is_made(self):
        data = os.path.join(self.root, DATA)
        made = harbor("-d", data, "domain", "add", "example.org")
        self.assertEqual(made.returncode, 0, made.stderr)
        before = snapshot(self.root)
        result = quickstart(self.root)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("is not empty", result.stderr)
        self.assertEqual(snapshot(self.root), before)

    def test_an_existing_unit_or_key_is_not_overwritten(self):
        for relative in (UNIT, KEY):
            path = pathlib.Path(self.root, relative)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("the administrator's own\n")
            before = snapshot(self.root)
            result = quickstart(self.root)
            self.assertEqual(result.returncode, 1, result.stdout)
            self.assertIn(f"{relative} exists", result.stderr)
            self.assertEqual(snapshot(self.root), before)
            path.unlink()

    def test_a_failure_half_way_removes_what_was_made(self):
        # A file where the unit's directory belongs: the certificate and the store are made
        # before the unit is written, and must be gone again.
        blocker = pathlib.Path(self.root, UNIT).parent
        blocker.parent.mkdir(parents=True)
        blocker.write_text("")
        result = quickstart(self.root)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("harbor.service", result.stderr)
        self.assertEqual(sorted(snapshot(self.root)), ["etc", "etc/systemd", "etc/systemd/system"])

    def test_bad_input_is_refused_before_anything_is_made(self):
        cases = [
            (("quickstart", "localhost", "--root", self.root, *ACCOUNT), "full name"),
            (("quickstart", "example.com", "--root", self.root, *ACCOUNT), "--domain"),
            (("quickstart", HOST, "--root", self.root, "--admin", "boss@example.org", *ACCOUNT),
             "--admin must be an address in example.com"),
            (("quickstart", HOST, "--root", self.root, "--user", "bad name"), "--user"),
            (("quickstart", HOST, "--root", self.root, "--binary", "bin/harbor", *ACCOUNT),
             "--binary"),
            (("quickstart", HOST, "--root", os.path.join(self.root, "missing"), *ACCOUNT),
             "not a directory"),
        ]
        for args, want in cases:
            result = harbor(*args)
            self.assertEqual(result.returncode, 1, args)
            self.assertIn(want, result.stderr, args)
            self.assertEqual(os.listdir(self.root), [], args)

    def test_missing_user_is_not_created_under_another_root(self):
        name = next(name for name in (f"hq{os.getpid()}x{n}" for n in range(1000))
                    if not known_user_or_group(name))
        result = harbor("quickstart", HOST, "--root", self.root, "--user", name, "--group", name)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"user {name} does not exist here", result.stdout)
        self.assertIn(f"useradd --system --gid {name}", result.stdout)
        with self.assertRaises(KeyError):
            pwd.getpwnam(name)
        with self.assertRaises(KeyError):
            grp.getgrnam(name)
        # Not given to anyone: the key stays its owner's alone.
        self.assertEqual(stat.S_IMODE(os.lstat(os.path.join(self.root, KEY)).st_mode), 0o600)

    def test_other_binary_domain_and_admin(self):
        result = quickstart(self.root, "--domain", "example.net", "--admin", "boss@example.net",
                            "--binary", "/opt/harbor/bin/harbor", host="mx1.example.org")
        self.assertEqual(result.returncode, 0, result.stderr)
        unit = unit_settings(pathlib.Path(self.root, UNIT).read_text())
        self.assertEqual(unit[("Service", "ExecStart")],
                         ["/opt/harbor/bin/harbor serve -c /etc/harbor/harbor.toml"])
        data = ["-d", os.path.join(self.root, DATA)]
        self.assertIn("boss@example.net role=admin", harbor(*data, "user", "list").stdout)
        # RFC 5321 §4.5.1: the domain's postmaster reaches the administrator.
        self.assertIn("postmaster@example.net -> boss@example.net",
                      harbor(*data, "alias", "list").stdout)
        self.assertIn("example.net. IN MX 10 mx1.example.org.", result.stdout)


class QuickstartServes(unittest.TestCase):
    """The installation started: harbor.toml rewritten only where a test must differ (loopback,
    free ports, paths under the temporary root, no DNS), the rest as quickstart wrote it."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="harbor-quickstart-")
        self.process = None

    def tearDown(self):
        if self.process is not None:
            terminate(self.process)
        shutil.rmtree(self.root, ignore_errors=True)

    def test_server_starts_and_the_printed_password_logs_in(self):
        result = quickstart(self.root, "--admin", "boss@example.com")
        self.assertEqual(result.returncode, 0, result.stderr)
        password = password_of(result.stdout)
        config = tomllib.loads(pathlib.Path(self.root, CONFIG).read_text())
        config["data_dir"] = self.root + config["data_dir"]
        config["tls"] = {key: self.root + value for key, value in config["tls"].items()}
        # [server] stays as written: started as root (CI), Harbor becomes nobody:nogroup and
        # must still reach its store, key and certificate through what quickstart gave them.
        os.chmod(self.root, 0o755)  # mkdtemp's 0700 would keep nobody out of the whole tree
        config["auth"] = {"inbound_checks": False}
        config["queue"] = {"deliver": False}
        loopback = {"0.0.0.0": "127.0.0.1", "::": "::1"}
        ports = self.start(config, loopback)

        if os.geteuid() == 0:
            self.assertEqual(self.user_ids(), {pwd.getpwnam("nobody").pw_uid}, self.log())
        certificate = os.path.join(self.root, CERTIFICATE)
        context = ssl.create_default_context(cafile=certificate)
        for address in ("127.0.0.1", "::1"):
            with socket.create_connection((address, ports["imaps"]), timeout=10) as raw, \
                    context.wrap_socket(raw, server_hostname=HOST) as imap:
                reader = imap.makefile("rb")
                self.assertTrue(reader.readline().startswith(b"* OK"))
                imap.sendall(b"a1 LOGIN boss@example.com wrong-password\r\n")
                self.assertTrue(self.tagged(reader, b"a1").startswith(b"a1 NO"))
                imap.sendall(b"a2 LOGIN boss@example.com " + password.encode() + b"\r\n")
                self.assertTrue(self.tagged(reader, b"a2").startswith(b"a2 OK"))
        with smtplib.SMTP("127.0.0.1", ports["submission"], timeout=10) as smtp:
            smtp.starttls(context=context)
            smtp.login("boss@example.com", password)
        self.process.terminate()
        self.assertEqual(self.process.wait(timeout=30), 0, self.log())

    def user_ids(self):
        """The real, effective, saved and file-system uids of the started server."""
        status = pathlib.Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("Uid:"))
        return {int(uid) for uid in line.split()[1:]}

    def tagged(self, reader, tag):
        while True:
            line = reader.readline()
            if not line or line.startswith(tag + b" "):
                return line

    def log(self):
        return tail(os.path.join(self.root, "harbor.stderr"), 40)

    def start(self, config, loopback):
        """Starts `harbor serve` on free ports (a lost port race is retried); the port of
        each listener by its IPv4 name."""
        base_names = [l["name"] for l in config["listener"] if l["address"] == "0.0.0.0"]
        listeners = [dict(l) for l in config["listener"]]
        log_path = os.path.join(self.root, "harbor.stderr")
        config_path = os.path.join(self.root, "test.toml")
        for _ in range(3):
            ports = pick_ports(base_names)
            config["listener"] = [
                {**l, "address": loopback[l["address"]],
                 "port": ports[l["name"].removesuffix("-v6")]} for l in listeners]
            pathlib.Path(config_path).write_text(toml_text(config))
            with open(log_path, "ab") as err:
                self.process = subprocess.Popen([HARBOR, "serve", "-c", config_path],
                                                stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                                preexec_fn=die_with_parent)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and self.process.poll() is None:
                if " server.started " in tail(log_path, 1 << 20):
                    return ports
                time.sleep(0.05)
            terminate(self.process)
            if "in use" not in tail(log_path, 1 << 20):
                break
        self.fail(f"harbor serve did not start\n{self.log()}")


if __name__ == "__main__":
    unittest.main()
