#!/usr/bin/python3
"""POP3 RETR: Harbor against Dovecot's POP3 in the same run (issue 6 "Proof").

What it measures, on loopback: one POP3 session logs in (USER/PASS, no TLS on either side:
both listeners are trusted plaintext) to a maildrop of --messages messages and fetches every
one of them with RETR, then QUITs without deleting anything. Two client styles:
- sequential: one RETR at a time, waiting for each answer (fetchmail, poplib);
- pipelined: up to --window RETRs in flight (RFC 2449 PIPELINING; Dovecot pipelines too).
Reported per server: the seconds from the first RETR to the last octet of the last answer
(login excluded; also shown), messages per second and MB per second, the median of --runs
runs after one warm-up session (STAT + LIST + UIDL: both servers build their caches then;
Dovecot its index, Harbor its POP3 sizes). Which server goes first alternates per run. Every
answer is checked: it starts with "+OK", and the byte count of the maildrop matches LIST.

Both servers get the same messages (deterministic, 1-8 KiB, some with lines starting with
"." so byte-stuffing happens), filled over IMAP APPEND (Dovecot with mail_fsync = never while
filling, restarted with Debian's default after; see bench/imap_load/imap_peers.py). Builds
nothing: give it the harbor binary.
    cmake -S . -B build/h-pbench -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build/h-pbench harbor
    /usr/bin/python3 bench/pop3_retr/bench_pop3.py --harbor build/h-pbench/src/harbor
Needs Debian's dovecot-imapd and dovecot-pop3d (scripts/deps, scripts/deps-bench).
    # --smoke: what ctest runs (bench_pop3_smoke; 40 messages, one run, 8 in flight), so the
    # benchmark cannot rot. Any error either server answers (a -ERR, a short RETR, a listing
    # of the wrong length, a failed fill) is printed as "# HARBOR ERROR" or "# DOVECOT ERROR"
    # and makes the exit status 1, in a full run as in the smoke.
    # --json FILE: the medians of the table and the errors, for bench/run_all.py.
"""

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "imap_load"))

import imap_peers  # noqa: E402
from imap_peers import DOMAIN, PASSWORD, free_port  # noqa: E402

READER = f"reader@{DOMAIN}"
IO_TIMEOUT = 60.0
FILL_THREADS = 8


class HarborPop3Peer(imap_peers.HarborPeer):
    """HarborPeer with a pop3 listener next to its imap one (same config otherwise)."""

    def prepare(self, accounts, cheap_hash=None):
        self.pop3_port = free_port()
        super().prepare(accounts, cheap_hash)
        with open(self.config_file, "a", encoding="utf-8") as out:
            out.write("\n".join([
                "", "[[listener]]", 'name = "pop3"', 'protocol = "pop3"',
                'address = "127.0.0.1"', f"port = {self.pop3_port}", 'tls = "none"',
                "trusted_plaintext = true"]) + "\n")


class DovecotPop3Peer(imap_peers.DovecotPeer):
    """DovecotPeer speaking POP3 too: a pop3-login listener on its own port, USER/PASS allowed
    in plaintext as for IMAP (disable_plaintext_auth = no)."""

    pop3_port = None

    def _write_config(self):
        if self.pop3_port is None:
            self.pop3_port = free_port()
        path = super()._write_config()
        with open(path, encoding="ascii") as conf:
            text = conf.read()
        text = text.replace("protocols = imap\n", "protocols = imap pop3\n")
        text += ("service pop3-login {\n  inet_listener pop3 {\n    address = 127.0.0.1\n"
                 f"    port = {self.pop3_port}\n  }}\n  inet_listener pop3s {{\n    port = 0\n"
                 "  }\n}\nprotocol pop3 {\n  mail_max_userip_connections = 100\n}\n")
        with open(path, "w", encoding="ascii") as conf:
            conf.write(text)
        return path


