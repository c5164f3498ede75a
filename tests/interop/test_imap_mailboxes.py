"""Interop: IMAP mailbox management driven by Python's imaplib over `harbor serve --demo`:
CREATE (superiors, a trailing separator, CREATE-SPECIAL-USE RFC 6154 §3), RENAME (inferiors
move, INBOX's messages move, RFC 9051 §6.3.6), DELETE (a parent with inferiors stays as a
\\Noselect name, §6.3.5; the selected mailbox ends the session as Dovecot does), SUBSCRIBE,
LSUB and LIST (SUBSCRIBED) (RFC 5258), LIST-STATUS (RFC 5819), and names outside ASCII in
modified UTF-7 (RFC 3501 §5.1.3) and as UTF-8 after ENABLE UTF8=ACCEPT (RFC 6855 §3).
The modified UTF-7 encoder here is the test's own, so Harbor's codec never grades itself.

ctest: interop_imap_mailboxes; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_imap_mailboxes
"""

import base64
import imaplib
import re
import unittest

from harbor_harness import TLS_SERVER_NAME, HarborServer
from smtp_support import IO_TIMEOUT, harbor_binary, token

LIST_LINE = re.compile(rb'\((?P<attributes>[^)]*)\) "/" (?P<name>"(?:[^"\\]|\\.)*"|\S+)'
                       rb'(?P<extended> .*)?$')


def mutf7(text):
    """RFC 3501 §5.1.3: printable ASCII stands for itself ("&" as "&-"); other runs are
    UTF-16BE in base64 with "," for "/", no padding, between "&" and "-"."""
    out, pending = [], []

    def flush():
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()
    for char in text:
        if 0x20 <= ord(char) <= 0x7e:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def quoted(name):
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_list(data):
    """{name: (attributes set, extended data)} from imaplib's LIST/LSUB data."""
    listed = {}
    for line in data:
        if isinstance(line, tuple):  # a name sent as a literal (8-bit under UTF8=ACCEPT)
            escaped = line[1].replace(b"\\", b"\\\\").replace(b'"', b'\\"')
            line = re.sub(rb"\{\d+\}$", b"", line[0]) + b'"' + escaped + b'"'
        elif not line:
            continue  # what followed a literal on its line: nothing here
        match = LIST_LINE.match(line)
        assert match, line
        name = match.group("name")
        if name.startswith(b'"'):
            name = re.sub(rb"\\(.)", rb"\1", name[1:-1])
        attributes = {a.lower() for a in match.group("attributes").decode().split()}
        listed[name.decode("utf-8")] = (attributes, (match.group("extended") or b"").strip())
    return listed


def logout_quietly(client):
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


class ImapMailboxTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = HarborServer(harbor_binary())
        cls.server.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def login(self, index=0):
        client = imaplib.IMAP4_SSL(TLS_SERVER_NAME, self.server.ports["imaps"],
                                   ssl_context=self.server.tls_context(), timeout=IO_TIMEOUT)
        self.addCleanup(logout_quietly, client)
        account = self.server.account("user", index)
        self.assertEqual(client.login(account["address"], account["password"])[0], "OK")
        return client

    def command(self, client, name, *args, expect="OK"):
        typ, data = client._simple_command(name, *args)
        self.assertEqual(typ, expect, f"{name} {args}: {data}")
        return data

    def list_names(self, client, *args, verb="LIST"):
        typ, data = client._simple_command(verb, *args)
        self.assertEqual(typ, "OK", data)
        return parse_list(client._untagged_response(typ, data, verb)[1])

    def test_create_rename_delete_round_trip(self):
        client = self.login()
        top = "Projects" + token()[:8]
        self.command(client, "CREATE", quoted(top + "/2026/Q1/"))
        names = self.list_names(client, '""', quoted(top + "*"))
        self.assertEqual(sorted(names), [top, top + "/2026", top + "/2026/Q1"])
        self.assertIn("\\haschildren", names[top][0])
        self.assertIn("\\hasnochildren", names[top + "/2026/Q1"][0])
        failed = self.command(client, "CREATE", quoted(top + "/2026"), expect="NO")
        self.assertIn(b"[ALREADYEXISTS]", failed[0])

        self.command(client, "RENAME", quoted(top), quoted(top + "-old"))
        names = self.list_names(client, '""', quoted(top + "*"))
        self.assertEqual(sorted(names), [top + "-old", top + "-old/2026", top + "-old/2026/Q1"])
        failed = self.command(client, "RENAME", quoted(top), quoted("elsewhere"), expect="NO")
        self.assertIn(b"[NONEXISTENT]", failed[0])

        # RFC 9051 §6.3.5: the parent goes, its inferiors stay and the name turns \Noselect.
        self.command(client, "DELETE", quoted(top + "-old/2026"))
        names = self.list_names(client, '""', quoted(top + "-old/%"))
        self.assertEqual(names[top + "-old/2026"][0], {"\\noselect", "\\haschildren"})
        # The name exists (it is no mailbox): \Noselect under LIST-EXTENDED too, not \NonExistent.
        names = self.list_names(client, "()", '""', quoted(top + "-old/%"), "RETURN", "(CHILDREN)")
        self.assertEqual(names[top + "-old/2026"][0], {"\\noselect", "\\haschildren"})
        failed = self.command(client, "DELETE", quoted(top + "-old/2026"), expect="NO")
        self.assertNotIn(b"[NONEXISTENT]", failed[0])
        # The \Noselect name outlives its last inferior, until it is deleted itself.
        self.command(client, "DELETE", quoted(top + "-old/2026/Q1"))
        names = self.list_names(client, '""', quoted(top + "-old/*"))
        self.assertEqual(names, {top + "-old/2026": ({"\\noselect", "\\hasnochildren"},
                                                    names[top + "-old/2026"][1])})
        for name in (top + "-old/2026", top + "-old"):
            self.command(client, "DELETE", quoted(name))
        self.assertEqual(self.list_names(client, '""', quoted(top + "*")), {})
        self.command(client, "DELETE", "INBOX", expect="NO")
        self.assertEqual(client.select("INBOX")[0], "OK")

    def test_names_outside_ascii(self):
        client = self.login()
        names = ["Entwürfe", "日本語/子", "R&D"]
        for name in names:
            self.command(client, "CREATE", quoted(mutf7(name)))
        listed = self.list_names(client, '""', "*")
        for name in names + ["日本語"]:
            self.assertIn(mutf7(name), listed)
        self.assertIn("Entw&APw-rfe", listed)
        self.assertEqual(client.select(quoted(mutf7("日本語/子")))[0], "OK")
        client.close()
        typ, data = client.status(quoted(mutf7("Entwürfe")), "(MESSAGES)")
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0], b'"Entw&APw-rfe" (MESSAGES 0)')

        # A second client that enabled UTF8=ACCEPT sees (and sends) the same names as UTF-8.
        utf8 = self.login()
        utf8.enable("UTF8=ACCEPT")
        listed = self.list_names(utf8, '""', "*")
        for name in names + ["日本語"]:
            self.assertIn(name, listed)
        self.command(utf8, "RENAME", quoted("Entwürfe"), quoted("Entwürfe alt"))
        listed = self.list_names(client, '""', "*")
        self.assertIn(mutf7("Entwürfe alt"), listed)
        self.assertNotIn(mutf7("Entwürfe"), listed)
        for name in ("Entwürfe alt", "日本語/子", "日本語", "R&D"):
            self.command(client, "DELETE", quoted(mutf7(name)))
        # Not modified UTF-7 (an unterminated BASE64 run): refused, nothing made.
        failed = self.command(client, "CREATE", quoted("bad&Jjo"), expect="NO")
        self.assertIn(b"[CANNOT]", failed[0])

    def test_special_use_creation(self):
        client = self.login()
        suffix = token()[:8]
        self.command(client, "CREATE", quoted("Sent Items " + suffix), "(USE (\\Sent))")
        self.command(client, "CREATE", quoted("Old " + suffix), "(USE (\\archive))")
        failed = self.command(client, "CREATE", quoted("Odd " + suffix), "(USE (\\Bogus))",
                              expect="NO")
        self.assertIn(b"[USEATTR]", failed[0])
        listed = self.list_names(client, "(SPECIAL-USE)", '""', quoted("*" + suffix))
        self.assertEqual(listed["Sent Items " + suffix][0], {"\\hasnochildren", "\\sent"})
        self.assertEqual(listed["Old " + suffix][0], {"\\hasnochildren", "\\archive"})
        self.assertNotIn("Odd " + suffix, listed)
        for name in ("Sent Items " + suffix, "Old " + suffix):
            self.command(client, "DELETE", quoted(name))

    def test_subscriptions_lsub_and_list_subscribed(self):
        client = self.login()
        top = "Lists" + token()[:8]
        self.command(client, "CREATE", quoted(top + "/news"))
        self.assertEqual(client.subscribe(quoted(top + "/news"))[0], "OK")
        self.assertEqual(client.subscribe(quoted(top + "/later"))[0], "OK")
        typ, data = client.lsub('""', quoted(top + "/*"))
        lsub = parse_list(data)
        self.assertEqual(sorted(lsub), [top + "/later", top + "/news"])
        self.assertIn("\\noselect", lsub[top + "/later"][0])
        lsub = parse_list(client.lsub('""', quoted(top))[1])
        self.assertEqual(lsub, {})
        lsub = parse_list(client.lsub('""', quoted(top + "%"))[1])
        # RFC 3501 §6.3.9: "%" shows the unsubscribed parent of subscribed names, \Noselect.
        self.assertEqual(lsub, {top: ({"\\noselect"}, b"")})

        listed = self.list_names(client, "(SUBSCRIBED)", '""', quoted(top + "/*"))
        self.assertEqual(listed[top + "/news"][0], {"\\subscribed", "\\hasnochildren"})
        self.assertIn("\\nonexistent", listed[top + "/later"][0])
        listed = self.list_names(client, "(SUBSCRIBED RECURSIVEMATCH)", '""', quoted("%"))
        self.assertEqual(listed[top][1], b'("CHILDINFO" ("SUBSCRIBED"))')

        for name in (top + "/news", top + "/later"):
            self.assertEqual(client.unsubscribe(quoted(name))[0], "OK")
        self.assertEqual(parse_list(client.lsub('""', quoted(top + "*"))[1]), {})
        for name in (top + "/news", top):
            self.command(client, "DELETE", quoted(name))

    def test_list_status(self):
        client = self.login()
        top = "Counted" + token()[:8]
        self.command(client, "CREATE", quoted(top + "/a"))
        for flags in ("(\\Seen)", None, None):
            typ, _ = client.append(quoted(top + "/a"), flags, None,
                                   b"Subject: counted\r\n\r\nbody\r\n")
            self.assertEqual(typ, "OK")
        typ, data = client._simple_command("LIST", '""', quoted(top + "*"), "RETURN",
                                           "(STATUS (MESSAGES UNSEEN))")
        self.assertEqual(typ, "OK")
        statuses = client._untagged_response(typ, data, "STATUS")[1]
        self.assertIn(f'"{top}/a" (MESSAGES 3 UNSEEN 2)'.encode(), statuses)
        self.assertIn(f'"{top}" (MESSAGES 0 UNSEEN 0)'.encode(), statuses)
        for name in (top + "/a", top):
            self.command(client, "DELETE", quoted(name))

    def test_rename_inbox_moves_its_messages(self):
        client = self.login(1)
        for _ in range(2):
            client.append("INBOX", None, None, b"Subject: moved\r\n\r\nbody\r\n")
        before = int(client.select("INBOX", readonly=True)[1][0])
        client.close()
        self.assertGreaterEqual(before, 2)
        target = "Old Inbox " + token()[:8]
        self.command(client, "RENAME", "INBOX", quoted(target))
        self.assertEqual(int(client.select("INBOX", readonly=True)[1][0]), 0)
        client.close()
        self.assertEqual(int(client.select(quoted(target), readonly=True)[1][0]), before)
        client.close()
        self.command(client, "DELETE", quoted(target))

    def test_deleting_the_selected_mailbox_ends_the_session(self):
        client = self.login()
        name = "Doomed" + token()[:8]
        self.command(client, "CREATE", name)
        self.assertEqual(client.select(name)[0], "OK")
        self.command(client, "DELETE", name)
        with self.assertRaises(imaplib.IMAP4.abort):
            client.noop()
        client = self.login()
        self.assertEqual(self.list_names(client, '""', name), {})


if __name__ == "__main__":
    unittest.main()
