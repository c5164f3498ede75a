#!/usr/bin/python3
"""Differential test: Harbor's DKIM (src/auth/dkim, through dkim_tool) against dkimpy and OpenDKIM.

Three implementations sign and verify the same messages with the same keys:

  Harbor    dkim_tool sign / verify (src/auth/dkim/dkim_tool.cpp); key records from a file.
  dkimpy    Debian's python3-dkim (1.1.4); dkim.verify's dnsfunc answers from the same records.
  OpenDKIM  Debian's libopendkim11 (2.11) through ctypes: the opendkim-tools binaries cannot help
            (opendkim-testmsg signs only with rsa-sha1 and verifies only over live DNS), but the
            library itself signs rsa-sha256 and ed25519-sha256 and, with its DKIM_QUERY_FILE
            query method, reads key records from a file. The constants below are those of
            libopendkim/dkim.h in OpenDKIM 2.11.

Keys: one RSA 2048 and one Ed25519 key made by `dkim_tool keygen`, published (in memory) at
rsa._domainkey.example.com and ed._domainkey.example.com; every signer uses them.

Messages: dkimpy's test messages and MIME messages from ../shared/testdata/mime (Stalwart's
rfc/, legacy/ and thirdparty/ corpora, Python's email test messages), each with a From field,
in SMTP form: CRLF line ends, and no mbox "From " separator line (it is not a header field).
For each message, key and canonicalization (simple/simple, relaxed/relaxed, relaxed/simple,
simple/relaxed), each of the three signs and all three verify the result; once per message and
key, Harbor's signed message with its body changed is verified too. Judged:

  signed by Harbor   dkimpy must pass it (the signature is valid);
  any signed message Harbor's verdict must equal dkimpy's (the reference here: it reproduces
                     the whole ARC suite, shared/testdata/dkim-arc/crosscheck/README.txt);
  the changed body   nobody passes it (so the oracles can say no).

OpenDKIM's verdict is compared with dkimpy's and every disagreement is printed as a note, not
judged: on this corpus OpenDKIM 2.11.0~beta2 departs from both others in three known ways:
its ed25519 signatures with simple header canonicalization fail its own verifier (and the
other two); it gives no verdict on messages whose From has no domain; and it hashes a body
that does not end in CRLF (no final line end, or a final bare CR) without the CRLF RFC 6376
§3.4.3/§3.4.4 add. Harbor disagreeing with dkimpy is a failure unless KNOWN_DIFFERENCES lists it
with its reason; a listed difference that no longer occurs is a failure too.

Usage: dkim_crosscheck.py --tool PATH/TO/dkim_tool --testdata PATH/TO/shared/testdata
       [--limit N] [--verbose]
Prints "N passed, N failed" and exits non-zero on any failure.
"""

import argparse
import base64
import ctypes
import glob
import os
import subprocess
import sys
import tempfile

import dkim  # Debian python3-dkim

DOMAIN = "example.com"
CANONS = [("simple", "simple"), ("relaxed", "relaxed"), ("relaxed", "simple"),
          ("simple", "relaxed")]
MAX_MESSAGE = 512 * 1024

# (check name, message file name suffix) -> reason. Empty: the three agree on every case.
KNOWN_DIFFERENCES = {}


def to_crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def header_of(message):
    end = message.find(b"\r\n\r\n")
    return message if end < 0 else message[:end + 2]


def has_from(message):
    for line in header_of(message).split(b"\r\n"):
        if line.lower().startswith(b"from:"):
            return True
    return False


def collect_messages(testdata, limit):
    patterns = [
        "dkim-arc/dkimpy-tests/data/rfc6376.msg",
        "dkim-arc/dkimpy-tests/data/ed25519test.msg",
        "dkim-arc/dkimpy-tests/data/message.mbox",
        "mime/stalwart-mail-parser/resources/eml/rfc/*.eml",
        "mime/stalwart-mail-parser/resources/eml/legacy/*.eml",
        "mime/stalwart-mail-parser/resources/eml/thirdparty/*.eml",
        "mime/python-email-tests/data/msg_*.txt",
    ]
    messages = []
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(testdata, pattern))):
            with open(path, "rb") as f:
                data = f.read()
            if data.startswith(b"From "):
                data = data[data.find(b"\n") + 1:]  # mbox separator, not a header field
            message = to_crlf(data)
            if len(message) > MAX_MESSAGE or b"\r\n\r\n" not in message or not has_from(message):
                continue
            messages.append((os.path.relpath(path, testdata), message))
    return messages[:limit] if limit else messages


