#!/usr/bin/python3
"""Differential test: Harbor's ARC (src/auth/arc, through arc_tool) against dkimpy's.

Two implementations seal and validate the same messages along mail paths of several hops:

  Harbor   arc_tool seal / validate (src/auth/arc/arc_tool.cpp); key records from a file.
  dkimpy   Debian's python3-dkim (1.1.4): dkim.arc_sign / dkim.arc_verify, whose dnsfunc answers
           from the same records. dkimpy reproduces all 171 results of the ValiMail ARC suite
           (shared/testdata/dkim-arc/crosscheck/README.txt), so it is the reference here.

A dkimpy hop validates the message, records the result in an Authentication-Results field of
its authserv-id (arc_sign reads cv= from there) and seals; a Harbor hop validates and seals in
one arc_tool call. After every hop both validate the message as it now is. Paths, over each
message:

  harbor-dkimpy      Harbor RSA, dkimpy, Harbor RSA, dkimpy     every hop: both say pass
  dkimpy-harbor      dkimpy, Harbor RSA, dkimpy, Harbor RSA     every hop: both say pass
  harbor-ed25519     Harbor Ed25519, Harbor RSA, Harbor Ed25519 Harbor says pass; dkimpy 1.1.4
                     cannot validate ed25519-sha256 ARC signatures ("unknown signature
                     algorithm", crosscheck/README.txt), so its verdict is only printed
  broken-by-harbor   Harbor seals, the body changes, both must say fail; dkimpy seals cv=fail
                     over its own set alone (RFC 8617 §5.1.2); Harbor must then call the chain
                     ended (terminated=1) and refuse to seal (§5.1 step 2), dkimpy must answer
                     None ("the chain is terminated")
  broken-by-dkimpy   the same with the roles swapped: Harbor seals the cv=fail set, dkimpy must
                     see the chain ended, Harbor too

Keys: `arc_tool keygen` makes an RSA 2048 and an Ed25519 key for Harbor (harbor.example) and an
RSA 2048 key for dkimpy (dkimpy.example). Messages: dkimpy's test messages and a few of the
MIME corpora in ../shared/testdata/mime, in SMTP form (CRLF, no mbox "From " line), with a From.

Usage: arc_crosscheck.py --tool PATH/TO/arc_tool --testdata PATH/TO/shared/testdata [--verbose]
Prints the counts and "N passed, N failed"; exits non-zero on any failure.
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile

import dkim  # Debian python3-dkim

HARBOR_DOMAIN = "harbor.example"
DKIMPY_DOMAIN = "dkimpy.example"
DKIMPY_SRV_ID = "mx.dkimpy.example"
HARBOR_SRV_ID = "mx.harbor.example"
MAX_MESSAGE = 64 * 1024
MAX_CORPUS_MESSAGES = 6


def to_crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def has_from(message):
    end = message.find(b"\r\n\r\n")
    header = message if end < 0 else message[:end + 2]
    return any(line.lower().startswith(b"from:") for line in header.split(b"\r\n"))


def collect_messages(testdata):
    names = [os.path.join(testdata, "dkim-arc/dkimpy-tests/data", name)
             for name in ("test.txt", "rfc6376.msg", "test2.txt")]
    corpus = sorted(glob.glob(os.path.join(
        testdata, "mime/stalwart-mail-parser/resources/eml/rfc/*.eml")))
    messages = []
    for path in names + corpus:
        with open(path, "rb") as stream:
            data = to_crlf(stream.read())
        if data.startswith(b"From "):
            data = data[data.find(b"\r\n") + 2:]
        if len(data) > MAX_MESSAGE or not has_from(data) or b"\r\n\r\n" not in data:
            continue
        messages.append((os.path.basename(path), data))
        if path in corpus and len(messages) >= len(names) + MAX_CORPUS_MESSAGES:
            break
    return messages


class Checker:
    def __init__(self, tool, workdir, verbose):
        self.tool = tool
        self.workdir = workdir
        self.verbose = verbose
        self.passed = 0
        self.failures = []
        self.counts = {}
        self.zone = {}
        self.keys = {}
        for name, kind, domain in (("harbor-rsa", "rsa", HARBOR_DOMAIN),
                                   ("harbor-ed", "ed25519", HARBOR_DOMAIN),
                                   ("dkimpy-rsa", "rsa", DKIMPY_DOMAIN)):
            prefix = os.path.join(workdir, name)
            subprocess.run([tool, "keygen", "--type", kind, "--out", prefix], check=True)
            with open(prefix + ".txt", encoding="ascii") as stream:
                selector = name.split("-")[1]
                self.zone["%s._domainkey.%s" % (selector, domain)] = stream.read().strip()
            self.keys[name] = (prefix + ".pem", domain, selector)
        self.zone_file = os.path.join(workdir, "zone.txt")
        with open(self.zone_file, "w", encoding="ascii") as stream:
            for name, record in self.zone.items():
                stream.write("%s %s\n" % (name, record))

    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    def judge(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)
            print("FAIL " + what)

    # dkimpy's side.
    def dnsfunc(self, name, timeout=5):
        text = name.decode("ascii").rstrip(".").lower()
        record = self.zone.get(text)
        return record.encode("ascii") if record is not None else None

    def dkimpy_validate(self, message):
        cv, _, reason = dkim.arc_verify(message, dnsfunc=self.dnsfunc)
        return (cv.decode("ascii") if cv is not None else "ended"), reason

    def dkimpy_seal(self, message):
        cv, _ = self.dkimpy_validate(message)
        if cv == "ended":
            return None
        # This ADMD's results from an earlier pass go (RFC 8601 §5): arc_sign merges every
        # field of its authserv-id and would find two arc= results.
        own = b"Authentication-Results: %s;" % DKIMPY_SRV_ID.encode("ascii")
        lines = message.split(b"\r\n")
        message = b"\r\n".join(line for line in lines if not line.startswith(own))
        stamped = b"%s arc=%s\r\n" % (own, cv.encode("ascii"))
        message = stamped + message
        path, domain, selector = self.keys["dkimpy-rsa"]
        with open(path, "rb") as stream:
            key = stream.read()
        fields = dkim.arc_sign(message, selector.encode("ascii"), domain.encode("ascii"), key,
                               DKIMPY_SRV_ID.encode("ascii"))
        if not fields:
            return None
        return b"".join(fields) + message

    # Harbor's side.
    def harbor_validate(self, message):
        result = subprocess.run([self.tool, "validate", "--dns", self.zone_file],
                                input=message, capture_output=True, check=True)
        line = result.stdout.decode("utf-8", "replace").strip()
        fields = dict(part.split("=", 1) for part in line.split(" reason=")[0].split())
        return fields, line

    def harbor_seal(self, message, key):
        path, domain, selector = self.keys[key]
        result = subprocess.run([self.tool, "seal", "--dns", self.zone_file, "--key", path,
                                 "--domain", domain, "--selector", selector,
                                 "--authserv-id", HARBOR_SRV_ID],
                                input=message, capture_output=True)
        if result.returncode == 1:
            return None
        if result.returncode != 0:
            raise RuntimeError(result.stderr.decode())
        return result.stdout

    def both_pass(self, message, what, dkimpy_judged=True):
        harbor, line = self.harbor_validate(message)
        cv, reason = self.dkimpy_validate(message)
        if self.verbose:
            print("%s: harbor %s | dkimpy %s %s" % (what, line, cv, reason))
        self.judge(harbor["cv"] == "pass", "%s: Harbor says %s" % (what, line))
        if dkimpy_judged:
            self.judge(cv == "pass", "%s: dkimpy says %s (%s)" % (what, cv, reason))
        else:
            self.count("ed25519 chains dkimpy cannot validate" if cv != "pass"
                       else "ed25519 chains dkimpy validated")
        return harbor

    def run_path(self, name, data, hops):
        message = data
        for number, hop in enumerate(hops, start=1):
            what = "%s %s hop %d (%s)" % (name, path_name(hops), number, hop)
            if hop == "dkimpy":
                message = self.dkimpy_seal(message)
                self.judge(message is not None, what + ": dkimpy did not seal")
                if message is None:
                    return
                self.count("sets sealed by dkimpy")
            else:
                message = self.harbor_seal(message, hop)
                self.judge(message is not None, what + ": Harbor did not seal")
                if message is None:
                    return
                self.count("sets sealed by Harbor (%s)" % hop)
            ed25519 = any(h == "harbor-ed" for h in hops[:number])
            harbor = self.both_pass(message, what, dkimpy_judged=not ed25519)
            self.judge(harbor["sets"] == str(number),
                       "%s: Harbor counts %s sets" % (what, harbor["sets"]))
            if not ed25519:
                self.count("chains validated by both")

    def run_broken(self, name, data, first, second):
        what = "%s broken-by-%s" % (name, second)
        message = self.dkimpy_seal(data) if first == "dkimpy" else self.harbor_seal(data, first)
        changed = message + b"a line added on the way\r\n"
        harbor, line = self.harbor_validate(changed)
        cv, reason = self.dkimpy_validate(changed)
        self.judge(harbor["cv"] == "fail", "%s: Harbor says %s on a changed body" % (what, line))
        self.judge(cv == "fail", "%s: dkimpy says %s on a changed body" % (what, cv))
        if second == "dkimpy":
            sealed = self.dkimpy_seal(changed)
        else:
            sealed = self.harbor_seal(changed, "harbor-rsa")
        self.judge(sealed is not None, "%s: %s did not seal the failed chain" % (what, second))
        if sealed is None:
            return
        self.count("cv=fail sets sealed by " + second)
        harbor, line = self.harbor_validate(sealed)
        cv, reason = self.dkimpy_validate(sealed)
        self.judge(harbor["cv"] == "fail" and harbor["terminated"] == "1",
                   "%s: Harbor says %s after cv=fail" % (what, line))
        self.judge(cv == "ended", "%s: dkimpy says %s (%s) after cv=fail" % (what, cv, reason))
        self.judge(self.harbor_seal(sealed, "harbor-rsa") is None,
                   "%s: Harbor sealed after cv=fail" % what)
        self.judge(self.dkimpy_seal(sealed) is None, "%s: dkimpy sealed after cv=fail" % what)


def path_name(hops):
    return "-".join(hops)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--testdata", required=True)
    parser.add_argument("--verbose", action="store_true")
    arguments = parser.parse_args()
    messages = collect_messages(arguments.testdata)
    if len(messages) < 4:
        print("too few messages found under " + arguments.testdata)
        return 1
    with tempfile.TemporaryDirectory() as workdir:
        checker = Checker(arguments.tool, workdir, arguments.verbose)
        for name, data in messages:
            checker.run_path(name, data, ["harbor-rsa", "dkimpy", "harbor-rsa", "dkimpy"])
            checker.run_path(name, data, ["dkimpy", "harbor-rsa", "dkimpy", "harbor-rsa"])
            checker.run_path(name, data, ["harbor-ed", "harbor-rsa", "harbor-ed"])
            checker.run_broken(name, data, "harbor-rsa", "dkimpy")
            checker.run_broken(name, data, "dkimpy", "harbor")
    print("%d messages" % len(messages))
    for what in sorted(checker.counts):
        print("%s: %d" % (what, checker.counts[what]))
    print("%d passed, %d failed" % (checker.passed, len(checker.failures)))
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
