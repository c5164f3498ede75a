#!/usr/bin/python3
"""Durable SMTP acceptance: Harbor against Postfix, with Postfix's smtp-source as the load.

For each message size (1 KiB, 100 KiB) and number of concurrent sessions (1, 20, 100) it runs,
in one run on loopback and alternating which server goes first:
- throughput: `smtp-source -s SESSIONS -m MESSAGES -l SIZE` against Harbor and against a
  private Postfix; wall time of the smtp-source process gives messages per second. smtp-source
  opens a new connection per message (no -d) unless --reuse-connections;
- latency: latency_client.py, SESSIONS concurrent sessions (one connection each), the time
  from end of DATA to the 250 reply, p50 and p99 (smtp-source measures no latency);
- CPU: the server's user+system CPU per message over the throughput run (for Postfix every
  process of the instance, counted until its queue has been delivered to the mailbox);
and once per size smtp-source into smtp-sink (which stores nothing): the generator's ceiling.

What a 250 means: for Harbor, the message is committed to the user's mailbox (SQLite WAL
fsync, bodies over 64 KiB as fsynced files); for Postfix, the queue file is written and
fsynced (its durable point: delivery to the Maildir follows asynchronously). Afterwards the
count of messages stored by each (Harbor's store, Postfix's Maildir) must equal the count sent.

Nothing here touches the system's services: see peers.py. Needs Debian's postfix package
(scripts/deps-bench installs it without starting it) and a built harbor binary:
    scripts/deps-bench
    cmake -S . -B build/h-bench -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build/h-bench harbor
    /usr/bin/python3 bench/smtp_accept/bench_smtp_accept.py --harbor build/h-bench/src/harbor
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import latency_client  # noqa: E402
import peers  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid, with_reaped_children):
    """utime+stime of pid (all its threads), plus cutime+cstime if asked, from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # Fields after the command name start at field 3 (state): utime is 14, stime 15,
    # cutime 16, cstime 17 (proc(5)), so indexes 11..14 here.
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def tree_cpu_seconds(root_pid):
    """CPU of a process, its live children, and the children it has reaped (Postfix's master
    reaps every daemon it spawns, so their CPU lands in its cutime/cstime)."""
    total = process_cpu_seconds(root_pid, True)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == root_pid:
                total += process_cpu_seconds(int(entry), False)
        except (OSError, ValueError, IndexError):
            continue
    return total


def thread_cpu_seconds(pid):
    """utime+stime per thread name (/proc/PID/task/TID/comm; Harbor names its threads: io,
    store-writer, store-blob, smtp-lookup, ...), summed over the threads of one name."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm", encoding="utf-8") as comm:
                name = comm.read().strip()
            with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return out


def cpu_of(peer):
    if isinstance(peer, peers.PostfixPeer):
        return tree_cpu_seconds(peer.pid())
    return process_cpu_seconds(peer.pid(), False)


def run_smtp_source(port, sessions, messages, size, reuse_connections):
    command = ["/usr/sbin/smtp-source", "-4", "-s", str(sessions), "-m", str(messages),
               "-l", str(size), "-f", peers.SENDER, "-t", peers.RECIPIENT,
               "-M", "client.test"]
    if reuse_connections:
        command.append("-d")
    command.append(f"127.0.0.1:{port}")
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"smtp-source failed ({result.returncode}): {result.stderr.strip()}")
    return wall


def settle_disk():
    """Writes back every dirty page before a measurement, so that the writeback of the cell
    before (Postfix's 10,000 Maildir files of 100 KiB, or Harbor's blobs) does not run on the
    same two cores and disk during the next server's cell. (It did not remove the second
    server's handicap: that comes from freed pages, see docs/benchmarks.md and --first.)"""
    os.sync()


