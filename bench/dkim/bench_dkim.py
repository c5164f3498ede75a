#!/usr/bin/python3
"""DKIM signatures and verifications per second: Harbor against dkimpy and OpenDKIM (issue 8).

What it measures, single-threaded and in-process (no network): operations per second of
DKIM signing and verifying, relaxed/relaxed (RFC 6376 §3.4.2, §3.4.4), with an RSA-2048 key
(rsa-sha256) and an Ed25519 key (ed25519-sha256, RFC 8463), over two messages. Three sides:

  Harbor    bench_dkim (bench/dkim/bench_dkim.cpp, a Release build), run as the server runs:
            sign_message with the private key parsed once (the server keeps each domain's
            signing key); verify_message over a StaticZone (the key record served from memory
            and parsed on every verification, p= parsed once by the process-wide
            PublicKeyCache). The column "Harbor, key parsed per message" (--parse-key-each-time)
            parses every time instead, as the two peers do: load_private_key for each
            signature, p= for each verification (the cache emptied first).
  dkimpy    Debian's python3-dkim: dkim.sign (it takes the PEM and parses it on every call),
            dkim.DKIM(message).verify with a dnsfunc answering from memory. Its RSA is its own
            pure-Python code (CRT modular exponentiation); Ed25519 goes through PyNaCl.
  OpenDKIM  Debian's libopendkim11 through ctypes (the OpenDkim class of
            tests/differential/dkim_crosscheck.py): dkim_sign / dkim_verify, dkim_chunk, dkim_eom
            on one DKIM_LIB handle; dkim_sign takes the PEM on every call; key records come from
            a file (DKIM_QUERY_FILE), read on every verification. About ten ctypes calls per
            operation (a few microseconds) are counted against it.

Messages, in SMTP form (CRLF line ends, a final CRLF, any DKIM-Signature and ARC fields
removed so that only the benchmark's own signature is verified):
  4 KiB   mime/crymap/src/test_data/enron_keavey-p_inbox_551.eml (a plain-text notification)
  80 KiB  mime/wildduck-imap-core-tests/imap-core/test/fixtures/append.eml (an HTML newsletter)
from ../shared/testdata (--testdata); the corpora hold no message nearer 100 KiB.

Keys come from the openssl command line (none of the three sides makes them). Each cell runs
--rounds rounds of --seconds seconds after a --warmup, the sides in a rotating order, and
reports the median rate, and the median of the per-round Harbor/peer ratios. Every operation
is checked: a signing error, a verification that does not pass (each side verifies the same
message, signed by Harbor), and, outside the timing, the last signature each side made must
pass all three verifiers. Any failure prints "# ERROR" and makes the exit status 1, so no
figure can be the rate of a failure path.

    cmake -S . -B build/h-dkbench -G Ninja -DCMAKE_BUILD_TYPE=Release
    ninja -C build/h-dkbench bench_dkim
    /usr/bin/python3 bench/dkim/bench_dkim.py --bench build/h-dkbench/bench/dkim/bench_dkim
    # --smoke: what ctest runs (bench_dkim_smoke): one round of 0.2 s per cell.
    # --json FILE: the table's medians and ratios, for bench/run_all.py.
"""

import argparse
import base64
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "differential"))

from dkim_crosscheck import DOMAIN, Dkimpy, OpenDkim, to_crlf  # noqa: E402

CANON = ("relaxed", "relaxed")
MESSAGES = [
    ("4 KiB", "mime/crymap/src/test_data/enron_keavey-p_inbox_551.eml"),
    ("80 KiB", "mime/wildduck-imap-core-tests/imap-core/test/fixtures/append.eml"),
]
KEYS = [("rsa", "RSA-2048"), ("ed", "Ed25519")]
SIDES = ["Harbor", "dkimpy", "OpenDKIM"]
EACH = "Harbor, key parsed per message"  # bench_dkim --parse-key-each-time
DROPPED_FIELDS = re.compile(rb"(dkim-signature|arc-[a-z-]+):", re.IGNORECASE)


class BenchError(Exception):
    pass


