"""Interop: Harbor's SMTP listeners as configured in harbor.toml, over real sockets against
`harbor serve -c` (not --demo):
- IPv6 listeners next to IPv4 ones (the same port number on [::1] and 127.0.0.1), mail over
  IPv6 with smtplib, swaks and curl, the Received field's record of the IPv6 peer (RFC 5321
  §4.4 TCP-info is an address-literal, §4.1.3 writes IPv6 ones as "[IPv6:...]"), and
  allowed_networks / relay_networks with IPv6 entries.
- TLS (RFC 8314 listeners): the certificate reloaded on SIGHUP without a restart, sessions
  opened before the reload finishing their transaction, a bad reload keeping the old
  certificate, and TLS 1.0/1.1 refused while 1.2/1.3 are accepted (RFC 8996, RFC 9325 §3.1.1).

ctest: interop_smtp_listeners; by hand in tests/interop:
  HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_smtp_listeners
"""

import hashlib
import os
import pathlib
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import tempfile
import threading
import unittest
import warnings

from configured_harbor import ConfiguredHarbor, make_certificate
from harbor_harness import LOOPBACK
from smtp_support import (CLIENT_NAME, IO_TIMEOUT, RECEIVED, REMOTE_SENDER, TOOL_TIMEOUT,
                          close_quietly, harbor_binary, make_message, parse_stored, token)

LOOPBACK6 = "::1"
DOMAIN = "listen.example"
HOSTNAME = "mx.listen.example"
PASSWORDS = {"alice": "alice-secret-1", "bob": "bob-secret-2"}


def address(name):
    return f"{name}@{DOMAIN}"


def file_fingerprint(certificate):
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(read_bytes(certificate).decode())).hexdigest()


def peer_fingerprint(tls_socket):
    return hashlib.sha256(tls_socket.getpeercert(binary_form=True)).hexdigest()


def read_bytes(path):
    return pathlib.Path(path).read_bytes()


def replace_file(path, content):
    """Write to a temporary name, then rename over `path`, as a certificate renewal does."""
    pathlib.Path(path + ".new").write_bytes(content)
    os.replace(path + ".new", path)


class ListenerCase(unittest.TestCase):
    """One configured server per class (with [tls] = the "live" copy of certificate A);
    subclasses give LISTENERS. The directory is kept if Harbor did not exit cleanly."""

    LISTENERS = []

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="harbor-listeners-")
        cls.cert_a = make_certificate(cls.workdir, "a", "harbor-a.listen.example")
        cls.cert_b = make_certificate(cls.workdir, "b", "harbor-b.listen.example")
        cls.both = (cls.cert_a[0], cls.cert_b[0])
        cls.fingerprint_a, cls.fingerprint_b = map(file_fingerprint, cls.both)
        cls.live_cert = os.path.join(cls.workdir, "live.crt")
        cls.live_key = os.path.join(cls.workdir, "live.key")
        shutil.copyfile(cls.cert_a[0], cls.live_cert)
        shutil.copyfile(cls.cert_a[1], cls.live_key)
        cls.server = ConfiguredHarbor(harbor_binary(), cls.workdir, cls.LISTENERS,
                                      (cls.live_cert, cls.live_key), hostname=HOSTNAME)
        cls.server.cli.run("domain", "add", DOMAIN)
        for name, password in PASSWORDS.items():
            cls.server.cli.run("user", "add", address(name), "--password", password)
        cls.server.start()
        cls.cli = cls.server.cli

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0 or os.environ.get("HARBOR_KEEP_TMP"):
            print(f"\nharbor test files kept in {cls.workdir}")
        else:
            shutil.rmtree(cls.workdir, ignore_errors=True)
        if code != 0:
            raise AssertionError(f"harbor exited {code} on SIGTERM\n{cls.server.output()}")

    def port(self, listener_name):
        slot = next(entry["port"] for entry in self.LISTENERS if entry["name"] == listener_name)
        return self.server.ports[slot]

    def trusting(self, *certificates):
        """A client context that verifies the name and trusts exactly these certificates."""
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        for certificate in certificates:
            context.load_verify_locations(cafile=certificate)
        return context

    def smtp(self, host, listener):
        client = smtplib.SMTP(host, self.port(listener), local_hostname=CLIENT_NAME,
                              timeout=IO_TIMEOUT)
        self.addCleanup(close_quietly, client)
        return client

    def smtps(self, host, listener, context):
        client = smtplib.SMTP_SSL(host, self.port(listener), local_hostname=CLIENT_NAME,
                                  timeout=IO_TIMEOUT, context=context)
        self.addCleanup(close_quietly, client)
        return client

    def received(self, recipient, subject, sent=None, sender=REMOTE_SENDER):
        """The stored copy's Received field (a RECEIVED match); the rest must be `sent`."""
        entry, stored = self.cli.stored(recipient, subject)
        self.assertEqual(entry["size"], len(stored))
        prefix, received, rest = parse_stored(stored)
        self.assertEqual(prefix, {"Return-Path": f"<{sender}>", "Delivered-To": recipient})
        if sent is not None:
            self.assertEqual(rest, sent)
        match = RECEIVED.match(received)
        self.assertIsNotNone(match, received)
        return match

    def send(self, client, label, sender=REMOTE_SENDER, recipient=address("alice")):
        """One message with a unique Subject through `client`; its Received match."""
        subject = f"{label}-{token()}"
        message = make_message(subject, sender, recipient)
        self.assertEqual(client.sendmail(sender, [recipient], message), {})
        return self.received(recipient, subject, message, sender=sender)


