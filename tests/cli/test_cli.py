"""The `harbor` administrative commands, run as a user would: the real binary on a temporary
data directory. Bad input must give a one-line error, a non-zero exit, and change nothing."""

import base64
import json
import os
import shutil
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from harbor_harness import LOOPBACK, HarborServer  # noqa: E402

HARBOR = os.environ.get("HARBOR_BIN", "harbor")
PASSWORD = "correct horse battery staple"
DEFAULT_BOXES = sorted(["INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"])


class HarborCli(unittest.TestCase):
    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="harbor-cli-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def harbor(self, *args, stdin=None):
        return subprocess.run([HARBOR, "-d", self.data_dir, *args], input=stdin,
                              capture_output=True, text=True, timeout=60)

    def ok(self, *args, stdin=None):
        result = self.harbor(*args, stdin=stdin)
        self.assertEqual(result.returncode, 0, f"{args}: {result.stderr}")
        return result.stdout

    def fails(self, *args, want):
        result = self.harbor(*args)
        self.assertNotEqual(result.returncode, 0, f"{args} should fail: {result.stdout}")
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, f"{args}: want one line, got {result.stderr!r}")
        self.assertTrue(lines[0].startswith("harbor: "), lines[0])
        self.assertIn(want, lines[0])
        return lines[0]

    def test_domains_are_idna_normalised_and_listed(self):
        self.assertIn("xn--bcher-kva.example", self.ok("domain", "add", "Bücher.Example"))
        self.ok("domain", "add", "example.org")
        self.assertEqual(self.ok("domain", "list").split(),
                         ["example.org", "xn--bcher-kva.example"])
        self.fails("domain", "add", "EXAMPLE.org", want="exists")
        self.fails("domain", "add", "bad..name", want="")
        self.ok("domain", "remove", "example.org")
        self.assertEqual(self.ok("domain", "list").split(), ["xn--bcher-kva.example"])

    def test_user_lifecycle(self):
        self.ok("domain", "add", "example.org")
        self.ok("user", "add", "Alice@Example.ORG", "--password", PASSWORD, "--name", "Alice")
        listing = self.ok("user", "list", "example.org")
        self.assertIn("Alice@example.org role=user quota=unlimited "
                      "rights=imap,pop3,submission", listing)
        # Local parts match case-insensitively: the same mailbox under another case.
        self.fails("user", "add", "alice@example.org", "--password", PASSWORD, want="")
        line = self.ok("user", "set", "alice@example.org", "--quota", "2G", "--no-pop3",
                       "--role", "domain-admin", "--disable")
        self.assertIn("role=domain-admin quota=2G rights=imap,submission disabled", line)
        line = self.ok("user", "set", "alice@example.org", "--enable", "--pop3")
        self.assertIn("rights=imap,pop3,submission", line)
        self.assertNotIn("disabled", line)
        self.ok("user", "passwd", "alice@example.org", "--password-file", "-",
                stdin="another long password\n")
        self.ok("user", "remove", "alice@example.org")
        self.assertEqual(self.ok("user", "list", "example.org"), "")

    def test_bad_user_input_changes_nothing(self):
        self.ok("domain", "add", "example.org")
        self.ok("user", "add", "bob@example.org", "--password", PASSWORD)
        before = self.ok("user", "list")
        self.fails("user", "add", "carol@unknown.test", "--password", PASSWORD,
                   want="not a local domain")
        self.fails("user", "add", "not an address", "--password", PASSWORD, want="")
        self.fails("user", "add", "dave@example.org", "--password", "", want="")
        self.fails("user", "add", "dave@example.org", "--password", "short", want="")
        self.fails("user", "add", "dave@example.org", want="--password")
        self.fails("user", "add", "erin@example.org", "--password", PASSWORD, "--role", "root",
                   want="bad role")
        self.fails("user", "set", "bob@example.org", "--quota", "lots", want="bad size")
        self.fails("user", "set", "nobody@example.org", "--quota", "1G", want="")
        self.fails("user", "remove", "nobody@example.org", want="")
        self.assertEqual(self.ok("user", "list"), before)

    def test_aliases_and_catch_all(self):
        self.ok("domain", "add", "example.org")
        self.ok("user", "add", "alice@example.org", "--password", PASSWORD)
        self.ok("alias", "add", "postmaster@example.org", "alice@example.org")
        self.ok("alias", "add", "@example.org", "alice@example.org")
        listing = self.ok("alias", "list", "example.org")
        self.assertIn("postmaster@example.org -> alice@example.org", listing)
        self.assertIn("@example.org -> alice@example.org", listing)
        self.fails("alias", "add", "x@elsewhere.test", "alice@example.org",
                   want="not a local domain")
        self.ok("alias", "remove", "postmaster@example.org", "alice@example.org")
        self.assertNotIn("postmaster", self.ok("alias", "list"))

    def test_groups_nest_without_cycles(self):
        self.ok("domain", "add", "example.org")
        self.ok("user", "add", "alice@example.org", "--password", PASSWORD)
        self.ok("group", "add", "staff@example.org")
        self.ok("group", "add", "all@example.org")
        self.ok("group", "member", "add", "staff@example.org", "alice@example.org")
        self.ok("group", "member", "add", "all@example.org", "staff@example.org")
        self.fails("group", "member", "add", "staff@example.org", "all@example.org",
                   want="cycle")
        listing = self.ok("group", "list")
        self.assertIn("staff@example.org: alice@example.org", listing)
        self.assertIn("all@example.org: staff@example.org", listing)
        self.ok("group", "member", "remove", "all@example.org", "staff@example.org")
        self.ok("group", "remove", "all@example.org")
        self.assertNotIn("all@example.org", self.ok("group", "list"))
        self.fails("domain", "remove", "example.org", want="still has")

    def test_every_command_has_help(self):
        for command in (["serve"], ["check-config"], ["version"], ["domain", "add"],
                        ["domain", "list"], ["domain", "remove"], ["user", "add"],
                        ["user", "list"], ["user", "remove"], ["user", "passwd"], ["user", "set"],
                        ["alias", "add"], ["alias", "list"], ["alias", "remove"],
                        ["group", "add"], ["group", "list"], ["group", "remove"],
                        ["group", "member", "add"], ["group", "member", "remove"],
                        ["mail", "list"], ["mail", "show"], ["queue", "list"],
                        ["queue", "bounce"], ["route", "add"], ["route", "list"],
                        ["route", "remove"], ["dkim", "keygen"], ["dkim", "list"],
                        ["dkim", "activate"], ["dkim", "remove"], ["dmarc", "results"],
                        ["dns-records"]):
            result = self.harbor(*command, "--help")
            self.assertEqual(result.returncode, 0, command)
            self.assertIn("Usage:", result.stdout, command)

    def test_routes_are_added_listed_replaced_and_removed(self):
        self.assertEqual(self.ok("route", "list"), "")
        self.ok("route", "add", "Corp.Example", "exchange.corp.example:2525", "--tls", "required",
                "--auth", "relay:pa:ss")
        self.ok("route", "add", "*", "[2001:db8::25]:587", "--tls", "verify")
        self.ok("route", "add", "bücher.example", "192.0.2.7")
        self.assertEqual(self.ok("route", "list").splitlines(), [
            "* [2001:db8::25]:587 tls=verify",
            "corp.example exchange.corp.example:2525 tls=required auth=relay",
            "xn--bcher-kva.example 192.0.2.7:25 tls=opportunistic"])
        listing = json.loads(self.ok("route", "list", "--json"))
        self.assertEqual(listing[1], {"domain": "corp.example", "host": "exchange.corp.example",
                                      "port": 2525, "tls": "required", "auth_user": "relay"})
        self.assertNotIn("pa:ss", self.ok("route", "list", "--json"))  # never shown
        self.ok("route", "add", "corp.example", "mx2.corp.example")  # replaces
        self.assertIn("corp.example mx2.corp.example:25 tls=opportunistic",
                      self.ok("route", "list"))
        self.ok("route", "remove", "*")
        self.fails("route", "remove", "*", want="no route for *")
        self.fails("route", "add", "x.example", "host:0", want="bad port")
        self.fails("route", "add", "x.example", "host:99999", want="bad port")
        self.fails("route", "add", "x.example", "[2001:db8::1", want="no ']'")
        self.fails("route", "add", "x.example", "host", "--auth", "nopassword",
                   want="USER:PASSWORD")
        self.fails("route", "add", "not a domain", "host", want="")
        self.assertEqual(len(self.ok("route", "list").splitlines()), 2)

    def test_dkim_keys_are_made_listed_rotated_and_removed(self):
        self.ok("domain", "add", "example.org")
        printed = self.ok("dkim", "keygen", "Example.ORG", "--selector", "s1").strip()
        self.assertTrue(printed.startswith('s1._domainkey.example.org. IN TXT ( "v=DKIM1; k=rsa; p='),
                        printed)
        # A second key waits for `activate`: its record is not in DNS yet.
        second = self.ok("dkim", "keygen", "example.org", "--selector", "s2", "--algorithm",
                         "ed25519")
        self.assertIn("; harbor dkim activate example.org s2\n", second)
        keys = json.loads(self.ok("dkim", "list", "--json"))
        self.assertEqual([(k["selector"], k["algorithm"], k["active"]) for k in keys],
                         [("s1", "rsa-sha256", True), ("s2", "ed25519-sha256", False)])
        # The printed record is the listed one, cut into 255-octet strings.
        strings = printed.split("( ", 1)[1].rsplit(" )", 1)[0]
        self.assertEqual("".join(part.strip('"') for part in strings.split('" "')), keys[0]["txt"])
        # The rsa p= is a 2048-bit SubjectPublicKeyInfo, as openssl reads it.
        der = base64.b64decode(keys[0]["txt"].split("p=", 1)[1])
        text = subprocess.run(["openssl", "pkey", "-pubin", "-inform", "DER", "-noout", "-text"],
                              input=der, capture_output=True, timeout=60, check=True).stdout
        self.assertIn(b"Public-Key: (2048 bit)", text)
        self.assertEqual(len(base64.b64decode(keys[1]["txt"].split("p=", 1)[1])), 32)
        self.ok("dkim", "activate", "example.org", "s2")
        keys = json.loads(self.ok("dkim", "list", "example.org", "--json"))
        self.assertEqual([k["active"] for k in keys], [False, True])
        self.fails("dkim", "keygen", "example.org", "--selector", "s2", want="exists")
        self.fails("dkim", "keygen", "other.example", want="not a local domain: other.example")
        self.fails("dkim", "keygen", "example.org", "--selector", "bad/selector", want="bad selector")
        self.fails("dkim", "keygen", "example.org", "--selector", "a..b", want="bad selector")
        self.ok("dkim", "keygen", "example.org", "--selector", "s3", "--activate")
        keys = json.loads(self.ok("dkim", "list", "example.org", "--json"))
        self.assertEqual([(k["selector"], k["active"]) for k in keys],
                         [("s1", False), ("s2", False), ("s3", True)])
        self.fails("dkim", "activate", "example.org", "s9", want="no DKIM key s9")
        self.ok("dkim", "remove", "example.org", "s1")
        self.fails("dkim", "remove", "example.org", "s1", want="no DKIM key s1")
        self.assertEqual(len(json.loads(self.ok("dkim", "list", "--json"))), 2)

    def test_dmarc_results_are_listed_by_policy_domain(self):
        self.assertEqual(self.ok("dmarc", "results"), "")
        self.assertEqual(json.loads(self.ok("dmarc", "results", "--json")), [])
        # Only the SMTP server records results; these rows stand in for two messages it
        # evaluated (the end-to-end check is in tests/interop). Columns as in migration 16.
        db = sqlite3.connect(os.path.join(self.data_dir, "harbor.db"))
        columns = ("received, policy_domain, rua, policy, subdomain_policy, adkim, aspf, pct, "
                   "fo, source_ip, header_from, envelope_from, spf_scope, spf_result, "
                   "spf_aligned, dkim_aligned, result, requested, disposition, sampled_out")
        rows = [(1, 1764547300, "other.example", "", "reject", "", "r", "r", 50, "0",
                 "2001:db8::1", "other.example", "helo.other.example", "helo", "fail", 0, 0,
                 "fail", "reject", "none", 1),
                (2, 1764547200, "sender.example", "mailto:d@sender.example!10m,mailto:e@x.example",
                 "quarantine", "reject", "s", "r", 100, "1", "192.0.2.7", "news.sender.example",
                 "bounces.example", "mfrom", "softfail", 0, 1, "pass", "reject", "none", 0)]
        db.executemany("INSERT INTO dmarc_results (id, %s) VALUES (%s)"
                       % (columns, ", ".join("?" * 21)), rows)
        db.executemany("INSERT INTO dmarc_result_dkim VALUES (?, ?, ?, ?, ?)",
                       [(2, 0, "sender.example", "s1", "pass"),
                        (2, 1, "x\x1b[2J.example", "old", "fail")])
        db.commit()
        db.close()

        table = self.ok("dmarc", "results").splitlines()
        self.assertEqual(table[0].split(), ["RECEIVED", "POLICY-DOMAIN", "SOURCE", "FROM",
                                            "ENVELOPE", "SPF", "DKIM", "ALIGNED", "DMARC",
                                            "DISPOSITION"])
        self.assertEqual(len(table), 3)
        # Oldest first; no escape byte from a signature reaches the terminal.
        self.assertEqual(table[1].split(), [
            "2025-12-01T00:00:00Z", "sender.example", "192.0.2.7", "news.sender.example",
            "bounces.example", "softfail", "sender.example/s1=pass,x?[2J.example/old=fail",
            "dkim", "pass", "none"])
        self.assertEqual(table[2].split()[4:], [
            "helo:helo.other.example", "fail", "-", "-", "fail", "none", "(sampled", "out", "of",
            "reject)"])

        listing = json.loads(self.ok("dmarc", "results", "--domain", "Sender.EXAMPLE", "--json"))
        self.assertEqual(len(listing), 1)
        [found] = listing
        self.assertEqual(found["received"], 1764547200)
        self.assertEqual(found["policy_published"],
                         {"domain": "sender.example", "p": "quarantine", "sp": "reject",
                          "adkim": "s", "aspf": "r", "pct": 100, "fo": "1",
                          "rua": ["mailto:d@sender.example!10m", "mailto:e@x.example"]})
        self.assertEqual(found["auth_results"]["spf"],
                         {"domain": "bounces.example", "scope": "mfrom", "result": "softfail"})
        self.assertEqual([d["result"] for d in found["auth_results"]["dkim"]], ["pass", "fail"])
        self.assertEqual(found["policy_evaluated"],
                         {"result": "pass", "requested": "reject", "disposition": "none",
                          "sampled_out": False, "spf": "fail", "dkim": "pass"})
        self.assertEqual(self.ok("dmarc", "results", "--domain", "nowhere.example"), "")
        self.fails("dmarc", "results", "--domain", "bad..name", want="")

    def test_dns_records_name_every_record_a_domain_needs(self):
        self.ok("domain", "add", "example.org")
        self.ok("dkim", "keygen", "example.org", "--selector", "s1", "--algorithm", "ed25519")
        records = json.loads(self.ok("dns-records", "example.org", "--host", "Mail.Example.ORG",
                                     "--json"))
        by_name = {(r["name"], r["type"]): r["value"] for r in records}
        self.assertEqual(by_name[("example.org", "MX")], "10 mail.example.org.")
        self.assertEqual(by_name[("example.org", "TXT")], "v=spf1 mx -all")
        key = json.loads(self.ok("dkim", "list", "--json"))[0]["txt"]
        self.assertEqual(by_name[("s1._domainkey.example.org", "TXT")], key)
        self.assertTrue(by_name[("_dmarc.example.org", "TXT")].startswith("v=DMARC1; p="))
        self.assertRegex(by_name[("_mta-sts.example.org", "TXT")], r"^v=STSv1; id=\d{14}$")
        self.assertEqual(by_name[("_smtp._tls.example.org", "TXT")],
                         "v=TLSRPTv1; rua=mailto:postmaster@example.org")
        self.assertEqual(by_name[("_submissions._tcp.example.org", "SRV")],
                         "0 1 465 mail.example.org.")
        self.assertEqual(by_name[("_imaps._tcp.example.org", "SRV")], "0 1 993 mail.example.org.")
        zone = self.ok("dns-records", "example.org", "--host", "mail.example.org")
        self.assertIn('s1._domainkey.example.org. IN TXT "' + key + '"\n', zone)
        self.assertIn("example.org. IN MX 10 mail.example.org.\n", zone)
        self.fails("dns-records", "other.example", want="not a local domain: other.example")

    def test_mail_and_queue_on_an_empty_store(self):
        self.ok("domain", "add", "example.org")
        self.ok("user", "add", "alice@example.org", "--password", PASSWORD)
        # A new account has its six standard mailboxes (RFC 6154 special-use), all empty.
        text = self.ok("mail", "list", "alice@example.org")
        self.assertEqual(sorted(line.split(":")[0] for line in text.splitlines()), DEFAULT_BOXES)
        self.assertTrue(all(": 0 messages (" in line for line in text.splitlines()), text)
        listing = json.loads(self.ok("mail", "list", "Alice@Example.org", "--json"))
        self.assertEqual(listing["address"], "alice@example.org")
        self.assertEqual(sorted(box["name"] for box in listing["mailboxes"]), DEFAULT_BOXES)
        self.assertEqual([box["messages"] for box in listing["mailboxes"]], [[]] * 6)
        self.assertEqual(self.ok("queue", "list"), "")
        self.assertEqual(json.loads(self.ok("queue", "list", "--json")), [])
        self.fails("mail", "list", "nobody@example.org", want="")
        self.fails("mail", "list", "not an address", want="")
        self.fails("mail", "show", "alice@example.org", "1", want="no message with uid 1 in INBOX")
        result = self.harbor("mail", "show", "alice@example.org", "first")
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(result.stdout, "")

    def test_check_config_reports_file_line_and_key(self):
        path = os.path.join(self.data_dir, "harbor.toml")
        with open(path, "w") as f:
            f.write('data_dir = "/tmp/x"\n[[listener]]\nprotocol = "smtp"\nport = 99999\n')
        result = subprocess.run([HARBOR, "check-config", "-c", path], capture_output=True,
                                text=True, timeout=30)
        self.assertEqual(result.returncode, 1)
        self.assertIn("harbor.toml:4: listener[0].port: must be between 0 and 65535",
                      result.stderr)


