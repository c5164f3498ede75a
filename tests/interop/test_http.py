"""Interop: the HTTP listener's public pages (src/http/) with curl, raw sockets and the
standard library's XML parser: Thunderbird autoconfig, Outlook Autodiscover, the MTA-STS policy
(RFC 8461 §3.2), /metrics, and HTTP/1.1 framing (RFC 9112): keep-alive, pipelining, 400, 431,
413, 405, 501, the smuggling frame, and a slow client (SECURITY-CASES 66, 70: a request that
trickles in is cut off by its own deadline; slow clients do not starve others).
ctest: interop_http; by hand in tests/interop:
HARBOR_BIN=../../build/debug/src/harbor /usr/bin/python3 -m unittest -v test_http
"""

import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

from configured_harbor import NO_DELIVERY, ConfiguredHarbor, make_certificate
from harbor_harness import LOOPBACK, HarborServer
from smtp_support import IO_TIMEOUT, TOOL_TIMEOUT, harbor_binary

AUTOCONFIG = "/.well-known/autoconfig/mail/config-v1.1.xml"
OUTLOOK_SCHEMA = ("http://schemas.microsoft.com/exchange/autodiscover/outlook/"
                  "responseschema/2006a")
SLOW_REQUEST_LIMIT = 30  # http::HttpSettings::request_timeout, seconds
SLOW_CLIENTS = 10  # below the listener's 20 connections per address


def autodiscover_body(address, schema=OUTLOOK_SCHEMA):
    return ('<?xml version="1.0" encoding="utf-8"?>\r\n'
            '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/'
            'requestschema/2006"><Request>'
            f"<EMailAddress>{address}</EMailAddress>"
            f"<AcceptableResponseSchema>{schema}</AcceptableResponseSchema>"
            "</Request></Autodiscover>\r\n")


def split_response(raw):
    """(status, {lower-case field: value}, body) of one response; 1xx interim ones skipped."""
    while True:
        head, _, raw = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        if status >= 200:
            break
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return status, fields, raw


def curl(url, *args, head=False):
    """curl's (status, fields, body) for `url`; curl must exit 0."""
    argv = ["curl", "-sS", "--max-time", str(IO_TIMEOUT), "-I" if head else "-i", *args, url]
    done = subprocess.run(argv, capture_output=True, timeout=TOOL_TIMEOUT, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{argv} exited {done.returncode}: {done.stderr.decode()}")
    return split_response(done.stdout)


def local_name(element):
    return element.tag.rsplit("}", 1)[-1]


def children(element, name):
    return [child for child in element.iter() if local_name(child) == name]


def check_xml_with_xmllint(test, body):
    """xmllint (libxml2-utils, installed by scripts/deps) as a second, independent parser."""
    done = subprocess.run(["xmllint", "--noout", "--nonet", "-"], input=body,
                          capture_output=True, timeout=TOOL_TIMEOUT, check=False)
    test.assertEqual(done.returncode, 0, done.stderr.decode())


def parse_policy(text):
    """RFC 8461 §3.2 "key: value" lines (LF or CRLF); returns the list of (key, value)."""
    pairs = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_]+", key):
            raise ValueError(f"not a policy line: {line!r}")
        pairs.append((key, value.strip()))
    return pairs


class Raw:
    """A plain socket to the http listener, for exact bytes."""

    def __init__(self, port):
        self.sock = socket.create_connection((LOOPBACK, port), timeout=IO_TIMEOUT)
        self.buffer = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def read_response(self, head=False):
        """One response: the header block, then Content-Length octets (none after HEAD)."""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed inside a response: {self.buffer[:200]!r}")
            self.buffer += chunk
        head_bytes, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status, fields, _ = split_response(head_bytes + b"\r\n\r\n")
        length = 0 if head else int(fields.get("content-length", "0"))
        while len(self.buffer) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed inside a response body")
            self.buffer += chunk
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, fields, body

    def closed(self):
        """True if the server ends the connection with nothing more sent."""
        try:
            return self.buffer == b"" and self.sock.recv(1) == b""
        except ConnectionResetError:
            return True


