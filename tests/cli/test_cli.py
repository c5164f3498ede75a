"""The `harbor` administrative commands, run as a user would: the real binary on a temporary
data directory. Bad input must give a one-line error, a non-zero exit, and change nothing."""

import os
import shutil
import subprocess
import tempfile
import unittest

HARBOR = os.environ.get("HARBOR_BIN", "harbor")
PASSWORD = "correct horse battery staple"


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
                        ["group", "member", "add"], ["group", "member", "remove"]):
            result = self.harbor(*command, "--help")
            self.assertEqual(result.returncode, 0, command)
            self.assertIn("Usage:", result.stdout, command)

    def test_check_config_reports_file_line_and_key(self):
        path = os.path.join(self.data_dir, "harbor.toml")
        with open(path, "w") as f:
            f.write('data_dir = "/tmp/x"\n[[listener]]\nprotocol = "smtp"\nport = 99999\n')
        result = subprocess.run([HARBOR, "check-config", "-c", path], capture_output=True,
                                text=True, timeout=30)
        self.assertEqual(result.returncode, 1)
        self.assertIn("harbor.toml:4: listener[0].port: must be between 0 and 65535",
                      result.stderr)


if __name__ == "__main__":
    unittest.main()