def wait_indexed(pid, timeout):
    """Waits until Harbor's text indexer has no work left: its CPU time stands still for a
    second. It runs only on CPU time nothing else wants (store/text/text_indexer.hpp) and ends
    a burst of 1 KiB mail seconds behind, so the CPU column, like Postfix's counted until its
    queue is delivered, includes the indexing of every message of the cell."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        now = thread_cpu_seconds(pid).get("text-indexer", 0.0)
        if now == last:
            return
        last = now
        time.sleep(1.0)
    raise RuntimeError(f"harbor's indexer still busy after {timeout} s")


def throughput_cell(peer, sessions, messages, size, reuse_connections):
    settle_disk()
    cpu_before = cpu_of(peer)
    threads_before = {} if isinstance(peer, peers.PostfixPeer) else thread_cpu_seconds(peer.pid())
    wall = run_smtp_source(peer.port, sessions, messages, size, reuse_connections)
    started = time.perf_counter()
    if isinstance(peer, peers.PostfixPeer):
        if not peer.wait_drained(300):
            raise RuntimeError("postfix queue did not drain in 300 s")
    else:
        wait_indexed(peer.pid(), 300)
    after_wall = time.perf_counter() - started
    cpu = cpu_of(peer) - cpu_before
    cell = {"rate": messages / wall, "wall": wall, "cpu_ms_per_msg": 1000 * cpu / messages,
            "after_wall": after_wall}
    if not isinstance(peer, peers.PostfixPeer):
        # Where the CPU went, per thread name: the single writer thread bounds the rate.
        after = thread_cpu_seconds(peer.pid())
        cell["thread_ms_per_msg"] = {
            name: round(1000 * (seconds - threads_before.get(name, 0.0)) / messages, 4)
            for name, seconds in sorted(after.items())
            if seconds - threads_before.get(name, 0.0) > 0}
    return cell


def latency_cell(peer, sessions, messages, size):
    settle_disk()
    p50, p99, done, wall = latency_client.measure(peer.port, sessions, messages, size,
                                                  peers.SENDER, peers.RECIPIENT)
    if isinstance(peer, peers.PostfixPeer):
        peer.wait_drained(300)
    else:
        wait_indexed(peer.pid(), 300)  # so that the next cell does not index this one's mail
    return {"p50_ms": p50 * 1000, "p99_ms": p99 * 1000, "latency_msgs": done,
            "latency_rate": done / wall}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--harbor", default="build/h-bench/src/harbor")
    parser.add_argument("--sizes", default="1024,102400", help="payload bytes, comma-separated")
    parser.add_argument("--sessions", default="1,20,100")
    parser.add_argument("--messages", type=int, default=3000,
                        help="smtp-source messages per cell for 1 KiB (scaled down for larger "
                             "sizes and one session)")
    parser.add_argument("--latency-messages", type=int, default=1000,
                        help="messages per latency cell (scaled like --messages)")
    parser.add_argument("--reuse-connections", action="store_true",
                        help="smtp-source -d: all messages of a session over one connection")
    parser.add_argument("--no-sink", action="store_true", help="skip the smtp-sink ceiling")
    parser.add_argument("--only", choices=["harbor", "postfix"],
                        help="measure one server only (for profiling)")
    parser.add_argument("--first", choices=["harbor", "postfix"], default="harbor",
                        help="the server that goes first in the first cell (then they take "
                             "turns): the second of a cell pays for pages the first freed, "
                             "see docs/benchmarks.md, so compare runs of both orders")
    parser.add_argument("--json", help="write the results here as well")
    parser.add_argument("--tmp", default="/var/tmp",
                        help="parent of the working directory; keep it off /tmp, where "
                             "compilers create and delete files all the time, which makes "
                             "ext4 inode allocation there slow (see docs/benchmarks.md)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args()


def messages_for(base, size, sessions):
    """Fewer messages where each takes longer, so every cell lasts a few seconds."""
    count = base
    if size > 16 * 1024:
        count //= 2
    if sessions == 1:
        count //= 3
    return max(count, 50)


def main():
    args = parse_args()
    # SIGTERM (kill PID) unwinds like an error: the running smtp-source is killed by
    # subprocess.run and the servers are stopped in the finally below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sizes = [int(v) for v in args.sizes.split(",")]
    session_counts = [int(v) for v in args.sessions.split(",")]
    workdir = peers.make_workdir("bench-smtp-accept-", args.tmp)
    harbor = peers.HarborPeer(args.harbor, peers.server_dir(workdir, "harbor"))
    postfix = peers.PostfixPeer(peers.server_dir(workdir, "postfix"),
                                sessions_max=max(session_counts))
    sink = peers.SinkPeer()
    servers = [s for s in (harbor, postfix) if args.only in (None, s.name)]
    sent = {s.name: 0 for s in servers}
    results = []
    load_before = os.getloadavg()
    try:
        for server in servers + [sink]:
            server.start()
        print(f"# workdir {workdir}; harbor pid {harbor.pid() if harbor in servers else '-'}"
              f" port {harbor.port}; postfix master pid "
              f"{postfix.pid() if postfix in servers else '-'} port {postfix.port}; "
              f"smtp-sink port {sink.port}", flush=True)
        if harbor in servers and not harbor.greet_pause_key:
            print("# WARNING: this harbor has no listener key greet_pause_ms: every new "
                  "connection waits 300 ms for its greeting", flush=True)
        cell_index = 0
        for size in sizes:
            sink_rate = float("nan")
            if not args.no_sink:
                sink_messages = min(messages_for(args.messages, size, 20) * 5, 20000)
                sink_wall = run_smtp_source(sink.port, 20, sink_messages, size,
                                            args.reuse_connections)
                sink_rate = sink_messages / sink_wall
                print(f"# size {size}: smtp-sink ceiling {sink_rate:.0f} msg/s (20 sessions)",
                      flush=True)
            for sessions in session_counts:
                starts = servers if args.first == "harbor" else list(reversed(servers))
                order = starts if cell_index % 2 == 0 else list(reversed(starts))
                cell_index += 1
                messages = messages_for(args.messages, size, sessions)
                latency_messages = messages_for(args.latency_messages, size, sessions)
                row = {"size": size, "sessions": sessions, "messages": messages,
                       "sink_rate": sink_rate, "order": [s.name for s in order],
                       "loadavg": os.getloadavg()[0]}
                for server in order:
                    cell = throughput_cell(server, sessions, messages, size,
                                           args.reuse_connections)
                    cell.update(latency_cell(server, sessions, latency_messages, size))
                    sent[server.name] += messages + cell["latency_msgs"]
                    row[server.name] = cell
                    print(f"  {server.name:8} size {size:6} sessions {sessions:3}: "
                          f"{cell['rate']:7.0f} msg/s  cpu {cell['cpu_ms_per_msg']:.2f} ms/msg"
                          f"  p50 {cell['p50_ms']:.2f} ms  p99 {cell['p99_ms']:.2f} ms"
                          f"  (then {cell['after_wall']:.1f} s until "
                          f"{'delivered' if server is postfix else 'indexed'})", flush=True)
                    if "thread_ms_per_msg" in cell:
                        print("           cpu ms/msg by thread: " + ", ".join(
                            f"{name} {ms:.3f}" for name, ms in
                            cell["thread_ms_per_msg"].items()), flush=True)
                results.append(row)
        checks = {}
        if harbor in servers:
            checks["harbor"] = (harbor.stored_messages(), sent["harbor"])
        if postfix in servers:
            postfix.wait_drained(300)
            checks["postfix"] = (postfix.delivered_messages(), sent["postfix"])
    finally:
        for server in (sink, postfix, harbor):
            server.stop()
    print_table(results, servers)
    print(f"# load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    honest = True
    for name, (stored, expected) in checks.items():
        status = "ok" if stored == expected else "MISMATCH"
        honest = honest and stored == expected
        print(f"# {name}: {stored} messages stored, {expected} accepted: {status}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"results": results, "checks": checks,
                       "greet_pause_key": harbor.greet_pause_key,
                       "reuse_connections": args.reuse_connections}, out, indent=1)
    if not args.keep:
        peers.remove_tree(workdir)
    return 0 if honest else 1


def print_table(results, servers):
    names = [s.name for s in servers]
    both = len(names) == 2
    print()
    header = "| size | sessions | sink msg/s |"
    rule = "|---|---|---|"
    for name in names:
        header += f" {name} msg/s | {name} p50 / p99 ms | {name} CPU ms/msg |"
        rule += "---|---|---|"
    if both:
        header += " harbor / postfix |"
        rule += "---|"
    print(header)
    print(rule)
    for row in results:
        size = f"{row['size'] // 1024} KiB" if row["size"] % 1024 == 0 else str(row["size"])
        line = f"| {size} | {row['sessions']} | {row['sink_rate']:.0f} |"
        for name in names:
            cell = row[name]
            line += (f" {cell['rate']:.0f} | {cell['p50_ms']:.2f} / {cell['p99_ms']:.2f} |"
                     f" {cell['cpu_ms_per_msg']:.2f} |")
        if both:
            line += f" **{row['harbor']['rate'] / row['postfix']['rate']:.1f}×** |"
        print(line)


if __name__ == "__main__":
    sys.exit(main())