def first_bytes(host, port):
    """What a listener sends first: the greeting, or b"" if it closes at once."""
    with socket.create_connection((host, port), timeout=IO_TIMEOUT) as sock:
        return sock.recv(512)


class Ipv6ListenerTest(ListenerCase):
    """SMTP on [::1] and on 127.0.0.1 with the same port number, implicit-TLS submission on
    [::1], and network lists with IPv6 entries."""

    LISTENERS = [
        {"name": "mx6", "protocol": "smtp", "address": LOOPBACK6, "port": "mx", "tls": "starttls",
         "allowed_networks": ["2001:db8::/32", "::1/128"], "relay_networks": ["[::1]"]},
        {"name": "mx4", "protocol": "smtp", "address": LOOPBACK, "port": "mx",
         "relay_networks": ["::1/128"]},
        {"name": "submissions6", "protocol": "submission", "address": LOOPBACK6,
         "port": "submissions", "tls": "implicit"},
        # One port on both families ("::" is IPv6-only in Harbor), IPv6 loopback only.
        {"name": "guard6", "protocol": "smtp", "address": "::", "port": "guard",
         "allowed_networks": ["::1/128"]},
        {"name": "guard4", "protocol": "smtp", "address": LOOPBACK, "port": "guard",
         "allowed_networks": ["::1/128"]},
        # IPv4 networks only (one written as IPv4-mapped IPv6): an IPv6 client is refused.
        {"name": "v4nets6", "protocol": "smtp", "address": LOOPBACK6, "port": "v4nets",
         "allowed_networks": ["127.0.0.0/8", "::ffff:127.0.0.0/104"]},
    ]

    def send_over_ipv6(self, listener="mx6"):
        client = self.smtp(LOOPBACK6, listener)
        self.assertEqual(client.sock.getpeername()[0], LOOPBACK6)  # really over IPv6
        return self.send(client, "v6")

    def assert_ipv6_peer(self, match):
        """TCP-info names ::1, with or without the "IPv6:" tag (tested on its own below)."""
        self.assertEqual(match["ip"].removeprefix("IPv6:"), LOOPBACK6, match.string)

    def test_smtplib_over_ipv6_is_stored(self):
        match = self.send_over_ipv6()
        self.assert_ipv6_peer(match)
        self.assertEqual(match["helo"], CLIENT_NAME)
        self.assertEqual(match["by"], HOSTNAME)
        self.assertEqual(match["protocol"], "ESMTP")
        self.assertEqual(match["for"], address("alice"))
        # mx4 has the same port number on 127.0.0.1: its own settings (no STARTTLS), and its
        # IPv4 peer is the plain dotted quad of RFC 5321 §4.1.3.
        self.assertEqual(self.port("mx4"), self.port("mx6"))
        client4 = self.smtp(LOOPBACK, "mx4")
        client4.ehlo()
        self.assertFalse(client4.has_extn("starttls"))
        self.assertEqual(self.send(client4, "v4")["ip"], LOOPBACK)

    def test_received_writes_the_ipv6_peer_as_an_address_literal(self):
        """RFC 5321 §4.4: TCP-info = address-literal / (Domain FWS address-literal), and
        §4.1.3: IPv6-address-literal = "IPv6:" IPv6-addr, so the peer ::1 is "[IPv6:::1]".
        "[::1]" is not an address-literal (§4.1.3 needs the tag)."""
        match = self.send_over_ipv6()
        if match["ip"] != f"IPv6:{LOOPBACK6}":
            self.fail(f"HARBOR BUG (src/smtp/server/received.cpp received_field()): the IPv6 "
                      f"peer is written as [{match['ip']}], not as the RFC 5321 §4.1.3 "
                      f"address-literal [IPv6:{LOOPBACK6}] that §4.4 TCP-info requires. "
                      f"Received: {match.string}")

    def test_starttls_over_ipv6(self):
        client = self.smtp(LOOPBACK6, "mx6")  # the name checked is ::1 (subjectAltName IP)
        self.assertEqual(client.starttls(context=self.trusting(self.cert_a[0]))[0], 220)
        version, cipher = client.sock.version(), client.sock.cipher()[0]
        match = self.send(client, "v6-tls")
        self.assert_ipv6_peer(match)
        self.assertEqual(match["protocol"], "ESMTPS")
        self.assertEqual(match["tls"], f"{version} {cipher}")

    def test_implicit_tls_submission_over_ipv6(self):
        client = self.smtps(LOOPBACK6, "submissions6", self.trusting(self.cert_a[0]))
        self.assertEqual(client.sock.getpeername()[0], LOOPBACK6)
        client.login(address("alice"), PASSWORDS["alice"])
        match = self.send(client, "v6-465", address("alice"), address("bob"))
        self.assert_ipv6_peer(match)
        self.assertEqual(match["protocol"], "ESMTPSA")
        self.assertEqual(match["auth"], address("alice"))

    def tool(self, *argv):
        self.assertIsNotNone(shutil.which(argv[0]), f"{argv[0]} is not installed")
        result = subprocess.run(argv, capture_output=True, timeout=TOOL_TIMEOUT,
                                stdin=subprocess.DEVNULL)
        self.assertEqual(result.returncode, 0, f"{argv}\n{result.stdout!r}\n{result.stderr!r}")

    def test_swaks_over_ipv6(self):
        subject = f"v6-swaks-{token()}"
        self.tool("swaks", "--server", LOOPBACK6, "--port", str(self.port("mx6")),
                  "--helo", CLIENT_NAME, "--from", REMOTE_SENDER, "--to", address("alice"),
                  "--header", f"Subject: {subject}", "--body", "swaks over IPv6",
                  "--timeout", "20")
        match = self.received(address("alice"), subject)
        self.assert_ipv6_peer(match)
        self.assertEqual(match["helo"], CLIENT_NAME)

    def test_curl_over_ipv6(self):
        """curl smtp://[::1]:PORT (MX) and smtps://[::1]:PORT with AUTH (submission)."""
        path = os.path.join(self.workdir, f"curl-{token()}.eml")
        plain, smtps = f"v6-curl-{token()}", f"v6-curls-{token()}"
        replace_file(path, make_message(plain, REMOTE_SENDER, address("alice")))
        self.tool("curl", "--silent", "--show-error", "--max-time", "30",
                  f"smtp://[{LOOPBACK6}]:{self.port('mx6')}/{CLIENT_NAME}",
                  "--mail-from", REMOTE_SENDER, "--mail-rcpt", address("alice"),
                  "--upload-file", path)
        self.assert_ipv6_peer(self.received(address("alice"), plain, read_bytes(path)))
        message = make_message(smtps, address("alice"), address("bob"))
        replace_file(path, message)
        self.tool("curl", "--silent", "--show-error", "--max-time", "30",
                  f"smtps://[{LOOPBACK6}]:{self.port('submissions6')}/{CLIENT_NAME}",
                  "--cacert", self.cert_a[0], "--user", f"{address('alice')}:"
                  f"{PASSWORDS['alice']}", "--mail-from", address("alice"),
                  "--mail-rcpt", address("bob"), "--upload-file", path)
        match = self.received(address("bob"), smtps, message, sender=address("alice"))
        self.assert_ipv6_peer(match)
        self.assertEqual(match["auth"], address("alice"))

    def test_relay_networks_with_an_ipv6_entry(self):
        """relay_networks ["[::1]"] (the Postfix-style bracketed form) on mx6: ::1 may relay
        without AUTH. mx4 lists only ::1/128, so 127.0.0.1 may not."""
        target = f"friend-{token()}@remote.example"
        message = make_message(f"relay-{token()}", REMOTE_SENDER, target)
        self.assertEqual(self.smtp(LOOPBACK6, "mx6").sendmail(REMOTE_SENDER, [target],
                                                              message), {})
        queued = [r["address"] for entry in self.cli.queue() for r in entry["recipients"]]
        self.assertEqual(queued.count(target), 1, queued)
        refused_target = f"victim-{token()}@remote.example"
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as refused:
            self.smtp(LOOPBACK, "mx4").sendmail(REMOTE_SENDER, [refused_target], message)
        code, text = refused.exception.recipients[refused_target]
        self.assertEqual(code, 554, text)
        self.assertTrue(text.startswith(b"5.7.1"), text)
        self.assertNotIn(refused_target, [r["address"] for entry in self.cli.queue()
                                          for r in entry["recipients"]])

    def test_allowed_networks_with_ipv6_entries(self):
        """guard6 ("::") and guard4 (127.0.0.1) share a port and allow only ::1/128: the IPv6
        client is greeted, the IPv4 one closed before a byte. v4nets6 on [::1] allows only
        IPv4 networks, so the IPv6 client is closed there."""
        self.assertEqual(self.port("guard6"), self.port("guard4"))
        refused_before = self.server.count("net.refused.network")
        self.assertTrue(first_bytes(LOOPBACK6, self.port("guard6")).startswith(b"220 "))
        self.assertEqual(first_bytes(LOOPBACK, self.port("guard4")), b"")
        self.assertEqual(first_bytes(LOOPBACK6, self.port("v4nets6")), b"")
        self.assertTrue(self.server.wait_for_log("net.refused.network", refused_before + 2))
        refusals = [line for line in self.server.log().splitlines()
                    if " net.refused.network " in line][refused_before:]
        self.assertTrue(any("guard4" in line and LOOPBACK in line for line in refusals),
                        refusals)
        self.assertTrue(any("v4nets6" in line and "::1" in line for line in refusals),
                        refusals)
        # The listeners still accept their own networks' clients afterwards.
        self.assert_ipv6_peer(self.send_over_ipv6("guard6"))


