"""Mail authentication of mail from outside (issue 8), end to end: `harbor serve -c` with
[auth] inbound_checks and spf_reject_fail, a private unbound on loopback serving the senders'
SPF records ([dns] forwarders), Python smtplib as the sending MTA.

- MAIL FROM a domain whose SPF passes for 127.0.0.1: accepted, and the stored copy carries
  Authentication-Results: <hostname>; spf=pass smtp.mailfrom=... (RFC 8601) above Received;
- a domain whose record ends in -all without us: MAIL refused 550 5.7.23 with the domain's
  own explanation (RFC 7372 §3.2, RFC 7208 §6.2), nothing stored;
- ~all: accepted with spf=softfail;
- the null reverse path: the HELO identity is checked (RFC 7208 §2.4), spf=... smtp.helo=;
- Authentication-Results fields arriving with our authserv-id (forged) are removed, others
  kept (RFC 8601 §5);
- a client in relay_networks (127.0.0.2) is not checked: even the failing domain is taken,
  and no Authentication-Results is added; its mail from a local domain with a key
  (`harbor dkim keygen`) is DKIM-signed, and dkimpy verifies the signature against the record
  `harbor dkim list` prints;
- DKIM and DMARC at the end of data: a message dkimpy signed for its From: domain passes both
  (RFC 6376, RFC 7489 §3.1.1 alignment) though SPF only softfails; the same message altered in
  transit, or unsigned, is refused 550 5.7.26 under p=reject (RFC 7489 §6.6.4, RFC 7372 §3.3);
  p=quarantine puts it in Junk; two From: fields are refused (RFC 7489 §6.6.1);
- a message from outside whose From: is one of our domains and that nothing authenticates is
  marked for the filter (logged smtp.spoofed_local_domain); one whose From: is not ours is not.
The zones are under .example: libunbound keeps .test to itself (RFC 6761 §6.2 default zones).
"""

import base64
import json
import os
import shutil
import smtplib
import subprocess
import tempfile
import unittest

import dkim

from configured_harbor import ConfiguredHarbor
from harbor_harness import LOOPBACK
from outbound_support import UNBOUND, Unbound
from smtp_support import TOOL_TIMEOUT, harbor_binary, make_message, token

HOST = "mx.auth.example"
DOMAIN = "auth.example"
BOB = f"bob@{DOMAIN}"
TRUSTED_CLIENT = "127.0.0.2"
FORWARDER = f"fwd@{DOMAIN}"  # an alias to another domain: its copies are ARC-sealed
ZONES = """    local-zone: "client.example." static
    local-zone: "pass.example." static
    local-data: 'pass.example. 300 IN TXT "v=spf1 ip4:127.0.0.1 -all"'
    local-zone: "fail.example." static
    local-data: 'fail.example. 300 IN TXT "v=spf1 ip4:192.0.2.1 exp=why.fail.example -all"'
    local-data: 'why.fail.example. 300 IN TXT "%{i} is not a server of %{d}"'
    local-zone: "soft.example." static
    local-zone: "badhelo.example." static
    local-data: 'badhelo.example. 300 IN TXT "v=spf1 -all"'
    local-data: 'soft.example. 300 IN TXT "v=spf1 ~all"'
    local-zone: "helo.example." static
    local-data: 'helo.example. 300 IN TXT "v=spf1 a -all"'
    local-data: 'helo.example. 300 IN A 127.0.0.1'
    local-zone: "signed.example." static
    local-data: 'sel._domainkey.signed.example. 300 IN TXT "v=DKIM1; k=rsa; p={key}"'
    local-data: '_dmarc.signed.example. 300 IN TXT "v=DMARC1; p=reject; rua=mailto:agg@signed.example!10m"'
    local-zone: "reject.example." static
    local-data: '_dmarc.reject.example. 300 IN TXT "v=DMARC1; p=reject; aspf=s; rua=mailto:agg@reject.example"'
    local-zone: "quarantine.example." static
    local-data: '_dmarc.quarantine.example. 300 IN TXT "v=DMARC1; p=quarantine"'
"""