class OpenDkim:
    """libopendkim through ctypes, with key records read from a file (DKIM_QUERY_FILE)."""

    OP_SETOPT = 1
    OPTS_QUERYMETHOD = 6
    OPTS_QUERYINFO = 7
    QUERY_FILE = 1
    CANON = {"simple": 0, "relaxed": 1}
    SIGN = {"rsa": 1, "ed": 2}  # DKIM_SIGN_RSASHA256, DKIM_SIGN_ED25519SHA256
    SIGFLAG_PASSED = 0x04
    SIGBH_MATCH = 0

    def __init__(self, records_path):
        c = ctypes
        lib = c.CDLL("libopendkim.so.11")
        lib.dkim_init.restype = c.c_void_p
        lib.dkim_init.argtypes = [c.c_void_p, c.c_void_p]
        lib.dkim_options.argtypes = [c.c_void_p, c.c_int, c.c_int, c.c_void_p, c.c_size_t]
        lib.dkim_sign.restype = c.c_void_p
        lib.dkim_sign.argtypes = [c.c_void_p, c.c_char_p, c.c_void_p, c.c_char_p, c.c_char_p,
                                  c.c_char_p, c.c_int, c.c_int, c.c_int, c.c_ssize_t,
                                  c.POINTER(c.c_int)]
        lib.dkim_verify.restype = c.c_void_p
        lib.dkim_verify.argtypes = [c.c_void_p, c.c_char_p, c.c_void_p, c.POINTER(c.c_int)]
        lib.dkim_chunk.argtypes = [c.c_void_p, c.c_char_p, c.c_size_t]
        lib.dkim_eom.argtypes = [c.c_void_p, c.c_void_p]
        lib.dkim_getsighdr.argtypes = [c.c_void_p, c.c_char_p, c.c_size_t, c.c_size_t]
        lib.dkim_free.argtypes = [c.c_void_p]
        lib.dkim_getsiglist.argtypes = [c.c_void_p, c.POINTER(c.POINTER(c.c_void_p)),
                                        c.POINTER(c.c_int)]
        lib.dkim_sig_getflags.restype = c.c_uint
        lib.dkim_sig_getflags.argtypes = [c.c_void_p]
        lib.dkim_sig_getbh.argtypes = [c.c_void_p]
        lib.dkim_sig_getdomain.restype = c.c_char_p
        lib.dkim_sig_getdomain.argtypes = [c.c_void_p]
        lib.dkim_sig_getselector.restype = c.c_char_p
        lib.dkim_sig_getselector.argtypes = [c.c_void_p]
        self.lib = lib
        self.handle = lib.dkim_init(None, None)
        method = c.c_int(self.QUERY_FILE)
        self._option(self.OPTS_QUERYMETHOD, c.byref(method), c.sizeof(method))
        self.path = c.create_string_buffer(records_path.encode())
        self._option(self.OPTS_QUERYINFO, self.path, len(records_path))

    def _option(self, option, pointer, size):
        if self.lib.dkim_options(self.handle, self.OP_SETOPT, option, pointer, size) != 0:
            raise RuntimeError("dkim_options(%d) failed" % option)

    def _feed(self, context, message):
        buffer = ctypes.create_string_buffer(message, len(message))
        self.lib.dkim_chunk(context, buffer, len(message))
        self.lib.dkim_chunk(context, None, 0)
        return self.lib.dkim_eom(context, None)

    def sign(self, message, key_pem, kind, selector, canon):
        status = ctypes.c_int()
        context = self.lib.dkim_sign(self.handle, b"crosscheck", None, key_pem, selector.encode(),
                                     DOMAIN.encode(), self.CANON[canon[0]],
                                     self.CANON[canon[1]], self.SIGN[kind], -1,
                                     ctypes.byref(status))
        if not context:
            raise RuntimeError("dkim_sign failed: %d" % status.value)
        try:
            if self._feed(context, message) != 0:
                raise RuntimeError("OpenDKIM could not sign")
            out = ctypes.create_string_buffer(16384)
            prefix = b"DKIM-Signature: "
            if self.lib.dkim_getsighdr(context, out, len(out), len(prefix)) != 0:
                raise RuntimeError("dkim_getsighdr failed")
            return prefix + to_crlf(out.value) + b"\r\n"
        finally:
            self.lib.dkim_free(context)

    def verify(self, message):
        """[(domain, selector, passed)] in header order."""
        status = ctypes.c_int()
        context = self.lib.dkim_verify(self.handle, b"crosscheck", None, ctypes.byref(status))
        try:
            self._feed(context, message)
            signatures = ctypes.POINTER(ctypes.c_void_p)()
            count = ctypes.c_int()
            if self.lib.dkim_getsiglist(context, ctypes.byref(signatures),
                                        ctypes.byref(count)) != 0:
                return []
            out = []
            for i in range(count.value):
                signature = signatures[i]
                flags = self.lib.dkim_sig_getflags(signature)
                body = self.lib.dkim_sig_getbh(signature)
                out.append(((self.lib.dkim_sig_getdomain(signature) or b"").decode(),
                            (self.lib.dkim_sig_getselector(signature) or b"").decode(),
                            bool(flags & self.SIGFLAG_PASSED) and body == self.SIGBH_MATCH))
            return out
        finally:
            self.lib.dkim_free(context)


