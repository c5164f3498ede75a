#!/usr/bin/python3
"""Python's email package as a peer for bench_mime_parse (standard library only).

Parses each message of a corpus with email.message_from_bytes under policy.compat32 (the
default of message_from_bytes) and policy.default, walks every part reading its content type,
and for the decode rows also takes get_payload(decode=True) of every non-multipart part.
One timed pass per row and invocation; bench_mime_parse runs this once per round, between its
own rows, and takes the median.

Input: a list file, one "set<TAB>path" line per message (bench_mime_parse --corpus-out DIR
writes DIR/list.tsv). Output: one line per row, "row<TAB>seconds<TAB>bytes<TAB>messages<TAB>
parts". Run alone: /usr/bin/python3 bench/bench_mime_python.py DIR/list.tsv [--rotate K]
"""

import argparse
import email
import email.policy
import sys
import time


def parse_pass(messages, policy, decode):
    parts = 0
    decoded = 0
    for raw in messages:
        message = email.message_from_bytes(raw, policy=policy)
        for part in message.walk():
            parts += 1
            part.get_content_type()
            if decode and not part.is_multipart():
                payload = part.get_payload(decode=True)
                decoded += len(payload) if payload else 0
    return parts, decoded


ROWS = [
    ("python-compat32-parse", email.policy.compat32, False),
    ("python-compat32-decode", email.policy.compat32, True),
    ("python-default-parse", email.policy.default, False),
    ("python-default-decode", email.policy.default, True),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("list_file")
    parser.add_argument("--rotate", type=int, default=0,
                        help="start with row K (mod 4), so rounds vary the order")
    args = parser.parse_args()

    messages = []
    with open(args.list_file, encoding="utf-8") as listing:
        for line in listing:
            _, path = line.rstrip("\n").split("\t", 1)
            with open(path, "rb") as message_file:
                messages.append(message_file.read())
    total_bytes = sum(len(raw) for raw in messages)

    start = args.rotate % len(ROWS)
    for name, policy, decode in ROWS[start:] + ROWS[:start]:
        began = time.perf_counter()
        parts, _ = parse_pass(messages, policy, decode)
        seconds = time.perf_counter() - began
        print(f"{name}\t{seconds:.6f}\t{total_bytes}\t{len(messages)}\t{parts}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