def smtp_form(data):
    """CRLF line ends, a final CRLF, no mbox separator, no DKIM-Signature or ARC-* fields."""
    if data.startswith(b"From "):
        data = data[data.find(b"\n") + 1:]
    message = to_crlf(data)
    if not message.endswith(b"\r\n"):
        message += b"\r\n"  # SMTP DATA always ends a message with CRLF (RFC 5321 §4.1.1.4)
    end = message.find(b"\r\n\r\n")
    kept, dropping = [], False
    for line in message[:end].split(b"\r\n"):
        if line[:1] not in (b" ", b"\t"):
            dropping = DROPPED_FIELDS.match(line) is not None
        if not dropping:
            kept.append(line)
    return b"\r\n".join(kept) + message[end:]


def run(command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, **kwargs)


def make_key(kind, work):
    """An openssl-made key: PEM path and text, the key record, dkimpy's private key form."""
    path = os.path.join(work, kind + ".pem")
    algorithm = (["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] if kind == "rsa"
                 else ["-algorithm", "ed25519"])
    run(["openssl", "genpkey", *algorithm, "-out", path])
    public = run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"]).stdout
    with open(path, "rb") as f:
        pem = f.read()
    if kind == "rsa":
        record = "v=DKIM1; k=rsa; p=" + base64.b64encode(public).decode()
        dkimpy_key = pem
    else:
        # RFC 8463 §4.2: p= is the 32 raw octets, which end the SubjectPublicKeyInfo; dkimpy
        # takes the base64 of the 32-octet seed, which ends the PKCS #8 DER (RFC 8410 §7).
        record = "v=DKIM1; k=ed25519; p=" + base64.b64encode(public[-32:]).decode()
        private = run(["openssl", "pkey", "-in", path, "-outform", "DER"]).stdout
        dkimpy_key = base64.b64encode(private[-32:])
    return {"kind": kind, "selector": kind, "path": path, "pem": pem, "record": record,
            "dkimpy": dkimpy_key}


def timed(operation, seconds, warmup):
    """Operations per second of `operation` (which raises on a wrong result)."""
    deadline = time.perf_counter() + warmup
    while True:
        operation()
        if time.perf_counter() >= deadline:
            break
    ops, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        operation()
        ops += 1
        now = time.perf_counter()
        if now >= deadline:
            return ops / (now - start)


class HarborSide:
    def __init__(self, binary, records_path, work):
        self.binary = binary
        self.records_path = records_path
        self.work = work

    def _run(self, arguments):
        done = subprocess.run([self.binary] + arguments, capture_output=True, timeout=600)
        if done.returncode != 0:
            raise BenchError("bench_dkim %s: %s" % (arguments[0], done.stderr.decode().strip()))
        return json.loads(done.stdout.decode().strip().splitlines()[-1])["ops_per_second"]

    def sign_rate(self, message_path, key, seconds, warmup, out_path, each_time=False):
        return self._run(["sign", "--key", key["path"], "--domain", DOMAIN, "--selector",
                          key["selector"], "--dns", self.records_path, "--out", out_path,
                          "--seconds", str(seconds), "--warmup", str(warmup), message_path]
                         + (["--parse-key-each-time"] if each_time else []))

    def verify_rate(self, message_path, seconds, warmup, each_time=False):
        return self._run(["verify", "--dns", self.records_path, "--seconds", str(seconds),
                          "--warmup", str(warmup), message_path]
                         + (["--parse-key-each-time"] if each_time else []))

    def passes(self, signed):
        path = os.path.join(self.work, "check.eml")
        with open(path, "wb") as f:
            f.write(signed)
        try:
            self.verify_rate(path, 0, 0)  # one verification, checked by bench_dkim
            return True, ""
        except BenchError as error:
            return False, str(error)


class Peers:
    """dkimpy and OpenDKIM: sign and verify operations that raise on a wrong result."""

    def __init__(self, records, records_path):
        self.dkimpy = Dkimpy(records)
        self.opendkim = OpenDkim(records_path)

    def sign(self, side, message, key):
        if side == "dkimpy":
            field = self.dkimpy.sign(message, key["dkimpy"], key["kind"], key["selector"], CANON)
        else:
            field = self.opendkim.sign(message, key["pem"], key["kind"], key["selector"], CANON)
        if not field.startswith(b"DKIM-Signature:"):
            raise BenchError("%s made no DKIM-Signature field: %r" % (side, field[:80]))
        return field

    def passes(self, side, signed, selector):
        if side == "dkimpy":
            return self.dkimpy.verify_first(signed)
        found = self.opendkim.verify(signed)
        return found == [(DOMAIN, selector, True)], str(found)

    def verify(self, side, signed, selector):
        passed, detail = self.passes(side, signed, selector)
        if not passed:
            raise BenchError("%s did not pass the message: %s" % (side, detail))


def unsupported(peers, keys):
    """{(side, kind): reason} for combinations a peer cannot do here."""
    out = {}
    if importlib.util.find_spec("nacl") is None:
        out[("dkimpy", "ed")] = "dkimpy needs PyNaCl (python3-nacl) for Ed25519"
    probe = b"From: a@example.com\r\nSubject: probe\r\n\r\nprobe\r\n"
    try:
        peers.sign("OpenDKIM", probe, keys["ed"])
    except (RuntimeError, BenchError) as error:
        out[("OpenDKIM", "ed")] = "this libopendkim cannot sign Ed25519 (%s)" % error
    return out


class Cell:
    def __init__(self, size, kind, op):
        self.size, self.kind, self.op = size, kind, op
        self.rates = {side: [] for side in SIDES + [EACH]}
        self.missing = {}  # side -> reason

    def median(self, side):
        return statistics.median(self.rates[side]) if self.rates[side] else None


def check_signatures(harbor, peers, signed_by, key, skip):
    """Outside the timing: the last message each side signed passes all three verifiers."""
    for signer, signed in signed_by.items():
        for verifier in SIDES:
            if (verifier, key["kind"]) in skip:
                continue
            if verifier == "Harbor":
                passed, detail = harbor.passes(signed)
            else:
                passed, detail = peers.passes(verifier, signed, key["selector"])
            if not passed:
                raise BenchError("%s's %s signature fails %s: %s" %
                                 (signer, key["kind"], verifier, detail))


def measure(args, harbor, peers, messages, keys, skip, work):
    cells = []
    for size, message in messages:
        message_path = os.path.join(work, "message.eml")
        with open(message_path, "wb") as f:
            f.write(message)
        for kind, _ in KEYS:
            key = keys[kind]
            sign, verify = Cell(size, kind, "sign"), Cell(size, kind, "verify")
            harbor_signed_path = os.path.join(work, "signed-harbor.eml")
            signed_by = {}
            for round_index in range(args.rounds):
                order = SIDES[round_index % 3:] + SIDES[:round_index % 3]
                for side in order:
                    if (side, kind) in skip:
                        sign.missing[side] = verify.missing[side] = skip[(side, kind)]
                        continue
                    if side == "Harbor":
                        sign.rates[side].append(harbor.sign_rate(
                            message_path, key, args.seconds, args.warmup, harbor_signed_path))
                        with open(harbor_signed_path, "rb") as f:
                            signed_by[side] = f.read()
                        sign.rates[EACH].append(harbor.sign_rate(
                            message_path, key, args.seconds, args.warmup,
                            os.path.join(work, "signed-each.eml"), each_time=True))
                    else:
                        last = [None]

                        def sign_once(side=side, last=last):
                            last[0] = peers.sign(side, message, key)

                        sign.rates[side].append(timed(sign_once, args.seconds, args.warmup))
                        signed_by[side] = last[0] + message
            check_signatures(harbor, peers, signed_by, key, skip)
            # Every verifier gets the same input: the message as Harbor signed it.
            signed = signed_by["Harbor"]
            for round_index in range(args.rounds):
                order = SIDES[round_index % 3:] + SIDES[:round_index % 3]
                for side in order:
                    if (side, kind) in skip:
                        continue
                    if side == "Harbor":
                        verify.rates[side].append(harbor.verify_rate(
                            harbor_signed_path, args.seconds, args.warmup))
                        verify.rates[EACH].append(harbor.verify_rate(
                            harbor_signed_path, args.seconds, args.warmup, each_time=True))
                    else:
                        verify.rates[side].append(timed(
                            lambda side=side: peers.verify(side, signed, key["selector"]),
                            args.seconds, args.warmup))
            cells += [sign, verify]
            print("# %s %s done" % (size, kind), file=sys.stderr, flush=True)
    return cells


def rate_text(rate):
    return "%.0f" % rate if rate >= 100 else "%.1f" % rate


def print_table(cells, key_names):
    print("| key | message | operation | Harbor ops/s | dkimpy ops/s | OpenDKIM ops/s "
          "| Harbor/dkimpy | Harbor/OpenDKIM | %s |" % EACH)
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    notes = set()
    for cell in cells:
        harbor = cell.median("Harbor")
        row = [key_names[cell.kind], cell.size, cell.op, rate_text(harbor)]
        ratios = []
        for side in ("dkimpy", "OpenDKIM"):
            peer = cell.median(side)
            if peer is None:
                row.append("n/a")
                ratios.append("n/a")
                notes.add("%s: %s" % (side, cell.missing[side]))
            else:
                row.append(rate_text(peer))
                # Per round, then the median: the sides of one round ran back to back, so the
                # machine's load drifts less within a round than across rounds.
                ratio = statistics.median(h / p for h, p in zip(cell.rates["Harbor"],
                                                                cell.rates[side]))
                ratios.append("%.1f×" % ratio)
        each = cell.median(EACH)
        ratios.append(rate_text(each) if each is not None else "")
        print("| " + " | ".join(row + ratios) + " |")
    for note in sorted(notes):
        print("n/a: " + note)


def summary(cells, key_names):
    """The table as data (--json): per cell the median rates and the Harbor/peer ratios, the
    same medians of per-round ratios print_table shows; a peer that could not run has none."""
    out = []
    for cell in cells:
        ratios = {side: statistics.median(h / p for h, p in zip(cell.rates["Harbor"],
                                                                cell.rates[side]))
                  for side in ("dkimpy", "OpenDKIM") if cell.rates[side]}
        out.append({"key": key_names[cell.kind], "message": cell.size, "operation": cell.op,
                    "ops_per_s": {side: cell.median(side) for side in SIDES + [EACH]},
                    "ratio": ratios, "missing": cell.missing})
    return out


def machine_note():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        dkimpy = importlib.metadata.version("dkimpy")
    except importlib.metadata.PackageNotFoundError:
        dkimpy = "?"
    return "%s, %d cores, Python %s, dkimpy %s, %s" % (
        model, os.cpu_count(), platform.python_version(), dkimpy,
        run(["openssl", "version"]).stdout.decode().strip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", required=True, help="the bench_dkim binary")
    parser.add_argument("--testdata", default=os.path.join(HERE, "..", "..", "..", "shared",
                                                           "testdata"))
    parser.add_argument("--seconds", type=float, default=2.0, help="per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--smoke", action="store_true", help="one round of 0.2 s (ctest)")
    parser.add_argument("--json", help="write the table's figures here as well")
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.rounds, args.warmup = 0.2, 1, 0.05

    messages = []
    for size, relative in MESSAGES:
        with open(os.path.join(args.testdata, relative), "rb") as f:
            messages.append((size, smtp_form(f.read())))
    with tempfile.TemporaryDirectory(prefix="bench-dkim-") as work:
        keys = {kind: make_key(kind, work) for kind, _ in KEYS}
        records = {"%s._domainkey.%s" % (k["selector"], DOMAIN): k["record"]
                   for k in keys.values()}
        records_path = os.path.join(work, "records.txt")
        with open(records_path, "w") as f:
            f.writelines("%s %s\n" % item for item in records.items())
        harbor = HarborSide(os.path.abspath(args.bench), records_path, work)
        peers = Peers(records, records_path)
        skip = unsupported(peers, keys)
        started = datetime.datetime.now(datetime.timezone.utc)
        load_before = os.getloadavg()[0]
        try:
            cells = measure(args, harbor, peers, messages, keys, skip, work)
        except (BenchError, RuntimeError, subprocess.CalledProcessError) as error:
            print("# ERROR %s" % error)
            return 1
    print("# %s UTC, load average %.2f at the start, %.2f at the end; %s" % (
        started.strftime("%Y-%m-%d %H:%M"), load_before, os.getloadavg()[0], machine_note()))
    print("# messages: %s; relaxed/relaxed; median of %d rounds of %.1f s per side" % (
        ", ".join("%s = %d bytes" % (size, len(m)) for size, m in messages), args.rounds,
        args.seconds))
    print_table(cells, dict(KEYS))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rounds": args.rounds, "seconds": args.seconds,
                       "cells": summary(cells, dict(KEYS))}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