def rsa_key(folder):
    """(private key PEM, public key base64 for p=) of a new RSA key; 1024 bits keep the record
    in one TXT string and are the least RFC 8301 §3.2 allows."""
    path = os.path.join(folder, "signer.pem")
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", path, "1024"], check=True,
                   capture_output=True, timeout=TOOL_TIMEOUT)
    public = subprocess.run(["openssl", "rsa", "-in", path, "-pubout", "-outform", "DER"],
                            check=True, capture_output=True, timeout=TOOL_TIMEOUT).stdout
    with open(path, "rb") as pem:
        return pem.read(), base64.b64encode(public).decode()


def stored_fields(stored):
    """The header fields before our Received, as (name, unfolded value) pairs."""
    fields = []
    for line in stored.split(b"\r\n"):
        if line.startswith(b"Received:"):
            return fields
        text = line.decode("utf-8")
        if text[:1] in (" ", "\t"):
            name, value = fields[-1]
            fields[-1] = (name, value + " " + text.strip())
        else:
            name, _, value = text.partition(":")
            fields.append((name, value.strip()))
    raise AssertionError(f"no Received field in {stored[:400]!r}")


class MailAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        binary = harbor_binary()
        if not os.access(UNBOUND, os.X_OK):
            raise AssertionError(f"{UNBOUND} is missing: install Debian's unbound package "
                                 "(scripts/deps)")
        cls.workdir = tempfile.mkdtemp(prefix="harbor-mail-auth-")
        cls.signer_key, public = rsa_key(cls.workdir)
        cls.unbound = Unbound(cls.mkdir("unbound"), ZONES.replace("{key}", public))
        cls.harbor = None
        try:
            cls.unbound.start()
            extra = "\n".join([
                "[queue]", "deliver = false",
                "[dns]", f'forwarders = ["{LOOPBACK}@{cls.unbound.port}"]', "timeout_ms = 3000",
                "[auth]", "inbound_checks = true", "spf_reject_fail = true"])
            cls.harbor = ConfiguredHarbor(
                binary, cls.mkdir("harbor"),
                [{"name": "mx", "protocol": "smtp", "address": LOOPBACK, "port": "mx",
                  "relay_networks": [f"{TRUSTED_CLIENT}/32"]}],
                None, hostname=HOST, extra_toml=extra)
            cls.harbor.cli.run("domain", "add", DOMAIN)
            cls.harbor.cli.run("user", "add", BOB, "--password", "bob-secret-1")
            cls.harbor.cli.run("dkim", "keygen", DOMAIN, "--selector", "sel1")
            cls.harbor.cli.run("alias", "add", FORWARDER, "carol@elsewhere.example")
            cls.harbor.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.harbor is not None:
            cls.harbor.stop()
        cls.unbound.stop()
        shutil.rmtree(cls.workdir, ignore_errors=True)

    @classmethod
    def mkdir(cls, name):
        path = os.path.join(cls.workdir, name)
        os.makedirs(path)
        return path

    def send(self, sender, subject, source=LOOPBACK, helo="client.example", extra=b""):
        message = make_message(subject, sender or "x@helo.example", BOB, extra=extra)
        with smtplib.SMTP(LOOPBACK, self.harbor.ports["mx"], local_hostname=helo,
                          timeout=TOOL_TIMEOUT, source_address=(source, 0)) as client:
            client.sendmail(sender, [BOB], message)

    def send_raw(self, mail_from, message):
        with smtplib.SMTP(LOOPBACK, self.harbor.ports["mx"], local_hostname="client.example",
                          timeout=TOOL_TIMEOUT) as client:
            client.sendmail(mail_from, [BOB], message)

    def signed(self, author, subject):
        """A message from `author` that dkimpy signs as signed.example, selector sel."""
        message = make_message(subject, author, BOB)
        signature = dkim.sign(message, b"sel", b"signed.example", self.signer_key,
                              include_headers=[b"from", b"to", b"subject", b"date"])
        return signature + message

    def refused_data(self, mail_from, message):
        with self.assertRaises(smtplib.SMTPDataError) as refused:
            self.send_raw(mail_from, message)
        return refused.exception.smtp_code, refused.exception.smtp_error.decode()

    def results_of(self, subject):
        _, stored = self.harbor.cli.stored(BOB, subject)
        return [value for name, value in stored_fields(stored)
                if name.lower() == "authentication-results"]

    def test_pass_is_recorded(self):
        subject = token()
        self.send("alice@pass.example", subject)
        self.assertEqual(self.results_of(subject),
                         [f"{HOST}; spf=pass smtp.mailfrom=alice@pass.example; spf=none smtp.helo=client.example; dkim=none; "
                          "arc=none smtp.remote-ip=127.0.0.1; dmarc=none header.from=pass.example"])

    def test_fail_is_refused_at_mail_with_the_domains_explanation(self):
        subject = token()
        with self.assertRaises(smtplib.SMTPSenderRefused) as refused:
            self.send("mallory@fail.example", subject)
        self.assertEqual(refused.exception.smtp_code, 550)
        self.assertEqual(refused.exception.smtp_error.decode(),
                         "5.7.23 SPF validation failed: 127.0.0.1 is not a server of fail.example")
        listing = self.harbor.cli.mail_list(BOB)
        subjects = [message["subject"] for mailbox in listing["mailboxes"]
                    for message in mailbox["messages"]]
        self.assertNotIn(subject, subjects)

    def test_a_failing_helo_name_is_refused_at_mail(self):
        """RFC 7208 §2.3: the HELO identity is checked beside MAIL FROM; its fail settles it."""
        subject = token()
        with self.assertRaises(smtplib.SMTPSenderRefused) as refused:
            self.send("alice@pass.example", subject, helo="badhelo.example")
        self.assertEqual(refused.exception.smtp_code, 550)
        self.assertTrue(refused.exception.smtp_error.startswith(b"5.7.23 SPF validation failed"))
        self.assertNotIn(subject, self.subjects())

    def test_softfail_is_accepted_and_recorded(self):
        subject = token()
        self.send("carol@soft.example", subject)
        self.assertEqual(self.results_of(subject),
                         [f"{HOST}; spf=softfail smtp.mailfrom=carol@soft.example; spf=none smtp.helo=client.example; dkim=none; "
                          "arc=none smtp.remote-ip=127.0.0.1; dmarc=none header.from=soft.example"])

    def test_null_sender_checks_the_helo_identity(self):
        subject = token()
        self.send("", subject, helo="helo.example")
        self.assertEqual(self.results_of(subject),
                         [f"{HOST}; spf=pass smtp.helo=helo.example; dkim=none; "
                          "arc=none smtp.remote-ip=127.0.0.1; dmarc=none header.from=helo.example"])

    def test_forged_results_with_our_id_are_removed(self):
        subject = token()
        forged = (f"Authentication-Results: {HOST.upper()}; dkim=pass header.d=bank.example\r\n"
                  f"Authentication-Results: other.example; spf=fail\r\n"
                  f"Authentication-Results: (forged)\r\n {HOST}; dmarc=pass\r\n").encode()
        self.send("alice@pass.example", subject, extra=forged)
        _, stored = self.harbor.cli.stored(BOB, subject)
        header = stored.split(b"\r\n\r\n", 1)[0].decode() + "\r\n"
        self.assertNotIn("bank.example", header)
        self.assertNotIn("dmarc=pass", header)
        self.assertIn("Authentication-Results: other.example; spf=fail\r\n", header)
        self.assertIn(f"Subject: {subject}\r\n", header)
        self.assertEqual(self.results_of(subject),
                         [f"{HOST}; spf=pass smtp.mailfrom=alice@pass.example; spf=none smtp.helo=client.example; dkim=none; "
                          "arc=none smtp.remote-ip=127.0.0.1; dmarc=none header.from=pass.example"])

    def test_mail_from_our_networks_is_dkim_signed(self):
        subject = token()
        self.send(BOB, subject, source=TRUSTED_CLIENT)
        _, stored = self.harbor.cli.stored(BOB, subject)
        # What a recipient would get: the stored copy less our delivery fields.
        message = stored.split(b"\r\n", 2)[2]
        self.assertTrue(message.startswith(b"DKIM-Signature: v=1; a=rsa-sha256;"), message[:200])
        keys = json.loads(self.harbor.cli.run("dkim", "list", "--json"))
        record = keys[0]["txt"].encode()

        def dns(name, timeout=5):
            return record if name == b"sel1._domainkey.auth.example." else None

        self.assertTrue(dkim.verify(message, dnsfunc=dns))
        self.assertFalse(dkim.verify(message.replace(b"Hello", b"Jello"), dnsfunc=dns))

    def test_relay_network_clients_are_not_checked(self):
        subject = token()
        self.send("mallory@fail.example", subject, source=TRUSTED_CLIENT)
        self.assertEqual(self.results_of(subject), [])

    def test_an_aligned_signature_passes_dmarc(self):
        subject = token()
        self.send_raw("carol@soft.example", self.signed("alice@signed.example", subject))
        self.assertEqual(self.results_of(subject), [
            f"{HOST}; spf=softfail smtp.mailfrom=carol@soft.example; "
            "spf=none smtp.helo=client.example; dkim=pass "
            "header.d=signed.example header.s=sel header.i=@signed.example header.a=rsa-sha256; "
            "arc=none smtp.remote-ip=127.0.0.1; dmarc=pass (p=reject dis=none) header.from=signed.example"])
        mailbox, _ = self.harbor.cli.find(BOB, subject)
        self.assertEqual(mailbox, "INBOX")

    def test_an_altered_message_is_refused_by_p_reject(self):
        subject = token()
        altered = self.signed("alice@signed.example", subject).replace(b"Hello", b"Jello")
        code, text = self.refused_data("carol@soft.example", altered)
        self.assertEqual(code, 550)
        self.assertEqual(text, "5.7.26 Unauthenticated mail from signed.example is refused by "
                               "its DMARC policy")
        self.assertNotIn(subject, self.subjects())

    def test_unsigned_mail_of_a_reject_domain_is_refused(self):
        subject = token()
        code, text = self.refused_data("carol@soft.example",
                                       make_message(subject, "ceo@reject.example", BOB))
        self.assertEqual((code, text.split(" ", 1)[0]), (550, "5.7.26"))
        self.assertNotIn(subject, self.subjects())

    def test_p_quarantine_goes_to_junk(self):
        subject = token()
        self.send_raw("carol@soft.example", make_message(subject, "news@quarantine.example", BOB))
        mailbox, _ = self.harbor.cli.find(BOB, subject)
        self.assertEqual(mailbox, "Junk")
        self.assertEqual(self.results_of(subject)[0].split("; ")[-1],
                         "dmarc=fail (p=quarantine dis=quarantine) header.from=quarantine.example")

    def test_two_from_fields_are_refused(self):
        subject = token()
        message = make_message(subject, "alice@pass.example", BOB,
                               extra=b"From: ceo@reject.example\r\n")
        code, text = self.refused_data("alice@pass.example", message)
        self.assertEqual((code, text), (550, "5.7.1 Message has more than one From: field"))

    def test_mail_from_outside_claiming_our_domain_is_marked(self):
        marks = self.harbor.log().count("smtp.spoofed_local_domain")
        honest = token()
        self.send_raw("alice@pass.example", make_message(honest, "alice@pass.example", BOB))
        self.harbor.cli.find(BOB, honest)
        self.assertEqual(self.harbor.log().count("smtp.spoofed_local_domain"), marks)
        forged = token()
        self.send_raw("alice@pass.example", make_message(forged, f"ceo@{DOMAIN}", BOB))
        self.harbor.cli.find(BOB, forged)  # accepted: marked for the filter, not refused
        log = self.harbor.log()
        self.assertEqual(log.count("smtp.spoofed_local_domain"), marks + 1)
        self.assertIn(f"from_domain={DOMAIN}", log[log.rindex("smtp.spoofed_local_domain"):])

    def test_an_arc_chain_is_validated(self):
        """A list (lists.signed.example) that sealed the message with dkimpy: arc=pass, the
        chain's one set; the same chain after a change in transit: arc=fail (RFC 8617 §5.2)."""
        subject = token()
        message = (b"Authentication-Results: lists.signed.example; spf=pass "
                   b"smtp.mailfrom=alice@pass.example\r\n"
                   + make_message(subject, "alice@soft.example", BOB))
        arc_set = b"".join(dkim.arc_sign(message, b"sel", b"signed.example", self.signer_key,
                                         b"lists.signed.example"))
        self.send_raw("carol@soft.example", arc_set + message)
        self.assertIn("; arc=pass header.oldest-pass=0 smtp.remote-ip=127.0.0.1;",
                      self.results_of(subject)[0])
        altered = token()
        self.send_raw("carol@soft.example",
                      (arc_set + message).replace(b"Hello", b"Jello")
                      .replace(subject.encode(), altered.encode()))
        self.assertIn("; arc=fail ", self.results_of(altered)[0])

    def test_a_forwarded_copy_is_arc_sealed(self):
        """Through an alias to another domain: the queued copy carries our ARC set (sealed with
        the alias domain's DKIM key, RFC 8617 §5.1) and our Authentication-Results; dkimpy
        validates the chain against the key record `harbor dkim list` prints."""
        subject = token()
        message = make_message(subject, "alice@pass.example", FORWARDER)
        with smtplib.SMTP(LOOPBACK, self.harbor.ports["mx"], local_hostname="client.example",
                          timeout=TOOL_TIMEOUT) as client:
            client.sendmail("alice@pass.example", [FORWARDER], message)
        entries = [entry for entry in self.harbor.cli.queue()
                   if "carol@elsewhere.example" in json.dumps(entry)]
        self.assertTrue(entries, self.harbor.cli.queue())
        queued = self.harbor.cli.run("queue", "show", str(entries[-1]["id"]), "--message")
        self.assertIn(f"Subject: {subject}".encode(), queued)
        self.assertTrue(queued.startswith(b"ARC-Seal: i=1; "), queued[:300])
        self.assertIn(f"\r\nAuthentication-Results: {HOST};".encode(), queued)
        keys = json.loads(self.harbor.cli.run("dkim", "list", "--json"))
        record = keys[0]["txt"].encode()

        def dns(name, timeout=5):
            return record if name == b"sel1._domainkey.auth.example." else None

        cv, _, reason = dkim.arc_verify(queued, dnsfunc=dns)
        self.assertEqual(cv, dkim.CV_Pass, reason)
        cv, _, _ = dkim.arc_verify(queued.replace(b"Hello", b"Jello"), dnsfunc=dns)
        self.assertEqual(cv, dkim.CV_Fail)

    def test_results_are_recorded_for_aggregate_reports(self):
        """RFC 7489 §7.2: a domain that publishes rua= gets a row per message, accepted (in
        the delivery's commit) or refused; a domain without rua= gets none."""
        def rows(domain):
            return json.loads(self.harbor.cli.run("dmarc", "results", "--domain", domain,
                                                  "--json"))

        before = len(rows("signed.example"))
        self.send_raw("carol@soft.example", self.signed("alice@signed.example", token()))
        after = rows("signed.example")
        self.assertEqual(len(after), before + 1)
        row = after[-1]
        self.assertEqual(row["policy_published"]["rua"], ["mailto:agg@signed.example!10485760"])
        self.assertEqual(row["policy_evaluated"]["result"], "pass")
        self.assertEqual(row["policy_evaluated"]["dkim"], "pass")
        self.assertEqual(row["policy_evaluated"]["spf"], "fail")
        self.assertEqual(row["identifiers"], {"header_from": "signed.example",
                                              "envelope_from": "soft.example"})
        self.assertEqual(row["auth_results"]["spf"]["result"], "softfail")
        self.assertEqual(row["auth_results"]["dkim"],
                         [{"domain": "signed.example", "selector": "sel", "result": "pass"}])
        self.assertEqual(row["source_ip"], LOOPBACK)

        refused_before = len(rows("reject.example"))
        self.refused_data("carol@soft.example", make_message(token(), "ceo@reject.example", BOB))
        refused = rows("reject.example")
        self.assertEqual(len(refused), refused_before + 1)
        self.assertEqual(refused[-1]["policy_published"]["aspf"], "s")
        self.assertEqual(refused[-1]["policy_evaluated"]["disposition"], "reject")
        self.assertEqual(rows("quarantine.example"), [])

    def subjects(self):
        listing = self.harbor.cli.mail_list(BOB)
        return [message["subject"] for mailbox in listing["mailboxes"]
                for message in mailbox["messages"]]


if __name__ == "__main__":
    unittest.main()
