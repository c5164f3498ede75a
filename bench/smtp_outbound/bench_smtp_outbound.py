#!/usr/bin/python3
"""Outbound delivery rate: Harbor's queue runner against Postfix, into the same smtp-sink.

For 1 and for 20 destination domains, each server's queue is loaded with N messages (1 KiB,
one recipient each, recipients spread evenly over the domains) while its delivery is held,
then delivery is released and timed until Postfix's smtp-sink (one process for the whole run,
`-c` counters read from its stdout) has received all N. Every destination domain goes to the
sink on 127.0.0.1 without DNS:
- harbor: `harbor route add destK.test 127.0.0.1:SINKPORT` per domain; the queue is loaded over
  SMTP (relay_networks = 127.0.0.0/8) with `[queue] deliver = false`, then Harbor is stopped
  and started again with `deliver = true`: the clock starts when `harbor serve` is launched.
- postfix: a private instance (../smtp_accept/peers.py) with `transport_maps` sending every
  destK.test to smtp:[127.0.0.1]:SINKPORT and `smtpd_recipient_restrictions` starting with
  `check_client_access static:HOLD`, so each message injected over SMTP lands in the hold
  queue; the clock starts at `postsuper -H ALL` (hold → deferred queue), followed at once by
  `postqueue -f` so that qmgr scans the deferred queue now. Postfix keeps running: its
  start-up (about 3 s of postfix-script here) is not timed, Harbor's is.
The sink-side window (first to last message received) is printed as well: it leaves out
each server's start (Harbor) or queue scan (Postfix).
Both are loaded by the same smtp-source commands. Postfix counts concurrency per next hop:
every domain routes to the same [127.0.0.1]:PORT, so all 20 share one destination and its
default_destination_concurrency_limit (20, reached by slow start from 5); Harbor counts per
destination domain (max_connections_per_domain 20) under max_connections (100).

Harbor's [log] level is "info" by default (a queue.delivery line per recipient, as Postfix
writes a line per delivery to its maillog_file); --harbor-log-level changes it.
After each timed delivery the bench checks that the sink got exactly N messages more, and
that the server's queue is empty; it exits non-zero otherwise. Repeats each case --runs
times (alternating which server goes first) and prints the median.

    scripts/deps-bench
    ninja -C build/h-bench harbor
    /usr/bin/python3 bench/smtp_outbound/bench_smtp_outbound.py --harbor build/h-bench/src/harbor
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "smtp_accept"))

import peers  # noqa: E402

DEST_USER = "rcpt"


def dest_domain(index):
    return f"dest{index}.test"


class CountingSink(peers.SinkPeer):
    """smtp-sink with -c: it prints `sess=.. quit=.. mesg=N` after every message; a thread
    reads its stdout and keeps the last N."""

    def __init__(self):
        super().__init__()
        self.count = 0
        self.lock = threading.Lock()
        self.reader = None

    def start(self):
        command = ["/usr/sbin/smtp-sink", "-c"]
        if os.geteuid() == 0:
            command += ["-u", "postfix"]
        self.command = command + [f"127.0.0.1:{self.port}", "1024"]
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, bufsize=0)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        peers.wait_for_banner(self.port, 10)

    def _read(self):
        pattern = re.compile(rb"mesg=(\d+)")
        pending = b""
        while True:
            chunk = self.process.stdout.read(65536)
            if not chunk:
                return
            pending += chunk
            matches = pattern.findall(pending)
            if matches:
                with self.lock:
                    self.count = int(matches[-1])
            cut = pending.rfind(b"\r")
            if cut >= 0:
                pending = pending[cut + 1:]

    def messages(self):
        with self.lock:
            return self.count


class OutboundHarbor(peers.HarborPeer):
    """peers.HarborPeer with relaying from loopback, a [queue] section and a log level."""

    def __init__(self, binary, workdir, log_level, poll_ms):
        super().__init__(binary, workdir)
        self.deliver = False
        self.log_level = log_level
        self.poll_ms = poll_ms

    def _config_text(self, with_pause_key):
        text = super()._config_text(with_pause_key)
        text = text.replace('level = "warn"', f'level = "{self.log_level}"')
        # The listener table is the last one in the text: these lines belong to it.
        text += 'relay_networks = ["127.0.0.0/8"]\n'
        text += f"\n[queue]\ndeliver = {'true' if self.deliver else 'false'}\n"
        if self.poll_ms is not None:
            text += f"poll_interval_ms = {self.poll_ms}\n"
        return text

    def restart(self, deliver):
        """Stops Harbor, rewrites harbor.toml with deliver, launches it again; returns the
        perf_counter() of the launch. Does not wait for the greeting."""
        self.stop()
        self.deliver = deliver
        with open(self.config_file, "w", encoding="utf-8") as out:
            out.write(self._config_text(self.greet_pause_key))
        self.log = open(os.path.join(self.dir, "serve.log"), "ab")
        launched = time.perf_counter()
        self.process = subprocess.Popen([self.binary, "serve", "-c", self.config_file],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        return launched

    def queued(self):
        result = subprocess.run([self.binary, "-d", self.data_dir, "queue", "list", "--json"],
                                capture_output=True, text=True, check=True)
        return len(json.loads(result.stdout or "[]"))

    def log_counts(self):
        """(queue.error lines, queue.delivery lines with a result other than delivered) in
        serve.log so far (needs [log] level info for the second)."""
        errors = not_delivered = 0
        with open(os.path.join(self.dir, "serve.log"), "rb") as log:
            for line in log:
                if b" queue.error " in line:
                    errors += 1
                elif b" queue.delivery " in line and b"result=delivered" not in line:
                    not_delivered += 1
        return errors, not_delivered

    def add_routes(self, domains, sink_port):
        for domain in domains:
            self._cli("route", "add", domain, f"127.0.0.1:{sink_port}")


class OutboundPostfix(peers.PostfixPeer):
    """peers.PostfixPeer with an smtp client, every destination domain sent to the sink, and
    every message arriving over SMTP put on hold."""

    def __init__(self, workdir, domains, sink_port):
        super().__init__(workdir)
        self.transport = os.path.join(self.config_dir, "transport")
        os.makedirs(self.config_dir, exist_ok=True)
        with open(self.transport, "w", encoding="utf-8") as out:
            for domain in domains:
                out.write(f"{domain} smtp:[127.0.0.1]:{sink_port}\n")
        self.extra_master_cf = "smtp      unix  -       -       n       -       -       smtp\n"
        self.extra_settings = {
            "transport_maps": f"texthash:{self.transport}",
            "smtpd_recipient_restrictions":
                "check_client_access static:HOLD, permit_mynetworks, reject",
            "relay_domains": "",
        }

    def _cmd(self, program, *args):
        result = subprocess.run([f"/usr/sbin/{program}", "-c", self.config_dir, *args],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)}: {result.stderr}{result.stdout}")
        return result

    def count(self, sub):
        total = 0
        for _, _, files in os.walk(os.path.join(self.queue_dir, sub)):
            total += len(files)
        return total

    def release(self):
        """With the instance running: hold → deferred queue (`postsuper -H ALL`), then
        `postqueue -f` so that qmgr scans the deferred queue at once."""
        self._cmd("postsuper", "-H", "ALL")
        self._cmd("postqueue", "-f")


def inject(port, messages, domains, size):
    """smtp-source, one process per destination domain (in parallel), messages split evenly."""
    per_domain = messages // len(domains)
    sessions = max(1, 20 // len(domains))
    procs = []
    for domain in domains:
        command = ["/usr/sbin/smtp-source", "-4", "-s", str(sessions), "-m", str(per_domain),
                   "-l", str(size), "-f", peers.SENDER, "-t", f"{DEST_USER}@{domain}",
                   "-M", "client.test", "-d", f"127.0.0.1:{port}"]
        procs.append(subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"smtp-source failed ({proc.returncode}): {err.strip()}")
    return per_domain * len(domains)


def wait_sink(sink, before, target, launched, timeout):
    """Polls the sink's counter (every 5 ms) until it reaches target; returns the seconds
    from launched to the last message and from the first message to the last."""
    deadline = time.monotonic() + timeout
    first = None
    while time.monotonic() < deadline:
        count = sink.messages()
        now = time.perf_counter()
        if first is None and count > before:
            first = now
        if count >= target:
            return now - launched, now - first
        time.sleep(0.005)
    raise RuntimeError(f"sink has {sink.messages()} of {target} after {timeout} s")


def load_average():
    with open("/proc/loadavg", encoding="ascii") as f:
        return float(f.read().split()[0])


def run_harbor(harbor, sink, messages, domains, size, timeout):
    harbor.restart(deliver=False)
    peers.wait_for_banner(harbor.port, 20, expect_delay=1.0)
    sent = inject(harbor.port, messages, domains, size)
    queued = harbor.queued()
    if queued != sent:
        raise RuntimeError(f"harbor: {queued} queued after injecting {sent}")
    before = sink.messages()
    errors_before, not_delivered_before = harbor.log_counts()
    launched = harbor.restart(deliver=True)
    elapsed, window = wait_sink(sink, before, before + sent, launched, timeout)
    time.sleep(0.5)
    extra = sink.messages() - before - sent
    left = harbor.queued()
    errors, not_delivered = harbor.log_counts()
    if errors > errors_before or not_delivered > not_delivered_before:
        print(f"    harbor's log for this run: {errors - errors_before} queue.error, "
              f"{not_delivered - not_delivered_before} queue.delivery not delivered",
              flush=True)
    return elapsed, window, sent, extra, left


def run_postfix(postfix, sink, messages, domains, size, timeout):
    sent = inject(postfix.port, messages, domains, size)
    deadline = time.monotonic() + 60
    while postfix.count("hold") < sent and time.monotonic() < deadline:
        time.sleep(0.1)
    held = postfix.count("hold")
    if held != sent:
        raise RuntimeError(f"postfix: {held} on hold after injecting {sent}")
    before = sink.messages()
    launched = time.perf_counter()
    postfix.release()
    elapsed, window = wait_sink(sink, before, before + sent, launched, timeout)
    time.sleep(0.5)
    extra = sink.messages() - before - sent
    postfix.wait_drained(30)
    left = sum(postfix.count(sub) for sub in ("incoming", "active", "deferred", "hold"))
    return elapsed, window, sent, extra, left


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--harbor", required=True)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--domains", default="1,20")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["harbor", "postfix"])
    parser.add_argument("--harbor-log-level", default="info",
                        help="[log] level for Harbor (info logs queue.delivery per recipient, "
                             "as Postfix logs each delivery to its maillog)")
    parser.add_argument("--harbor-poll-ms", type=int,
                        help="[queue] poll_interval_ms for Harbor (default: Harbor's, 10000)")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--json")
    parser.add_argument("--tmp", default="/var/tmp")
    parser.add_argument("--keep", action="store_true",
                        help="keep the working directory (logs, maillog) afterwards")
    args = parser.parse_args()

    domain_counts = [int(x) for x in args.domains.split(",")]
    all_domains = [dest_domain(i) for i in range(max(domain_counts))]
    workdir = tempfile.mkdtemp(prefix="harbor-bench-outbound-", dir=args.tmp)
    sink = CountingSink()
    harbor = postfix = None
    results = []
    failed = False
    print(f"load average at start: {load_average():.2f}; {args.messages} messages of "
          f"{args.size} bytes per run; harbor log level {args.harbor_log_level}, "
          f"poll_interval_ms {args.harbor_poll_ms or 'default'}", flush=True)
    try:
        sink.start()
        if args.only != "postfix":
            harbor = OutboundHarbor(args.harbor, workdir, args.harbor_log_level,
                                    args.harbor_poll_ms)
            harbor.start()
            harbor.add_routes(all_domains, sink.port)
        if args.only != "harbor":
            postfix = OutboundPostfix(workdir, all_domains, sink.port)
            postfix.start()
        runners = []
        if harbor:
            runners.append(("harbor", lambda n, d: run_harbor(harbor, sink, n, d, args.size,
                                                             args.timeout)))
        if postfix:
            runners.append(("postfix", lambda n, d: run_postfix(postfix, sink, n, d, args.size,
                                                               args.timeout)))
        for count in domain_counts:
            domains = all_domains[:count]
            for run in range(args.runs):
                order = runners if run % 2 == 0 else list(reversed(runners))
                for name, runner in order:
                    load = load_average()
                    elapsed, window, sent, extra, left = runner(args.messages, domains)
                    rate = sent / elapsed
                    row = {"server": name, "domains": count, "run": run + 1, "messages": sent,
                           "seconds": elapsed, "rate": rate, "first_to_last_s": window,
                           "rate_first_to_last": (sent - 1) / window if window > 0 else 0,
                           "extra_at_sink": extra, "left_in_queue": left, "load": load}
                    results.append(row)
                    print(f"{count:2d} domain(s) run {run + 1} {name:8s} {sent} msgs in "
                          f"{elapsed:7.3f} s = {rate:8.1f} msg/s; first to last at the sink "
                          f"{window:7.3f} s (load {load:.2f}; extra at sink {extra}, left in "
                          f"queue {left})", flush=True)
                    if extra != 0 or left != 0:
                        failed = True
        print("\nmedian messages/second (Harbor / Postfix):")
        print("| domains | measure | harbor msg/s | postfix msg/s | harbor / postfix |")
        print("|---|---|---|---|---|")
        for count in domain_counts:
            for key, label in (("rate", "release to last"),
                               ("rate_first_to_last", "first to last")):
                med = {}
                for name in ("harbor", "postfix"):
                    rates = [r[key] for r in results if r["server"] == name and
                             r["domains"] == count]
                    med[name] = statistics.median(rates) if rates else None
                ratio = (f"{med['harbor'] / med['postfix']:.2f}×"
                         if med["harbor"] and med["postfix"] else "-")
                cells = [f"{med[n]:.0f}" if med[n] else "-" for n in ("harbor", "postfix")]
                print(f"| {count} | {label} | {cells[0]} | {cells[1]} | {ratio} |")
        print(f"load average at end: {load_average():.2f}")
        if args.json:
            with open(args.json, "w", encoding="utf-8") as out:
                json.dump(results, out, indent=1)
    finally:
        if harbor:
            harbor.stop()
        if postfix:
            postfix.stop()
        sink.stop()
        if args.keep:
            print(f"working directory (kept): {workdir}")
        else:
            peers.remove_tree(workdir)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