class Harbor:
    def __init__(self, tool, records_path, work):
        self.tool = tool
        self.records_path = records_path
        self.work = work

    def _run(self, arguments, message):
        path = os.path.join(self.work, "message.eml")
        with open(path, "wb") as f:
            f.write(message)
        return subprocess.run([self.tool] + arguments + [path], capture_output=True, timeout=60)

    def sign(self, message, key_path, selector, canon):
        run = self._run(["sign", "--key", key_path, "--domain", DOMAIN, "--selector", selector,
                         "--canon", "%s/%s" % canon], message)
        if run.returncode != 0:
            raise RuntimeError("dkim_tool sign: " + run.stderr.decode(errors="replace"))
        return run.stdout

    def verify(self, message):
        """[(result, line)] in header order."""
        run = self._run(["verify", "--dns", self.records_path], message)
        if run.returncode not in (0, 1):
            raise RuntimeError("dkim_tool verify: " + run.stderr.decode(errors="replace"))
        lines = run.stdout.decode(errors="replace").splitlines()
        return [(line.split(" ", 1)[0], line) for line in lines]


class Dkimpy:
    def __init__(self, records):
        self.records = {("%s." % name).encode(): text.encode() for name, text in records.items()}

    def dnsfunc(self, name, timeout=5):
        return self.records.get(name)

    def sign(self, message, key, kind, selector, canon):
        return dkim.sign(message, selector.encode(), DOMAIN.encode(), key,
                         canonicalize=(canon[0].encode(), canon[1].encode()),
                         signature_algorithm=b"ed25519-sha256" if kind == "ed" else b"rsa-sha256")

    def verify_first(self, message):
        """(passed, detail) for the topmost signature."""
        try:
            passed = dkim.DKIM(message).verify(idx=0, dnsfunc=self.dnsfunc)
            return passed is True, str(passed)
        except Exception as error:  # dkimpy raises ValidationError on some refusals
            return False, repr(error)


def make_keys(tool, work):
    keys = {}
    for kind, algorithm in (("rsa", "rsa"), ("ed", "ed25519")):
        prefix = os.path.join(work, kind)
        subprocess.run([tool, "keygen", "--type", algorithm, "--out", prefix], check=True)
        with open(prefix + ".pem", "rb") as f:
            pem = f.read()
        with open(prefix + ".txt") as f:
            record = f.read().strip()
        if kind == "ed":
            # dkimpy reads Ed25519 private keys as the base64 of the 32-octet seed, which ends
            # the PKCS #8 DER (RFC 8410 §7).
            der = base64.b64decode(b"".join(pem.split(b"\n")[1:-2]))
            dkimpy_key = base64.b64encode(der[-32:])
        else:
            dkimpy_key = pem
        keys[kind] = {"pem": pem, "path": prefix + ".pem", "record": record,
                      "dkimpy": dkimpy_key, "selector": kind}
    return keys


class Tally:
    def __init__(self, verbose):
        self.passed = 0
        self.failures = []
        self.notes = []
        self.seen_known = set()
        self.skipped = set()  # (message, reason) OpenDKIM would not sign
        self.verbose = verbose

    def check(self, name, message_name, ok, detail):
        key = (name, message_name)
        if key in KNOWN_DIFFERENCES:
            self.seen_known.add(key)
            ok = not ok  # a listed difference must still differ
        if ok:
            self.passed += 1
        else:
            self.failures.append("%s %s: %s" % (name, message_name, detail))
        if self.verbose:
            print("%s %s %s" % ("ok  " if ok else "FAIL", name, message_name))


