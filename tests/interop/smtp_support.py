"""What the SMTP interop tests (test_smtp.py) share: message construction, the split of a
stored copy into Harbor's trace fields and the rest, the `harbor mail|queue` CLI as the store
oracle, and a SCRAM-SHA-256 client (RFC 5802, RFC 7677), which smtplib lacks. Standard
library only (Debian python3).
"""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import smtplib
import subprocess
import unittest

IO_TIMEOUT = 10.0
TOOL_TIMEOUT = 60.0
CLIENT_NAME = "client.example"
REMOTE_SENDER = "sender@remote.example"

# Our Received field, unfolded (src/smtp/server/received.cpp; RFC 5321 §4.4 "Time-stamp-line").
RECEIVED = re.compile(
    r"^from (?P<helo>\S+) \(\[(?P<ip>[^\]]+)\]\) by (?P<by>\S+) \(Harbor\) "
    r"with (?P<protocol>[A-Z0-9]+)(?: \((?P<tls>TLS[^)]*)\))?"
    r"(?: \(authenticated as (?P<auth>[^)]+)\))? id (?P<id>\S+)"
    r"(?: for <(?P<for>[^>]+)>)?; (?P<date>.+)$")


def harbor_binary():
    """The binary under test; ctest passes it in HARBOR_BIN."""
    binary = os.environ.get("HARBOR_BIN")
    if not binary:
        raise unittest.SkipTest("set HARBOR_BIN to the harbor binary (ctest does)")
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"HARBOR_BIN={binary} is not an executable file")
    return binary


def token():
    """A short unique word for Subjects, Message-IDs and addresses, so checks are exact."""
    return secrets.token_hex(6)


def make_message(subject, sender, to, body=b"Hello from the interop suite.\r\n", date=True,
                 message_id=True, extra=b""):
    """RFC 5322 bytes with CRLF line ends, as every SMTP client puts them on the wire."""
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    if date:
        lines.append("Date: Sun, 29 Nov 2026 08:15:00 +0000")
    if message_id is True:
        lines.append(f"Message-ID: <{subject}@{CLIENT_NAME}>")
    elif message_id:
        lines.append(f"Message-ID: <{message_id}>")
    header = "".join(line + "\r\n" for line in lines).encode("utf-8")
    return header + extra + b"\r\n" + body


def parse_stored(stored):
    """Splits a stored copy into (prefix fields, Received value unfolded, the rest).

    Harbor stores prefix (Return-Path, Delivered-To) + blob, and the blob starts with the one
    Received field it added, above it the DKIM-Signature it added to mail from our users (see
    dkim_signature_of; left out of the prefix returned); the rest is what the client sent (plus,
    on submission, the Date and Message-ID it added)."""
    lines = stored.split(b"\r\n")
    fields = []
    index = 0
    while index < len(lines) and not lines[index].startswith(b"Received:"):
        text = lines[index].decode("utf-8")
        if text[:1] in (" ", "\t") and fields:
            fields[-1][1] += " " + text.strip()
        else:
            name, _, value = text.partition(":")
            fields.append([name, value.strip()])
        index += 1
    if index == len(lines):
        raise AssertionError(f"no Received field in {stored[:300]!r}")
    prefix = {name: value for name, value in fields if name != "DKIM-Signature"}
    if len(prefix) > 2 or len(fields) - len(prefix) > 1:
        raise AssertionError(f"unexpected fields before Received: {stored[:300]!r}")
    received = lines[index][len(b"Received:"):].decode("utf-8")
    index += 1
    while index < len(lines) and lines[index][:1] in (b" ", b"\t"):
        received += " " + lines[index].decode("utf-8").strip()
        index += 1
    received = " ".join(received.split())
    rest = b"\r\n".join(lines[index:])
    return prefix, received, rest