class TlsCase(ListenerCase):
    """Submission with STARTTLS (587 style) and with implicit TLS (465 style), on loopback."""

    LISTENERS = [
        {"name": "submission", "protocol": "submission", "address": LOOPBACK,
         "port": "submission", "tls": "starttls"},
        {"name": "submissions", "protocol": "submission", "address": LOOPBACK,
         "port": "submissions", "tls": "implicit"},
    ]

    def assert_presented(self, fingerprint):
        """Both listeners present the certificate with this fingerprint to a new connection
        now; the client trusts both test certificates and checks the name 127.0.0.1."""
        context = self.trusting(*self.both)
        starttls = self.smtp(LOOPBACK, "submission")
        self.assertEqual(starttls.starttls(context=context)[0], 220)
        implicit = self.smtps(LOOPBACK, "submissions", context)
        self.assertEqual(implicit.noop()[0], 250)
        presented = {"submission": peer_fingerprint(starttls.sock),
                     "submissions": peer_fingerprint(implicit.sock)}
        close_quietly(starttls)  # not left to the cleanups: max_connections_per_ip is 20
        close_quietly(implicit)
        self.assertEqual(presented, {"submission": fingerprint, "submissions": fingerprint})

    def install(self, certificate, key):
        """Replace the configured files, key first, each by rename (as certbot & co. do);
        a key of None removes the key file."""
        if key is None:
            os.remove(self.live_key)
        else:
            replace_file(self.live_key, key)
        replace_file(self.live_cert, certificate)

    def hup(self, event):
        """SIGHUP, then wait for the reload's outcome (`event`) to be logged once more."""
        before = self.server.count(event)
        os.kill(self.server.process.pid, signal.SIGHUP)
        self.assertTrue(self.server.wait_for_log(event, before + 1), self.server.output())

    def open_transaction(self, client):
        """Log in as alice and get to the point where only DATA is missing."""
        client.login(address("alice"), PASSWORDS["alice"])
        self.assertEqual(client.mail(address("alice"))[0], 250)
        self.assertEqual(client.rcpt(address("bob"))[0], 250)

    def finish_transaction(self, client, label):
        subject = f"{label}-{token()}"
        message = make_message(subject, address("alice"), address("bob"))
        code, text = client.data(message)
        self.assertEqual(code, 250, text)
        match = self.received(address("bob"), subject, message, sender=address("alice"))
        self.assertEqual(match["protocol"], "ESMTPSA")
        self.assertEqual(match["tls"], f"{client.sock.version()} {client.sock.cipher()[0]}")

    def submit(self, label):
        """A whole transaction on a new implicit-TLS connection."""
        client = self.smtps(LOOPBACK, "submissions", self.trusting(*self.both))
        self.open_transaction(client)
        self.finish_transaction(client, label)
        close_quietly(client)