class MailCommandsNextToServer(unittest.TestCase):
    """`harbor mail` and `harbor queue` on the data directory of a running `harbor serve
    --demo`: a second process opening the store (shared store.lock, SQLite WAL readers) sees
    every message the server acknowledged, and changes nothing."""

    @classmethod
    def setUpClass(cls):
        cls.server = HarborServer(HARBOR)
        cls.server.__enter__()
        cls.users = {a["address"].split("@")[0]: a for a in cls.server.accounts}

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def harbor(self, *args):
        result = subprocess.run([HARBOR, "-d", self.server.data_dir, *args],
                                capture_output=True, timeout=60)
        self.assertEqual(result.returncode, 0, f"{args}: {result.stderr!r}")
        return result.stdout

    def send(self, listener, sender, recipients, message, login=None):
        client = smtplib.SMTP(LOOPBACK, self.server.ports[listener],
                              local_hostname="cli-test.example", timeout=10)
        try:
            if login:
                client.login(login["address"], login["password"])  # trusted_plaintext demo
            self.assertEqual(client.sendmail(sender, recipients, message), {})
        finally:
            client.quit()

    def test_list_and_show_a_delivered_message(self):
        bob = self.users["bob"]["address"]
        # An encoded-word hiding a line break: the text listing must not print it raw.
        message = (b"From: someone@remote.example\r\nTo: " + bob.encode() +
                   b"\r\nSubject: =?utf-8?q?two=0Alines_caf=C3=A9?=\r\n"
                   b"Message-ID: <cli-show-1@remote.example>\r\n\r\nbody\r\n")
        self.send("smtp", "someone@remote.example", [bob], message)
        listing = json.loads(self.harbor("mail", "list", bob, "--json"))
        self.assertEqual(listing["address"], bob)
        [inbox] = [box for box in listing["mailboxes"] if box["name"] == "INBOX"]
        self.assertEqual(sum(len(box["messages"]) for box in listing["mailboxes"]), 1)
        [entry] = inbox["messages"]
        self.assertEqual(entry["uid"], 1)
        self.assertEqual(inbox["uidnext"], 2)
        self.assertEqual(entry["subject"], "two\nlines café")
        self.assertEqual(entry["message_id"], "cli-show-1@remote.example")
        self.assertEqual(entry["flags"], [])
        self.assertGreater(entry["internal_date"], 1_600_000_000)

        stored = self.harbor("mail", "show", bob, "1")
        self.assertEqual(len(stored), entry["size"])
        self.assertTrue(stored.startswith(b"Return-Path: <someone@remote.example>\r\n"
                                          b"Delivered-To: " + bob.encode() + b"\r\n"
                                          b"Received: from cli-test.example "), stored[:200])
        self.assertTrue(stored.endswith(message))
        self.assertEqual(self.harbor("mail", "show", bob, "1", "--mailbox", "inbox"), stored)

        text = self.harbor("mail", "list", bob).decode("utf-8")
        lines = text.splitlines()
        self.assertEqual(len(lines), 7, text)  # six mailboxes, one message line under INBOX
        at = lines.index("INBOX: 1 messages (uidvalidity %d, uidnext 2)" % inbox["uidvalidity"])
        lines = lines[at:at + 2]
        self.assertRegex(lines[1], r'^  uid=1 size=%d date=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ '
                                   r'flags=- message-id=<cli-show-1@remote\.example> '
                                   r'subject="two\\nlines café"$' % entry["size"])

        result = subprocess.run([HARBOR, "-d", self.server.data_dir, "mail", "show", bob, "9"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr, "harbor: no message with uid 9 in INBOX\n")

    def test_queue_lists_mail_for_remote_recipients(self):
        alice = self.users["alice"]
        message = (b"From: " + alice["address"].encode() + b"\r\nTo: far@remote.example\r\n"
                   b"Subject: queued\r\n\r\nbody\r\n")
        self.send("submission", alice["address"], ["far@remote.example", "away@remote.example"],
                  message, login=alice)
        queued = [q for q in json.loads(self.harbor("queue", "list", "--json"))
                  if q["sender"] == alice["address"]]
        self.assertEqual(len(queued), 1, queued)
        entry = queued[0]
        self.assertEqual(sorted(r["address"] for r in entry["recipients"]),
                         ["away@remote.example", "far@remote.example"])
        self.assertGreater(entry["size"], len(message))
        self.assertIsInstance(entry["params"], dict)
        self.assertIsInstance(entry["id"], int)
        self.assertLessEqual(entry["created"], entry["next_attempt"])
        text = self.harbor("queue", "list").decode("utf-8")
        self.assertIn("%d from=<%s> size=%d created=" % (entry["id"], alice["address"],
                                                          entry["size"]), text)
        self.assertIn("  to=<far@remote.example> {} pending", text)

    def test_queue_show_hold_release_retry_and_delete(self):
        alice = self.users["alice"]
        message = (b"From: " + alice["address"].encode() + b"\r\nTo: held@remote.example\r\n"
                   b"Subject: to hold\r\n\r\nbody\r\n")
        self.send("submission", alice["address"], ["held@remote.example"], message, login=alice)
        [entry] = [q for q in json.loads(self.harbor("queue", "list", "--json"))
                   if q["recipients"][0]["address"] == "held@remote.example"]
        ident = str(entry["id"])
        shown = json.loads(self.harbor("queue", "show", ident, "--json"))
        self.assertEqual(shown["recipients"][0]["state"], "pending")
        self.assertEqual(shown["recipients"][0]["last_reply"], "")
        self.assertEqual((shown["attempts"], shown["held"], shown["delay_warned"]),
                         (0, False, False))

        self.harbor("queue", "hold", ident)
        self.assertTrue(json.loads(self.harbor("queue", "show", ident, "--json"))["held"])
        self.assertIn(b" held\n", self.harbor("queue", "show", ident))
        self.harbor("queue", "release", ident)
        self.assertFalse(json.loads(self.harbor("queue", "show", ident, "--json"))["held"])
        self.harbor("queue", "hold", ident)
        self.harbor("queue", "retry", "all")  # due now, and no longer held
        after = json.loads(self.harbor("queue", "show", ident, "--json"))
        self.assertFalse(after["held"])
        self.assertLessEqual(after["next_attempt"], int(time.time()))

        self.harbor("queue", "delete", ident)
        missing = subprocess.run([HARBOR, "-d", self.server.data_dir, "queue", "show", ident],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no queue entry " + ident, missing.stderr)
        bad = subprocess.run([HARBOR, "-d", self.server.data_dir, "queue", "hold", "x1"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("not a queue entry id: x1", bad.stderr)

    def test_queue_bounce_tells_the_sender(self):
        # The demo does not deliver ([queue] deliver = false), so the entry waits until the
        # administrator gives up on it; the notice lands in the local sender's INBOX.
        alice = self.users["alice"]
        message = (b"From: " + alice["address"].encode() + b"\r\nTo: gone@remote.example\r\n"
                   b"Subject: to bounce\r\nMessage-ID: <cli-bounce@demo>\r\n\r\nbody\r\n")
        self.send("submission", alice["address"], ["gone@remote.example", "also@remote.example"],
                  message, login=alice)
        [entry] = [q for q in json.loads(self.harbor("queue", "list", "--json"))
                   if q["recipients"][0]["address"] == "gone@remote.example"]
        ident = str(entry["id"])
        before = json.loads(self.harbor("mail", "list", alice["address"], "--json"))
        count = sum(len(box["messages"]) for box in before["mailboxes"] if box["name"] == "INBOX")
        out = self.harbor("queue", "bounce", ident, "--hostname", "mx.cli.example")
        self.assertEqual(out, b"bounced 2 recipient(s) of " + ident.encode() + b"\n")
        gone = subprocess.run([HARBOR, "-d", self.server.data_dir, "queue", "show", ident],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(gone.returncode, 1)  # no recipient left pending: the entry is gone
        after = json.loads(self.harbor("mail", "list", alice["address"], "--json"))
        [inbox] = [box for box in after["mailboxes"] if box["name"] == "INBOX"]
        self.assertEqual(len(inbox["messages"]), count + 1)
        notice = self.harbor("mail", "show", alice["address"], str(inbox["messages"][-1]["uid"]))
        self.assertTrue(notice.startswith(b"Return-Path: <>\r\n"), notice[:100])
        for field in (b"Reporting-MTA: dns; mx.cli.example", b"Action: failed",
                      b"Final-Recipient: rfc822; gone@remote.example",
                      b"Final-Recipient: rfc822; also@remote.example", b"Status: 5.0.0",
                      b"delivery cancelled by the administrator", b"Message-ID: <cli-bounce@demo>"):
            self.assertIn(field, notice)
        again = subprocess.run([HARBOR, "-d", self.server.data_dir, "queue", "bounce", ident],
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(again.returncode, 1)


if __name__ == "__main__":
    unittest.main()
