"""Interop: delivery status notifications for accepted mail (RFC 3461 §5.2, RFC 3464), over real
SMTP with smtplib. A success report goes to a local sender's own mailbox; a remote sender's
report waits in the outbound queue with MAIL FROM:<>; a copy the store refuses after RCPT
accepted it (the mailbox filled up in between) gets a failure report unless NOTIFY=NEVER.
Reports are read back with Python's `email` package; queued ones straight from the blob store.

ctest: interop_smtp_dsn; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_smtp_dsn
"""

import email
import email.policy
import os
import smtplib
import sqlite3
import unittest

from harbor_harness import TLS_SERVER_NAME, HarborServer
from smtp_support import (CLIENT_NAME, IO_TIMEOUT, REMOTE_SENDER, HarborCli, close_quietly,
                          harbor_binary, make_message, token)


def delivery_status(report_bytes):
    """(message, [per-recipient field dicts], per-message fields) of an RFC 3464 report."""
    message = email.message_from_bytes(report_bytes, policy=email.policy.compat32)
    if message.get_content_type() != "multipart/report":
        raise AssertionError(f"not a report: {report_bytes[:300]!r}")
    if message.get_param("report-type") != "delivery-status":
        raise AssertionError(f"report-type {message.get_param('report-type')!r}")
    parts = message.get_payload()
    status = parts[1]
    if status.get_content_type() != "message/delivery-status":
        raise AssertionError(f"second part is {status.get_content_type()}")
    # compat32 reads message/delivery-status as a list of header blocks: message, recipients.
    blocks = status.get_payload()
    # Address types are compared without the optional space after ';' (RFC 3464 §2.3.2).
    def fields(block):
        return {name: " ".join(value.split()).replace("; ", ";") for name, value in block.items()}
    per_message = fields(blocks[0])
    recipients = [fields(block) for block in blocks[1:]]
    return message, recipients, per_message


class SmtpDsnTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = HarborServer(harbor_binary())
        cls.server.__enter__()
        cls.cli = HarborCli(cls.server.binary, cls.server.data_dir)
        cls.accounts = {a["address"].split("@")[0]: a for a in cls.server.accounts}
        cls.domain = cls.accounts["alice"]["address"].split("@")[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def address(self, name):
        return f"{name}@{self.domain}"

    def smtp(self, listener="smtp"):
        client = smtplib.SMTP(TLS_SERVER_NAME, self.server.ports[listener],
                              local_hostname=CLIENT_NAME, timeout=IO_TIMEOUT)
        self.addCleanup(close_quietly, client)
        client.ehlo()
        return client

    def submission(self, name):
        client = self.smtp("submission")
        client.starttls(context=self.server.tls_context())
        client.ehlo()
        client.login(self.accounts[name]["address"], self.accounts[name]["password"])
        return client

    def reports_for(self, address, subject):
        """The stored reports in `address`'s mailboxes that quote a message with `subject`."""
        found = []
        for mailbox in self.cli.mail_list(address)["mailboxes"]:
            for entry in mailbox["messages"]:
                if not entry["subject"].startswith(("Successful Mail Delivery Report",
                                                    "Undelivered Mail Returned to Sender")):
                    continue
                stored = self.cli.show(address, entry["uid"], mailbox["name"])
                if subject.encode() in stored:
                    found.append(stored)
        return found

    def queued_reports_to(self, address):
        """(queue entry, blob bytes) of queued messages with the null sender to `address`."""
        found = []
        for entry in self.cli.queue():
            if entry["sender"] != "" or [r["address"] for r in entry["recipients"]] != [address]:
                continue
            found.append((entry, self.blob(entry["blob"])))
        return found

    def blob(self, name):
        # A message spooled to a file keeps its serial name ("p" and 16 hex digits, 4,096 to a
        # directory); content-addressed blobs fan out by their hash's first two bytes.
        if name.startswith("p"):
            path = os.path.join(self.server.data_dir, "blobs", name[:14], name)
        else:
            path = os.path.join(self.server.data_dir, "blobs", name[:2], name[2:4], name)
        if os.path.exists(path):
            with open(path, "rb") as handle:
                return handle.read()
        db = sqlite3.connect(f"file:{os.path.join(self.server.data_dir, 'harbor.db')}?mode=ro",
                             uri=True)
        try:
            row = db.execute("SELECT bytes FROM blob_data WHERE sha256 = ?", (name,)).fetchone()
        finally:
            db.close()
        if row is None:
            raise AssertionError(f"blob {name} is neither a file nor inline")
        return bytes(row[0])

    def test_success_report_reaches_a_local_sender(self):
        sender, recipient = self.accounts["alice"]["address"], self.accounts["bob"]["address"]
        subject = f"dsn success {token()}"
        client = self.submission("alice")
        envid = f"env-{token()}"
        client.sendmail(sender, [recipient], make_message(subject, sender, recipient),
                        mail_options=[f"ENVID={envid}", "RET=HDRS"],
                        rcpt_options=["NOTIFY=SUCCESS", f"ORCPT=rfc822;{recipient}"])
        self.cli.stored(recipient, subject)  # delivered
        reports = self.reports_for(sender, subject)
        self.assertEqual(len(reports), 1, "one success report in the sender's mailbox")
        # Stored like any local delivery: Return-Path (the null sender) and Delivered-To first.
        self.assertTrue(reports[0].startswith(
            b"Return-Path: <>\r\nDelivered-To: " + sender.encode() + b"\r\n"), reports[0][:200])
        message, recipients, per_message = delivery_status(reports[0].split(b"\r\n", 2)[2])
        self.assertEqual(message["Subject"], "Successful Mail Delivery Report")
        self.assertEqual(message["Auto-Submitted"], "auto-replied")
        self.assertEqual(per_message["Original-Envelope-Id"], envid)
        self.assertEqual(len(recipients), 1)
        self.assertEqual(recipients[0]["Action"], "delivered")
        self.assertEqual(recipients[0]["Status"], "2.0.0")
        self.assertEqual(recipients[0]["Final-Recipient"], f"rfc822;{recipient}")
        self.assertEqual(recipients[0]["Original-Recipient"], f"rfc822;{recipient}")
        # RET=HDRS: the header of the original only (RFC 3461 §4.3, RFC 6522 §4).
        self.assertEqual(message.get_payload()[2].get_content_type(), "text/rfc822-headers")

    def test_no_report_unless_success_was_asked_for(self):
        sender, recipient = self.accounts["alice"]["address"], self.accounts["bob"]["address"]
        for options in ([], ["NOTIFY=FAILURE"], ["NOTIFY=NEVER"]):
            subject = f"dsn quiet {token()}"
            client = self.submission("alice")
            client.sendmail(sender, [recipient], make_message(subject, sender, recipient),
                            rcpt_options=options)
            self.cli.stored(recipient, subject)
            self.assertEqual(self.reports_for(sender, subject), [], options)

    def test_success_report_for_a_remote_sender_is_queued_with_null_sender(self):
        recipient = self.accounts["bob"]["address"]
        subject = f"dsn remote {token()}"
        client = self.smtp()
        client.sendmail(REMOTE_SENDER, [recipient], make_message(subject, REMOTE_SENDER, recipient),
                        mail_options=["RET=FULL"], rcpt_options=["NOTIFY=SUCCESS,FAILURE"])
        self.cli.stored(recipient, subject)
        queued = [(entry, blob) for entry, blob in self.queued_reports_to(REMOTE_SENDER)
                  if subject.encode() in blob]
        self.assertEqual(len(queued), 1)
        entry, blob = queued[0]
        # The report itself asks for no report (RFC 3461 §5.2 / RFC 5321 §4.5.5).
        self.assertEqual(entry["recipients"][0]["params"], {"notify": "NEVER"})
        message, recipients, _ = delivery_status(blob)
        self.assertEqual(recipients[0]["Action"], "delivered")
        # RET=FULL: the whole message comes back.
        self.assertEqual(message.get_payload()[2].get_content_type(), "message/rfc822")

    def test_copy_refused_after_rcpt_gets_a_failure_report(self):
        # dave's quota is not reached at RCPT (nothing stored yet) but this message is larger
        # than all of it: the store refuses his copy while carol's goes in, so the 250 stands.
        dave, carol = self.address(f"dave{token()}"), self.address(f"carol{token()}")
        for account in (dave, carol):
            self.cli.run("user", "add", account, "--password", "dsn-test-password-1")
        self.cli.run("user", "set", dave, "--quota", "2K")
        body = b"x" * 70 + b"\r\n"
        for notify, expect_report in ((None, True), ("NEVER", False)):
            subject = f"dsn quota {token()}"
            client = self.smtp()
            message = make_message(subject, REMOTE_SENDER, dave, body=body * 80)
            options = [f"NOTIFY={notify}"] if notify else []
            client.sendmail(REMOTE_SENDER, [dave, carol], message, rcpt_options=options)
            self.cli.stored(carol, subject)
            listing = self.cli.mail_list(dave)
            self.assertEqual(sum(len(m["messages"]) for m in listing["mailboxes"]), 0)
            queued = [(entry, blob) for entry, blob in self.queued_reports_to(REMOTE_SENDER)
                      if subject.encode() in blob]
            if not expect_report:
                self.assertEqual(queued, [], "NOTIFY=NEVER: no report")
                continue
            self.assertEqual(len(queued), 1)
            report, recipients, _ = delivery_status(queued[0][1])
            self.assertEqual(report["Subject"], "Undelivered Mail Returned to Sender")
            self.assertEqual([r["Final-Recipient"] for r in recipients], [f"rfc822;{dave}"])
            self.assertEqual(recipients[0]["Action"], "failed")
            self.assertEqual(recipients[0]["Status"], "5.2.2")
            self.assertIn("552 5.2.2", recipients[0]["Diagnostic-Code"])
            # No RET: a failure report returns the whole message.
            self.assertEqual(report.get_payload()[2].get_content_type(), "message/rfc822")


if __name__ == "__main__":
    unittest.main()