def dkim_signature_of(stored):
    """The message a recipient elsewhere would get (the stored copy less Return-Path and
    Delivered-To) if Harbor DKIM-signed it, else None."""
    message = stored.split(b"\r\n", 2)[2]
    return message if message.startswith(b"DKIM-Signature:") else None


class HarborCli:
    """`harbor -d DATA mail|queue ...` next to the running server."""

    def __init__(self, binary, data_dir):
        self.binary = binary
        self.data_dir = data_dir

    def run(self, *args):
        result = subprocess.run([self.binary, "-d", self.data_dir, *args],
                                capture_output=True, timeout=TOOL_TIMEOUT)
        if result.returncode != 0:
            raise AssertionError(f"harbor {' '.join(args)} exited {result.returncode}: "
                                 f"{result.stderr.decode('utf-8', 'replace')}")
        return result.stdout

    def mail_list(self, address):
        return json.loads(self.run("mail", "list", address, "--json"))

    def find(self, address, subject):
        """The one stored message of `address` with this Subject, as (mailbox, entry)."""
        listing = self.mail_list(address)
        found = [(mailbox["name"], message) for mailbox in listing["mailboxes"]
                 for message in mailbox["messages"] if message["subject"] == subject]
        if len(found) != 1:
            raise AssertionError(f"want exactly one message {subject!r} for {address} right "
                                 f"after the 250, found {len(found)}: {listing}")
        return found[0]

    def show(self, address, uid, mailbox="INBOX"):
        return self.run("mail", "show", address, str(uid), "--mailbox", mailbox)

    def stored(self, address, subject):
        """(listing entry, stored bytes) of the one message with this Subject."""
        mailbox, entry = self.find(address, subject)
        return entry, self.show(address, entry["uid"], mailbox)

    def queue(self):
        return json.loads(self.run("queue", "list", "--json"))


def close_quietly(client):
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


class ScramClient:
    """The client side of SCRAM-SHA-256 (RFC 5802 §3, §5; RFC 7677), no channel binding."""

    def __init__(self, username, password):
        self.username = username.replace("=", "=3D").replace(",", "=2C")  # RFC 5802 §5.1 n=
        self.password = password.encode("utf-8")  # ASCII here, so SASLprep is the identity
        self.client_nonce = base64.b64encode(secrets.token_bytes(18)).decode("ascii")
        self.gs2_header = "n,,"
        self.auth_message = None
        self.salted_password = None

    def client_first(self):
        self.client_first_bare = f"n={self.username},r={self.client_nonce}"
        return self.gs2_header + self.client_first_bare

    def client_final(self, server_first):
        attributes = dict(item.split("=", 1) for item in server_first.split(","))
        nonce, salt, iterations = attributes["r"], attributes["s"], int(attributes["i"])
        if not nonce.startswith(self.client_nonce):
            raise AssertionError(f"server nonce does not extend ours: {server_first!r}")
        self.salted_password = hashlib.pbkdf2_hmac("sha256", self.password,
                                                   base64.b64decode(salt), iterations)
        client_key = hmac.digest(self.salted_password, b"Client Key", "sha256")
        stored_key = hashlib.sha256(client_key).digest()
        channel = base64.b64encode(self.gs2_header.encode("ascii")).decode("ascii")
        without_proof = f"c={channel},r={nonce}"
        self.auth_message = f"{self.client_first_bare},{server_first},{without_proof}"
        signature = hmac.digest(stored_key, self.auth_message.encode("utf-8"), "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        return f"{without_proof},p={base64.b64encode(proof).decode('ascii')}"

    def verify_server_final(self, server_final):
        if not server_final.startswith("v="):
            return False
        server_key = hmac.digest(self.salted_password, b"Server Key", "sha256")
        want = hmac.digest(server_key, self.auth_message.encode("utf-8"), "sha256")
        return hmac.compare_digest(base64.b64decode(server_final[2:]), want)


def b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def unb64(challenge):
    return base64.b64decode(challenge).decode("utf-8")