class CertificateReloadTest(TlsCase):
    """SIGHUP reloads [tls] certificate and key for new handshakes (docs/config.md [tls])."""

    def test_sighup_switches_new_connections_and_keeps_open_sessions(self):
        cert_a, cert_b = self.fingerprint_a, self.fingerprint_b
        self.assertNotEqual(cert_a, cert_b)
        self.assert_presented(cert_a)
        context_a = self.trusting(self.cert_a[0])
        old_implicit = self.smtps(LOOPBACK, "submissions", context_a)
        self.open_transaction(old_implicit)
        old_starttls = self.smtp(LOOPBACK, "submission")
        old_starttls.starttls(context=context_a)
        self.open_transaction(old_starttls)
        plain_before = self.smtp(LOOPBACK, "submission")
        self.assertEqual(plain_before.ehlo()[0], 250)
        self.install(*map(read_bytes, self.cert_b))
        self.hup("tls.reloaded")
        self.assert_presented(cert_b)
        # Accepted before the reload, TLS started after it: the handshake takes the context
        # current when it starts (TlsContext::current()), so it is B.
        self.assertEqual(plain_before.starttls(context=self.trusting(self.cert_b[0]))[0], 220)
        self.assertEqual(peer_fingerprint(plain_before.sock), cert_b)
        # Sessions whose handshake was done with A keep it and finish their transaction.
        for client, label in ((old_implicit, "old-465"), (old_starttls, "old-587")):
            with self.subTest(session=label):
                self.assertEqual(peer_fingerprint(client.sock), cert_a)
                self.finish_transaction(client, label)
        self.submit("after-reload")