def tamper(signed):
    end = signed.find(b"\r\n\r\n") + 4
    return signed[:end] + b"Tampered.\r\n" + signed[end:]


class Verifiers:
    """The three verdicts on the topmost signature of a message."""

    def __init__(self, harbor, python, opendkim):
        self.harbor = harbor
        self.python = python
        self.opendkim = opendkim

    def run(self, signed, selector):
        results = self.harbor.verify(signed)
        harbor = bool(results) and results[0][0] == "pass"
        python, python_detail = self.python.verify_first(signed)
        found = self.opendkim.verify(signed)
        # None: OpenDKIM gave no verdict on the message at all.
        opendkim = None if not found else found[0] == (DOMAIN, selector, True)
        detail = "harbor %s | dkimpy %s | opendkim %s" % (
            results[0][1] if results else "no result", python_detail,
            found[0] if found else "no verdict")
        return harbor, python, opendkim, detail


def judge(tally, verifiers, signer, label, name, signed, selector):
    harbor, python, opendkim, detail = verifiers.run(signed, selector)
    if signer == "harbor":
        tally.check("harbor-signed passes dkimpy " + label, name, python, detail)
    tally.check("%s-signed: harbor agrees with dkimpy %s" % (signer, label), name,
                harbor == python, detail)
    if opendkim is not None and opendkim != python:
        tally.notes.append("opendkim differs from dkimpy on %s-signed %s %s: %s" %
                           (signer, label, name, detail))
    elif opendkim is None:
        tally.notes.append("opendkim gave no verdict on %s-signed %s %s" % (signer, label, name))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tool", required=True)
    parser.add_argument("--testdata", required=True)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dkim-crosscheck-") as work:
        keys = make_keys(args.tool, work)
        records = {"%s._domainkey.%s" % (k["selector"], DOMAIN): k["record"]
                   for k in keys.values()}
        records_path = os.path.join(work, "records.txt")
        with open(records_path, "w") as f:
            for name, text in records.items():
                f.write("%s %s\n" % (name, text))
        harbor = Harbor(args.tool, records_path, work)
        python = Dkimpy(records)
        opendkim = OpenDkim(records_path)
        tally = Tally(args.verbose)
        messages = collect_messages(args.testdata, args.limit)
        if len(messages) < 20:
            print("too few messages found under %s" % args.testdata)
            return 1

        verifiers = Verifiers(harbor, python, opendkim)
        for name, message in messages:
            for kind, key in keys.items():
                selector = key["selector"]
                for canon in CANONS:
                    label = "%s %s/%s" % (kind, canon[0], canon[1])
                    signed = harbor.sign(message, key["path"], selector, canon)
                    judge(tally, verifiers, "harbor", label, name, signed, selector)
                    field = python.sign(message, key["dkimpy"], kind, selector, canon)
                    judge(tally, verifiers, "dkimpy", label, name, field + message, selector)
                    try:
                        field = opendkim.sign(message, key["pem"], kind, selector, canon)
                    except RuntimeError as error:
                        # OpenDKIM's own header checks refuse a few corpus messages.
                        tally.skipped.add((name, str(error)))
                        continue
                    judge(tally, verifiers, "opendkim", label, name, field + message, selector)

                changed = tamper(harbor.sign(message, key["path"], selector,
                                             ("relaxed", "relaxed")))
                harbor_ok, python_ok, opendkim_ok, detail = verifiers.run(changed, selector)
                tally.check("changed body fails %s" % kind, name,
                            not harbor_ok and not python_ok and not opendkim_ok, detail)

        stale = set(KNOWN_DIFFERENCES) - tally.seen_known
        for key in sorted(stale):
            tally.failures.append("listed difference no longer seen: %s %s" % key)
        for failure in tally.failures:
            print("FAIL " + failure)
        for name, reason in sorted(tally.skipped):
            print("note: OpenDKIM would not sign %s (%s)" % (name, reason))
        if args.verbose:
            for note in tally.notes:
                print("note: " + note)
        print("%d notes on OpenDKIM (--verbose lists them)" % len(tally.notes))
        print("%d messages; %d passed, %d failed" % (len(messages), tally.passed,
                                                      len(tally.failures)))
        return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