def make_messages(count, seed=6):
    """Deterministic messages of 1-8 KiB, CRLF; every tenth has body lines starting with "."."""
    rng = random.Random(seed)
    words = ["harbor", "dovecot", "pop3", "retr", "mail", "octet", "stuffing", "line", "drop"]
    messages = []
    for n in range(count):
        lines = [f"From: sender{n % 97}@remote.example", f"To: {READER}",
                 f"Subject: bench message {n}", f"Message-ID: <pop3-{n}@bench.test>",
                 "Date: Mon, 1 Jan 2024 00:00:00 +0000", ""]
        size = rng.randint(1024, 8192)
        body = 0
        while body < size:
            line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
            if n % 10 == 0 and rng.random() < 0.2:
                line = "." + line
            lines.append(line)
            body += len(line) + 2
        messages.append(("\r\n".join(lines) + "\r\n").encode())
    return messages


def imap_fill(port, messages):
    """APPENDs the messages to READER's INBOX over FILL_THREADS IMAP connections."""
    chunks = [messages[i::FILL_THREADS] for i in range(FILL_THREADS)]
    errors = []

    def fill(chunk):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as sock:
                reader = sock.makefile("rb")
                reader.readline()
                sock.sendall(f"a LOGIN {READER} {PASSWORD}\r\n".encode())
                while not reader.readline().startswith(b"a "):
                    pass
                for number, message in enumerate(chunk):
                    tag = f"t{number}".encode()
                    sock.sendall(tag + b" APPEND INBOX {%d}\r\n" % len(message))
                    if not reader.readline().startswith(b"+"):
                        raise RuntimeError("no continuation for APPEND")
                    sock.sendall(message + b"\r\n")
                    while True:
                        line = reader.readline()
                        if line.startswith(tag + b" "):
                            if not line.startswith(tag + b" OK"):
                                raise RuntimeError(line.decode(errors="replace"))
                            break
                sock.sendall(b"z LOGOUT\r\n")
        except Exception as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=fill, args=(chunk,)) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"filling failed: {errors[0]}")