class FailedReloadTest(TlsCase):
    """A reload that cannot use the files keeps the last good certificate and the server."""

    def test_bad_files_keep_the_last_good_certificate(self):
        self.install(*map(read_bytes, self.cert_b))
        self.hup("tls.reloaded")
        self.assert_presented(self.fingerprint_b)
        garbage = (b"-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE"
                   b"-----\n" + bytes(range(256)))
        bad = [("garbage", garbage, garbage[::-1]), ("empty", b"", b""),
               ("mismatched", read_bytes(self.cert_b[0]), read_bytes(self.cert_a[1])),
               ("missing-key", read_bytes(self.cert_b[0]), None)]
        reloads = self.server.count("tls.reloaded")
        for label, certificate, key in bad:
            with self.subTest(files=label):
                self.install(certificate, key)
                self.hup("tls.reload.failed")
                self.assert_presented(self.fingerprint_b)
                self.submit(f"bad-{label}")
        self.assertEqual(self.server.count("tls.reloaded"), reloads)
        # Good files again: the failed reloads did not stop later ones from working.
        self.install(*map(read_bytes, self.cert_a))
        self.hup("tls.reloaded")
        self.assert_presented(self.fingerprint_a)


def limit_versions(context, low, high):
    """Only TLS versions low..high, at security level 0 so that OpenSSL 3 offers TLS 1.0/1.1
    at all (the control test shows that it does)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1 and TLSv1_1 are
        context.minimum_version, context.maximum_version = low, high
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def version_context(cafile, version):
    """A client offering exactly one TLS version."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=cafile)
    return limit_versions(context, version, version)


