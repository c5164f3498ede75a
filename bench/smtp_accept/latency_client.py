"""Per-message acceptance latency: N concurrent SMTP sessions, each sending messages in turn.

smtp-source reports no latency, so bench_smtp_accept.py measures it with this client: the time
from the end of the DATA payload (the "<CRLF>.<CRLF>" written and drained to the socket) to
the full 250 reply (RFC 5321 §4.1.1.4: the server answers after it has taken responsibility
for the message). Each session keeps its connection and sends its share of the messages one
transaction after the other, without pipelining (as smtp-source does). Standard library only.

Run alone: /usr/bin/python3 latency_client.py PORT SESSIONS MESSAGES SIZE FROM TO
"""

import asyncio
import math
import sys
import time


def make_message(size, sequence, sender, recipient):
    """Header block plus `size` bytes of body in 78-character lines, CRLF, no leading dot."""
    header = (f"From: <{sender}>\r\nTo: <{recipient}>\r\nSubject: latency {sequence}\r\n"
              f"Message-ID: <lat{sequence}@client.test>\r\n\r\n").encode("ascii")
    line = (b"abcdefghijklmnopqrstuvwxyz0123456789" * 3)[:76] + b"\r\n"
    full_lines, rest = divmod(size, len(line))
    body = line * full_lines
    if rest:
        body += line[:max(rest - 2, 0)] + b"\r\n"
    return header + body


async def read_reply(reader):
    """One (possibly multi-line) reply; returns its code. RFC 5321 §4.2.1."""
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("server closed the connection")
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3])


async def expect(reader, code, what):
    got = await read_reply(reader)
    if got != code:
        raise RuntimeError(f"{what}: expected {code}, got {got}")


async def run_session(port, count, size, sender, recipient, latencies, first_sequence):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await expect(reader, 220, "greeting")
        writer.write(b"EHLO client.test\r\n")
        await expect(reader, 250, "EHLO")
        for i in range(count):
            payload = make_message(size, first_sequence + i, sender, recipient)
            writer.write(f"MAIL FROM:<{sender}>\r\n".encode("ascii"))
            await expect(reader, 250, "MAIL")
            writer.write(f"RCPT TO:<{recipient}>\r\n".encode("ascii"))
            await expect(reader, 250, "RCPT")
            writer.write(b"DATA\r\n")
            await expect(reader, 354, "DATA")
            writer.write(payload + b".\r\n")
            await writer.drain()
            start = time.perf_counter()
            await expect(reader, 250, "end of data")
            latencies.append(time.perf_counter() - start)
        writer.write(b"QUIT\r\n")
        await writer.drain()
        await read_reply(reader)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def run_load(port, sessions, messages, size, sender, recipient):
    latencies = []
    share, extra = divmod(messages, sessions)
    tasks = []
    sequence = 0
    for s in range(sessions):
        count = share + (1 if s < extra else 0)
        tasks.append(run_session(port, count, size, sender, recipient, latencies, sequence))
        sequence += count
    started = time.perf_counter()
    await asyncio.gather(*tasks)
    return latencies, time.perf_counter() - started


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def measure(port, sessions, messages, size, sender, recipient):
    """Returns (p50 seconds, p99 seconds, messages accepted, wall seconds)."""
    latencies, wall = asyncio.run(run_load(port, sessions, messages, size, sender, recipient))
    latencies.sort()
    return percentile(latencies, 0.50), percentile(latencies, 0.99), len(latencies), wall


if __name__ == "__main__":
    port, sessions, messages, size = (int(v) for v in sys.argv[1:5])
    p50, p99, done, wall = measure(port, sessions, messages, size, sys.argv[5], sys.argv[6])
    print(f"messages {done} wall {wall:.3f}s p50 {p50 * 1000:.2f} ms p99 {p99 * 1000:.2f} ms")