class Pop3Client:
    """A minimal POP3 client: raw socket, one buffer, responses split by hand."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        self.buffer = bytearray()
        self.line()

    def fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("server closed the connection")
        self.buffer += chunk

    def line(self):
        while (end := self.buffer.find(b"\r\n")) < 0:
            self.fill()
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 2]
        return line

    def multiline(self):
        """A "+OK" answer and its data up to the terminating ".": (status, data octets)."""
        status = self.line()
        if not status.startswith(b"+OK"):
            raise RuntimeError(f"server said {status!r}")
        start = 0
        while True:
            if self.buffer.startswith(b".\r\n"):
                end = 0
                break
            end = self.buffer.find(b"\r\n.\r\n", start)
            if end >= 0:
                end += 2
                break
            start = max(0, len(self.buffer) - 4)
            self.fill()
        data = bytes(self.buffer[:end])
        del self.buffer[:end + 3]
        return status, data

    def command(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        status = self.line()
        if not status.startswith(b"+OK"):
            raise RuntimeError(f"{text.split()[0]}: server said {status!r}")
        return status

    def login(self):
        self.command(f"USER {READER}")
        self.command(f"PASS {PASSWORD}")

    def close(self):
        try:
            self.sock.sendall(b"QUIT\r\n")
            self.line()
        finally:
            self.sock.close()


def unstuffed_size(data):
    """Octets of a RETR answer once the byte-stuffing is undone (what LIST must report)."""
    return len(data) - data.count(b"\r\n..") - (1 if data.startswith(b"..") else 0)


def warm_up(port):
    client = Pop3Client(port)
    client.login()
    client.sock.sendall(b"LIST\r\n")
    _, listing = client.multiline()
    client.sock.sendall(b"UIDL\r\n")
    client.multiline()
    client.close()
    return [int(line.split()[1]) for line in listing.split(b"\r\n") if line]


def retr_all(port, count, window, sizes):
    """Seconds for login, and for RETR 1..count (window in flight; 1 = sequential)."""
    started = time.perf_counter()
    client = Pop3Client(port)
    client.login()
    logged_in = time.perf_counter()
    received = 0
    sent = 0
    for number in range(1, count + 1):
        while sent < min(count, number - 1 + window):
            sent += 1
            client.sock.sendall(b"RETR %d\r\n" % sent)
        _, data = client.multiline()
        if unstuffed_size(data) != sizes[number - 1]:
            raise RuntimeError(f"RETR {number}: {unstuffed_size(data)} octets, LIST said "
                               f"{sizes[number - 1]}")
        received += len(data)
    done = time.perf_counter()
    client.close()
    return logged_in - started, done - logged_in, received


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--harbor", required=True)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=int, default=64, help="RETRs in flight, pipelined")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--json", help="write the medians and the errors here as well "
                        "(bench/run_all.py reads it)")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny run for ctest; exits 1 if either server reports an error")
    args = parser.parse_args()
    if args.smoke:
        args.messages, args.runs, args.window = 40, 1, 8

    workdir = imap_peers.make_workdir("harbor-pop3-bench-", None)
    harbor = HarborPop3Peer(args.harbor, workdir)
    dovecot = DovecotPop3Peer(workdir)
    errors = []  # (server, what it answered): each one fails the run
    summary = []  # the medians printed below, for --json
    try:
        messages = make_messages(args.messages)
        harbor.prepare([READER])
        dovecot.prepare(harbor.password_hashes())
        harbor.start()
        dovecot.start(durable=False)
        for name, port in (("harbor", harbor.port), ("dovecot", dovecot.port)):
            started = time.perf_counter()
            try:
                imap_fill(port, messages)
            except (OSError, RuntimeError) as error:
                errors.append((name, f"fill: {error}"))
            print(f"{name} filled in {time.perf_counter() - started:.1f} s", flush=True)
        dovecot.stop()
        dovecot.start(durable=True)
        peers = {"harbor": harbor.pop3_port, "dovecot": dovecot.pop3_port}
        sizes = {}
        for name, port in peers.items():
            try:
                sizes[name] = warm_up(port)
            except (OSError, RuntimeError) as error:
                errors.append((name, f"warm-up: {error}"))
                continue
            if len(sizes[name]) != args.messages:
                errors.append((name, f"lists {len(sizes[name])} of {args.messages} messages"))
                del sizes[name]
        results = {(name, style): [] for name in sizes for style in ("sequential", "pipelined")}
        for run in range(args.runs):
            order = list(sizes) if run % 2 == 0 else list(reversed(list(sizes)))
            for style, window in (("sequential", 1), ("pipelined", args.window)):
                for name in order:
                    try:
                        login, seconds, octets = retr_all(peers[name], args.messages, window,
                                                          sizes[name])
                    except (OSError, RuntimeError) as error:
                        errors.append((name, f"{style} RETR: {error}"))
                        continue
                    results[(name, style)].append((seconds, login, octets))
        print(f"\nRETR of all {args.messages} messages, median of {args.runs} runs "
              f"(pipelined: {args.window} in flight)")
        print(f"{'server':<9} {'client':<11} {'seconds':>8} {'msg/s':>9} {'MB/s':>7} "
              f"{'login s':>8} {'MB sent':>8}")
        for (name, style), runs in results.items():
            if not runs:
                continue
            seconds = statistics.median(r[0] for r in runs)
            login = statistics.median(r[1] for r in runs)
            octets = runs[0][2]
            print(f"{name:<9} {style:<11} {seconds:>8.3f} {args.messages / seconds:>9.0f} "
                  f"{octets / seconds / 1e6:>7.1f} {login:>8.3f} {octets / 1e6:>8.1f}")
            summary.append({"server": name, "client": style, "seconds": seconds,
                            "messages_per_s": args.messages / seconds,
                            "mb_per_s": octets / seconds / 1e6, "login_s": login})
    finally:
        harbor.stop()
        dovecot.stop()
        if args.keep:
            print(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    for name, error in errors:
        print(f"# {name.upper()} ERROR {error}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"messages": args.messages, "runs": args.runs, "window": args.window,
                       "results": summary,
                       "errors": [{"server": n, "error": e} for n, e in errors]}, out, indent=1)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