OLD_VERSIONS = {"TLSv1": ssl.TLSVersion.TLSv1, "TLSv1.1": ssl.TLSVersion.TLSv1_1}
CURRENT_VERSIONS = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


class TlsVersionTest(TlsCase):
    """RFC 8996 (no TLS 1.0/1.1), RFC 9325 §3.1.1: Harbor offers TLS 1.2 and 1.3 only."""

    def test_control_the_client_can_speak_tls_1_0_and_1_1(self):
        """Against a Python server that allows them, the same client contexts connect, so
        the refusals below are Harbor's."""
        server_context = limit_versions(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER),
                                        ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_3)
        server_context.load_cert_chain(*self.cert_a)
        for name, version in OLD_VERSIONS.items():
            with self.subTest(version=name), socket.create_server((LOOPBACK, 0)) as listener:
                def serve():
                    connection, _ = listener.accept()
                    with server_context.wrap_socket(connection, server_side=True) as tls:
                        tls.sendall(b"ok")
                thread = threading.Thread(target=serve, daemon=True)
                thread.start()
                context = version_context(self.cert_a[0], version)
                with context.wrap_socket(socket.create_connection(listener.getsockname(),
                                                                  timeout=IO_TIMEOUT),
                                         server_hostname="localhost") as tls:
                    self.assertEqual(tls.version(), name)
                    self.assertEqual(tls.recv(2), b"ok")
                thread.join(IO_TIMEOUT)

    def handshake(self, listener, version):
        """(TLS version agreed, what the server says next) on one listener."""
        context = version_context(self.cert_a[0], version)
        if listener == "submissions":
            client = self.smtps(LOOPBACK, listener, context)
            return client.sock.version(), client.noop()[0]
        client = self.smtp(LOOPBACK, listener)
        client.starttls(context=context)
        return client.sock.version(), client.ehlo()[0]

    def test_tls_1_0_and_1_1_refused_1_2_and_1_3_accepted(self):
        for listener in ("submission", "submissions"):
            for name, version in OLD_VERSIONS.items():
                with self.subTest(listener=listener, version=name):
                    with self.assertRaises((ssl.SSLError, ConnectionResetError)):
                        self.handshake(listener, version)
            for name, version in CURRENT_VERSIONS.items():
                with self.subTest(listener=listener, version=name):
                    self.assertEqual(self.handshake(listener, version), (name, 250))
        self.submit("after-the-refusals")


if __name__ == "__main__":
    unittest.main()