class DemoHttpTest(unittest.TestCase):
    """The pages of `harbor serve --demo`'s http listener (one server for the class)."""

    @classmethod
    def setUpClass(cls):
        cls.server = HarborServer(harbor_binary())
        cls.server.__enter__()
        cls.base = f"http://{LOOPBACK}:{cls.server.ports['http']}"
        cls.domain = cls.server.domain
        cls.address = cls.server.account("user")["address"]

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def raw(self):
        connection = Raw(self.server.ports["http"])
        self.addCleanup(connection.close)
        return connection

    # -- autoconfig ---------------------------------------------------------------------

    def check_autoconfig(self, body, provider):
        check_xml_with_xmllint(self, body)
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "clientConfig")
        self.assertEqual(root.get("version"), "1.1")
        self.assertEqual(root.find("emailProvider").get("id"), provider)
        ports = self.server.ports
        incoming = [(s.get("type"), int(s.findtext("port")), s.findtext("socketType"))
                    for s in root.iter("incomingServer")]
        self.assertEqual(incoming, [("imap", ports["imaps"], "SSL"),
                                    ("imap", ports["imap"], "STARTTLS"),
                                    ("pop3", ports["pop3s"], "SSL"),
                                    ("pop3", ports["pop3"], "STARTTLS")])
        outgoing = [(s.get("type"), int(s.findtext("port")), s.findtext("socketType"))
                    for s in root.iter("outgoingServer")]
        self.assertEqual(outgoing, [("smtp", ports["submissions"], "SSL"),
                                    ("smtp", ports["submission"], "STARTTLS")])
        servers = list(root.iter("incomingServer")) + list(root.iter("outgoingServer"))
        for server in servers:
            self.assertEqual(server.findtext("hostname"), "mail.example.test")
            self.assertEqual(server.findtext("username"), "%EMAILADDRESS%")
            self.assertEqual(server.findtext("authentication"), "password-cleartext")

    def test_autoconfig_names_the_demo_ports(self):
        quoted = self.address.replace("@", "%40")
        status, fields, body = curl(f"{self.base}{AUTOCONFIG}?emailaddress={quoted}")
        self.assertEqual(status, 200)
        self.assertTrue(fields["content-type"].startswith("text/xml"), fields)
        self.check_autoconfig(body, self.domain)

    def test_autoconfig_by_host(self):
        status, _, body = curl(f"{self.base}/mail/config-v1.1.xml",
                               "-H", f"Host: autoconfig.{self.domain}")
        self.assertEqual(status, 200)
        self.check_autoconfig(body, self.domain)

    def test_autoconfig_not_for_other_domains(self):
        status, _, body = curl(f"{self.base}{AUTOCONFIG}?emailaddress=jo%40elsewhere.test")
        self.assertEqual(status, 404)
        self.assertNotIn(b"clientConfig", body)
        status, _, _ = curl(f"{self.base}{AUTOCONFIG}?emailaddress=jo%0d%0aX:%20y%40"
                            f"{self.domain}")
        self.assertEqual(status, 400)

    # -- autodiscover -------------------------------------------------------------------

    def autodiscover(self, path, address, schema=OUTLOOK_SCHEMA):
        return curl(f"{self.base}{path}", "-X", "POST", "-H", "Content-Type: text/xml",
                    "--data-binary", autodiscover_body(address, schema))

    def test_autodiscover_answers_for_the_demo_domain(self):
        for path in ("/autodiscover/autodiscover.xml", "/Autodiscover/Autodiscover.xml"):
            with self.subTest(path=path):
                status, fields, body = self.autodiscover(path, self.address)
                self.assertEqual(status, 200)
                self.assertTrue(fields["content-type"].startswith("text/xml"), fields)
                check_xml_with_xmllint(self, body)
                root = ET.fromstring(body)
                self.assertEqual(local_name(root), "Autodiscover")
                self.assertEqual([e.text for e in children(root, "AccountType")], ["email"])
                protocols = {}
                for protocol in children(root, "Protocol"):
                    fields_of = {local_name(e): e.text for e in protocol}
                    protocols[fields_of["Type"]] = fields_of
                ports = self.server.ports
                self.assertEqual(set(protocols), {"IMAP", "SMTP", "POP3"})
                self.assertEqual(int(protocols["IMAP"]["Port"]), ports["imaps"])
                self.assertEqual(int(protocols["SMTP"]["Port"]), ports["submissions"])
                self.assertEqual(int(protocols["POP3"]["Port"]), ports["pop3s"])
                for entry in protocols.values():
                    self.assertEqual(entry["Server"], "mail.example.test")
                    self.assertEqual(entry["SSL"], "on")
                    self.assertEqual(entry["LoginName"], self.address)

    def test_autodiscover_not_for_other_domains(self):
        status, _, body = self.autodiscover("/autodiscover/autodiscover.xml",
                                            "jo@elsewhere.test")
        self.assertEqual(status, 404)
        self.assertNotIn(b"<Protocol>", body)
        status, _, body = self.autodiscover(
            "/autodiscover/autodiscover.xml", self.address,
            "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006")
        self.assertEqual(status, 200)
        self.assertIn(b"<ErrorCode>601</ErrorCode>", body)
        status, fields, _ = curl(f"{self.base}/autodiscover/autodiscover.xml")
        self.assertEqual(status, 405)
        self.assertEqual(fields["allow"], "POST")

    # -- MTA-STS ------------------------------------------------------------------------

    def test_mta_sts_policy(self):
        status, fields, body = curl(f"{self.base}/.well-known/mta-sts.txt",
                                    "-H", f"Host: mta-sts.{self.domain}")
        self.assertEqual(status, 200)
        self.assertEqual(fields["content-type"], "text/plain")
        pairs = parse_policy(body.decode("ascii"))
        self.assertEqual(pairs[0], ("version", "STSv1"))  # §3.2: first
        policy = dict(pairs)
        self.assertEqual(policy["mode"], "testing")  # the [http] default
        self.assertEqual([v for k, v in pairs if k == "mx"], ["mail.example.test"])
        self.assertEqual(int(policy["max_age"]), 7 * 24 * 3600)

    def test_mta_sts_only_for_local_domains(self):
        for host in ("mta-sts.elsewhere.test", self.domain, "localhost"):
            with self.subTest(host=host):
                status, _, _ = curl(f"{self.base}/.well-known/mta-sts.txt", "-H", f"Host: {host}")
                self.assertEqual(status, 404)

    # -- metrics and the rest -----------------------------------------------------------

    def test_metrics_from_loopback(self):
        status, fields, body = curl(f"{self.base}/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(fields["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        text = body.decode("utf-8")
        self.assertRegex(text, r"(?m)^# TYPE harbor_http_requests_total counter$")
        self.assertRegex(text, r'(?m)^harbor_http_requests_total\{code="200"\} [0-9]+$')

    def test_status_codes(self):
        self.assertEqual(curl(f"{self.base}/")[0], 200)
        self.assertEqual(curl(f"{self.base}/nothing-here")[0], 404)
        status, fields, _ = curl(f"{self.base}/metrics", "-X", "DELETE")
        self.assertEqual((status, fields.get("allow")), (405, "GET, HEAD"))
        self.assertEqual(curl(f"{self.base}/", "-X", "BREW")[0], 501)

    def test_head_is_get_without_body(self):
        status, fields, body = curl(f"{self.base}/metrics", head=True)
        self.assertEqual(status, 200)
        self.assertGreater(int(fields["content-length"]), 0)
        self.assertEqual(body, b"")

    def test_unknown_paths_are_not_echoed(self):
        status, _, body = curl(f"{self.base}/%3Cscript%3Ealert(1)%3C/script%3E")
        self.assertEqual(status, 404)
        self.assertNotIn(b"script", body)

    # -- framing ------------------------------------------------------------------------

    def test_keep_alive_serves_two_requests_on_one_connection(self):
        connection = self.raw()
        connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        status, fields, body = connection.read_response()
        self.assertEqual((status, body), (200, b"Harbor\n"))
        self.assertNotEqual(fields.get("connection"), "close")
        connection.send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n")
        status, _, body = connection.read_response()
        self.assertEqual(status, 200)
        self.assertIn(b"# TYPE ", body)

    def test_pipelined_requests(self):
        connection = self.raw()
        connection.send("GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
                        "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        self.assertEqual(connection.read_response()[0], 200)
        self.assertEqual(connection.read_response(head=True)[0], 200)
        status, fields, _ = connection.read_response()
        self.assertEqual((status, fields.get("connection")), (404, "close"))
        self.assertTrue(connection.closed())

    def test_malformed_request_is_400(self):
        connection = self.raw()
        connection.send("GARBAGE\r\n\r\n")
        status, fields, _ = connection.read_response()
        self.assertEqual((status, fields.get("connection")), (400, "close"))
        self.assertTrue(connection.closed())

    def test_oversized_header_is_431(self):
        connection = self.raw()
        connection.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "a" * 20000 + "\r\n\r\n")
        status, fields, _ = connection.read_response()
        self.assertEqual((status, fields.get("connection")), (431, "close"))

    def test_oversized_body_is_413_before_it_is_sent(self):
        connection = self.raw()
        connection.send("POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: a\r\n"
                        "Content-Length: 1000000\r\nExpect: 100-continue\r\n\r\n")
        status, _, _ = connection.read_response()
        self.assertEqual(status, 413)

    def test_smuggling_frame_answered_once_then_closed(self):
        """Content-Length with Transfer-Encoding (RFC 9112 §6.1): one 400, and the request
        hidden in the body is never answered."""
        hidden = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
        body = "0\r\n\r\n" + hidden
        connection = self.raw()
        connection.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n{body}")
        self.assertEqual(connection.read_response()[0], 400)
        connection.sock.shutdown(socket.SHUT_WR)
        self.assertTrue(connection.closed())

    def test_slow_clients_do_not_starve_others_and_are_cut_off(self):
        """Slowloris: clients that send a header one field at a time never finish it; a normal
        client is served meanwhile, and each slow one gets 408 once its request is older than
        the request deadline, however often it sends."""
        slow = [self.raw() for _ in range(SLOW_CLIENTS)]
        for connection in slow:
            connection.send("GET / HTTP/1.1\r\nHost: a\r\n")
        started = time.monotonic()
        self.assertEqual(curl(f"{self.base}/")[0], 200)
        answers = {}
        deadline = started + SLOW_REQUEST_LIMIT + 15
        sent = 0
        while len(answers) < len(slow) and time.monotonic() < deadline:
            for index, connection in enumerate(slow):
                if index in answers:
                    continue
                # Read an answer before sending more: writing to a connection the server has
                # closed would reset it and lose the answer.
                if select.select([connection.sock], [], [], 0)[0]:
                    try:
                        answers[index] = connection.read_response()[0]
                    except ConnectionError:
                        answers[index] = "closed without an answer"
                    continue
                connection.send(f"X-{sent}: a\r\n")
            sent += 1
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        self.assertEqual([answers.get(i) for i in range(len(slow))], [408] * len(slow))
        self.assertGreaterEqual(elapsed, SLOW_REQUEST_LIMIT - 1)


class ConfiguredHttpTest(unittest.TestCase):
    """`harbor serve -c` with an https listener (implicit TLS, as MTA-STS requires, RFC 8461
    §3.3) and [http] settings: an enforce policy with its own mx patterns, /metrics only for
    10.0.0.0/8 (so loopback is refused)."""

    DOMAIN = "pages.example"
    LISTENERS = [
        {"name": "http", "protocol": "http", "port": "http"},
        {"name": "https", "protocol": "http", "port": "https", "tls": "implicit"},
        {"name": "imaps", "protocol": "imap", "port": "imaps", "tls": "implicit"},
    ]
    HTTP_TOML = ('[http]\nmetrics_networks = ["10.0.0.0/8"]\nmta_sts_mode = "enforce"\n'
                 'mta_sts_mx = ["mx1.pages.example", "*.mx.pages.example"]\n'
                 "mta_sts_max_age_s = 86400\n")

    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="harbor-http-")
        cls.certificate, key = make_certificate(cls.workdir, "web", "localhost")
        cls.server = ConfiguredHarbor(harbor_binary(), cls.workdir, cls.LISTENERS,
                                      (cls.certificate, key), hostname="mx1.pages.example",
                                      extra_toml=NO_DELIVERY + "\n" + cls.HTTP_TOML)
        cls.server.cli.run("domain", "add", cls.DOMAIN)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0 or os.environ.get("HARBOR_KEEP_TMP"):
            print(f"\nharbor test files kept in {cls.workdir}")
        else:
            shutil.rmtree(cls.workdir, ignore_errors=True)
        if code != 0:
            raise AssertionError(f"harbor exited {code} on SIGTERM\n{cls.server.output()}")

    def test_policy_over_https(self):
        url = f"https://localhost:{self.server.ports['https']}/.well-known/mta-sts.txt"
        status, fields, body = curl(url, "--cacert", self.certificate, "--resolve",
                                    f"localhost:{self.server.ports['https']}:{LOOPBACK}",
                                    "-H", f"Host: mta-sts.{self.DOMAIN}")
        self.assertEqual(status, 200)
        self.assertEqual(fields["content-type"], "text/plain")
        pairs = parse_policy(body.decode("ascii"))
        self.assertEqual(pairs[0], ("version", "STSv1"))
        self.assertEqual(dict(pairs)["mode"], "enforce")
        self.assertEqual([v for k, v in pairs if k == "mx"],
                         ["mx1.pages.example", "*.mx.pages.example"])
        self.assertEqual(dict(pairs)["max_age"], "86400")

    def test_metrics_refused_outside_the_networks(self):
        status, _, body = curl(f"http://{LOOPBACK}:{self.server.ports['http']}/metrics")
        self.assertEqual(status, 403)
        self.assertNotIn(b"# TYPE", body)

    def test_autoconfig_names_the_configured_listeners(self):
        status, _, body = curl(f"http://{LOOPBACK}:{self.server.ports['http']}{AUTOCONFIG}"
                               f"?emailaddress=jo%40{self.DOMAIN}")
        self.assertEqual(status, 200)
        root = ET.fromstring(body)
        incoming = [(s.get("type"), int(s.findtext("port")), s.findtext("socketType"))
                    for s in root.iter("incomingServer")]
        self.assertEqual(incoming, [("imap", self.server.ports["imaps"], "SSL")])
        self.assertEqual(list(root.iter("outgoingServer")), [])
        self.assertEqual(root.find("emailProvider/incomingServer/hostname").text,
                         "mx1.pages.example")


if __name__ == "__main__":
    unittest.main()
