#!/usr/bin/python3
"""IMAP load: Harbor against Dovecot in the same run, with our own load generator (imap_load).

What it measures, on loopback, alternating which server goes first in each cell:
- operations per second and p50/p99 latency for each operation at 1, 20 and 100 clients, a few
  seconds each (imap_load run): noop (NOOP: the round trip, the floor under every other
  operation), login (connect + LOGIN + LOGOUT), select, fetch_flags_envelope
  (FETCH 1:* (FLAGS ENVELOPE)), fetch_body (UID FETCH <random> BODY.PEEK[]), search_header
  (SEARCH HEADER Subject <word>), search_text (SEARCH TEXT <word>), store (STORE <random>
  +FLAGS/-FLAGS (\\Flagged)), append (APPEND ~4 KiB to Drafts), move (MOVE 1 between Archive
  and Trash). Only a tagged OK counts; NO, BAD and lost connections are errors, shown in the
  table. Accounts: noop, select, fetch*, search* and store use --readers shared accounts (client c
  logs in as reader c % readers, whose INBOX holds --messages messages); login, append and move
  use the client's own account (c % --accounts; its Archive holds --move-messages messages);
- SELECT and FETCH 1:* (FLAGS) time on one mailbox of --large messages (first and median of 5),
  and the PSS the server grows by per message while one session holds it selected (view_memory);
- memory per idle connection: fresh servers, --idle-connections connections (from 127.0.0.1 to
  127.0.0.200, over --idle-accounts accounts), each LOGIN + SELECT INBOX + IDLE; PSS summed
  over every server process (/proc/PID/smaps_rollup) minus the PSS before connecting, divided
  by the connections. Dovecot twice: as Debian ships it (one imap process per connection) and
  with imap_hibernate_timeout set (idle connections handed to imap-hibernate).

Both servers get identical messages (imap_load fill, deterministic; MULTIAPPEND batches where
the server offers it) and the same argon2id password strings (imap_peers.py). Dovecot is filled
with mail_fsync = never and restarted with Debian's default (or --dovecot-fsync always) before
anything is measured (see DovecotPeer.start). Builds nothing: give it the harbor binary and imap_load.
    cmake -S . -B build/h-ibench -G Ninja -DCMAKE_BUILD_TYPE=Release
    ninja -C build/h-ibench harbor imap_load
    /usr/bin/python3 bench/imap_load/bench_imap.py --harbor build/h-ibench/src/harbor \\
        --load build/h-ibench/bench/imap_load
    # quick look (under 2 minutes): --clients 1,20 --seconds 2 --skip-large --skip-memory
    # --smoke: what ctest runs (1 client, 1 s per op, small mailboxes, 100 idle connections);
    # it fails if Dovecot answers anything but OK, i.e. if the generator is broken.
"""

import argparse
import contextlib
import imaplib
import json
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import imap_peers  # noqa: E402
from imap_peers import DOMAIN, PASSWORD  # noqa: E402

OPS = ["noop", "login", "select", "fetch_flags_envelope", "fetch_body", "search_header", "search_text",
       "store", "append", "move"]
OWN = f"bench{{n}}@{DOMAIN}"
LARGE = f"large{{n}}@{DOMAIN}"
IDLE = f"idle{{n}}@{DOMAIN}"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--harbor", required=True, help="the harbor binary")
    parser.add_argument("--load", required=True, help="the imap_load binary")
    parser.add_argument("--ops", default=",".join(OPS))
    parser.add_argument("--clients", default="1,20,100")
    parser.add_argument("--seconds", type=float, default=4.0, help="per cell")
    parser.add_argument("--accounts", type=int, default=0,
                        help="own accounts (default: the largest --clients)")
    parser.add_argument("--readers", type=int, default=10, help="shared reader accounts")
    parser.add_argument("--messages", type=int, default=1000, help="per reader INBOX")
    parser.add_argument("--move-messages", type=int, default=20, help="per own Archive")
    parser.add_argument("--large", type=int, default=100000, help="messages, large mailbox")
    parser.add_argument("--idle-connections", type=int, default=10000)
    parser.add_argument("--idle-accounts", type=int, default=500)
    parser.add_argument("--idle-messages", type=int, default=20, help="per idle INBOX")
    parser.add_argument("--hibernate-timeout", type=int, default=2, help="seconds")
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-servers", default="harbor,dovecot,dovecot-hibernate",
                        help="which servers the idle-memory run measures")
    parser.add_argument("--only", choices=["harbor", "dovecot"])
    parser.add_argument("--dovecot-fsync", choices=["optimized", "always"], default="optimized",
                        help="Dovecot's mail_fsync while measuring: Debian's default (a STORE "
                             "answers before any fsync) or always")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny run for ctest; exits 1 if Dovecot reports an error")
    parser.add_argument("--json", help="write the results here as well")
    parser.add_argument("--tmp", default="/var/tmp", help="parent of the working directory")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.seconds, args.readers, args.messages = "1", 1.0, 1, 30
        args.move_messages, args.large, args.idle_connections = 5, 300, 100
        args.idle_accounts, args.idle_messages, args.hibernate_timeout = 10, 5, 1
    args.client_counts = [int(v) for v in args.clients.split(",")]
    args.op_list = [op for op in args.ops.split(",") if op]
    if args.accounts <= 0:
        args.accounts = max(args.client_counts)
    # The shared reader accounts are the first own accounts: they must all exist.
    args.accounts = max(args.accounts, args.readers)
    return args


def raise_file_limit():
    """Servers and the load generator inherit it: 10,000 connections need as many fds."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def load(args, subcommand, port, *extra, user_format=OWN, timeout=3600):
    command = [args.load, subcommand, "--port", str(port), "--user-format", user_format,
               "--password", PASSWORD, *[str(v) for v in extra]]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(command)} printed no result ({result.returncode}): "
                           f"{result.stderr.strip()}")
    return json.loads(lines[-1]), result.returncode


def fill(args, server, user_format, accounts, mailbox, messages, size=4096, connections=8):
    if messages <= 0:
        return 0.0
    result, code = load(args, "fill", server.port, "--accounts", accounts, "--into", mailbox,
                        "--messages", messages, "--connections", connections,
                        "--message-size", size, user_format=user_format)
    if code != 0:
        raise RuntimeError(f"fill {mailbox} on {server.name}: {result}")
    print(f"#   {server.name}: {result['appended']} messages into {mailbox} of {accounts} "
          f"account(s) in {result['elapsed_s']:.1f} s "
          f"({result['appended'] / max(result['elapsed_s'], 1e-9):.0f}/s)", flush=True)
    return result["elapsed_s"]


def wait_for_text_index(server, timeout_s=600.0):
    """Waits until Harbor's background indexer has reached every message of every mailbox.

    FETCH ENVELOPE and header SEARCH answer from the index's per-blob summaries, and SEARCH
    TEXT/BODY from its text, only for messages already indexed; a cell measured while the
    indexer still works would measure the fallback. The signal is the index's own watermark
    (text-index.sqlite, table mailboxes: indexed_through per mailbox) against the highest UID of
    each mailbox in harbor.db, both read-only; no hook in the server.
    """
    store_db = os.path.join(server.data_dir, "harbor.db")
    index_db = os.path.join(server.data_dir, "text-index.sqlite")
    started = time.monotonic()
    while True:
        try:
            with contextlib.closing(sqlite3.connect(f"file:{store_db}?mode=ro", uri=True)) as db:
                highest = dict(db.execute(
                    "SELECT mailbox_id, max(uid) FROM messages GROUP BY mailbox_id"))
            with contextlib.closing(sqlite3.connect(f"file:{index_db}?mode=ro", uri=True)) as db:
                reached = dict(db.execute("SELECT id, indexed_through FROM mailboxes"))
            behind = sum(1 for box, uid in highest.items() if reached.get(box, 0) < uid)
        except sqlite3.Error:
            behind = -1  # the index file is being made
        if behind == 0:
            print(f"#   harbor: text index caught up in {time.monotonic() - started:.1f} s",
                  flush=True)
            return
        if time.monotonic() - started > timeout_s:
            raise RuntimeError(f"harbor's text index still behind after {timeout_s:.0f} s")
        time.sleep(0.2)


def start_pair(args, workdir, servers_wanted):
    """The servers for the operations: the same accounts and messages on both."""
    harbor = imap_peers.HarborPeer(args.harbor, workdir)
    dovecot = imap_peers.DovecotPeer(workdir, fsync=args.dovecot_fsync)
    own = [imap_peers.account(OWN, n) for n in range(1, args.accounts + 1)]
    large = [imap_peers.account(LARGE, 1)] if not args.skip_large else []
    harbor.prepare(own + large)
    started = []
    try:
        if "harbor" in servers_wanted:
            harbor.start()
            started.append(harbor)
        if "dovecot" in servers_wanted:
            dovecot.prepare(harbor.password_hashes())
            dovecot.start(durable=False)  # fsync off while filling, see DovecotPeer.start
            started.append(dovecot)
        for server in started:
            fill(args, server, OWN, args.readers, "INBOX", args.messages)
            fill(args, server, OWN, args.accounts, "Archive", args.move_messages)
            if not args.skip_large:
                fill(args, server, LARGE, 1, "INBOX", args.large, size=2048, connections=16)
        if harbor in started:
            wait_for_text_index(harbor)
        if dovecot in started:
            dovecot.stop()
            dovecot.start(durable=True)
    except BaseException:
        for server in started:
            server.stop()
        raise
    return started


def run_ops(args, servers):
    rows = []
    cell = 0
    for op in args.op_list:
        for clients in args.client_counts:
            order = servers if cell % 2 == 0 else list(reversed(servers))
            cell += 1
            row = {"op": op, "clients": clients}
            for server in order:
                result, _ = load(args, "run", server.port, "--op", op, "--clients", clients,
                                 "--seconds", args.seconds, "--accounts", args.accounts,
                                 "--readers", args.readers, timeout=args.seconds * 20 + 120)
                row[server.name] = result
                errors = sum(result[k] for k in ("no", "bad", "bye", "io", "setup_failed"))
                print(f"  {server.name:8} {op:21} {clients:3} clients: "
                      f"{result['ops_per_s']:9.1f} ops/s  p50 {result['p50_ms']:.2f} ms  "
                      f"p99 {result['p99_ms']:.2f} ms  errors {errors}"
                      + (f"  ({result['first_error']})" if errors else ""), flush=True)
            rows.append(row)
    return rows


def view_memory(args, server):
    """Anonymous PSS the server grows by while one session holds the large INBOX selected, in
    bytes per message: after SELECT, and after a first STORE (Harbor then edits a copy of its
    own of the shared message list, mailbox_views.hpp). Every process of the server, the
    session's imap process for Dovecot. Anonymous only: mapped files (SQLite's mmap, Dovecot's
    index files) come and go with the page cache, and the cache is the kernel's. Runs before
    anything else selects the box."""
    client = imaplib.IMAP4("127.0.0.1", server.port)
    try:
        client.login(imap_peers.account(LARGE, 1), PASSWORD)
        time.sleep(0.5)
        before = server_pss(server, "Pss_Anon:")
        typ, data = client.select("INBOX")
        if typ != "OK" or int(data[0]) != args.large:
            raise RuntimeError(f"{server.name}: SELECT of the large INBOX: {typ} {data}")
        time.sleep(0.5)
        selected = server_pss(server, "Pss_Anon:")
        typ, data = client.store("1", "+FLAGS", "(\\Flagged)")
        if typ != "OK":
            raise RuntimeError(f"{server.name}: STORE: {typ} {data}")
        time.sleep(0.5)
        edited = server_pss(server, "Pss_Anon:")
        client.store("1", "-FLAGS", "(\\Flagged)")
        client.logout()
    finally:
        with contextlib.suppress(OSError):
            client.shutdown()
    per = {"select": (selected - before) * 1024 / args.large,
           "store": (edited - selected) * 1024 / args.large}
    print(f"  {server.name:8} {args.large} messages view memory: "
          f"{per['select']:.0f} bytes/message selected, {per['store']:.0f} more after a STORE",
          flush=True)
    return per


def run_large(args, servers):
    results = {}
    for server in servers:
        results[server.name] = {"view_bytes_per_message": view_memory(args, server)}
    for server in servers:
        for op in ("select", "fetch_flags"):
            result, _ = load(args, "run", server.port, "--op", op, "--clients", 1,
                             "--iterations", 5, "--mailbox", "INBOX", user_format=LARGE,
                             timeout=1800)
            samples = result.get("samples_ms", [])
            results[server.name][op] = {
                "first_ms": samples[0] if samples else None,
                "median_ms": statistics.median(samples) if samples else None,
                "errors": sum(result[k] for k in ("no", "bad", "bye", "io", "setup_failed")),
                "first_error": result["first_error"]}
            print(f"  {server.name:8} {args.large} messages {op:11}: "
                  f"{results[server.name][op]}", flush=True)
    return results


def server_pss(server, field="Pss:"):
    return sum(imap_peers.pss_kib(pid, field) for pid in server.pids())


def memory_cell(args, server, cheap_hash):
    """One fresh server: PSS before and with the idle connections."""
    time.sleep(1.0)
    before = server_pss(server)
    command = [args.load, "idle", "--port", str(server.port), "--user-format", IDLE,
               "--password", PASSWORD, "--accounts", str(args.idle_accounts),
               "--connections", str(args.idle_connections), "--source-spread", "200",
               "--parallel", "100"]
    holder = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = holder.stdout.readline()
        if not line:
            raise RuntimeError(f"imap_load idle: {holder.stderr.read()}")
        setup = json.loads(line)
        if isinstance(server, imap_peers.DovecotPeer) and server.hibernate_timeout is not None:
            # Wait until the imap processes have handed their connections to imap-hibernate.
            deadline = time.monotonic() + server.hibernate_timeout + 60
            while time.monotonic() < deadline and server.count_processes("imap") > 0:
                time.sleep(1.0)
        time.sleep(2.0)
        with_connections = server_pss(server)
        processes = len(server.pids())
        imap_processes = (server.count_processes("imap")
                          if isinstance(server, imap_peers.DovecotPeer) else None)
    finally:
        holder.stdin.close()
        holder.wait(timeout=300)
    open_connections = setup["idling"] + setup["idle_refused"]
    result = {"before_kib": before, "with_kib": with_connections, "processes": processes,
              "imap_processes": imap_processes, **setup,
              "kib_per_connection": ((with_connections - before) / open_connections
                                     if open_connections else None)}
    print(f"  {server.label if hasattr(server, 'label') else server.name:18} memory: {result}",
          flush=True)
    return result


def run_memory(args, workdir, servers_wanted):
    cheap, code = subprocess.run([args.load, "hash", "--password", PASSWORD, "--memory-kib",
                                  "8", "--passes", "1"], capture_output=True,
                                 text=True).stdout.strip(), 0
    if not cheap.startswith("$argon2id$"):
        raise RuntimeError(f"imap_load hash printed {cheap!r} ({code})")
    idle = [imap_peers.account(IDLE, n) for n in range(1, args.idle_accounts + 1)]
    hashes = {address: cheap for address in idle}
    results = {}
    kinds = []
    memory_servers = args.memory_servers.split(",")
    if "harbor" in servers_wanted:
        kinds.append(("harbor", lambda: imap_peers.HarborPeer(args.harbor, workdir,
                                                              "harbor-memory")))
    if "dovecot" in servers_wanted:
        kinds.append(("dovecot", lambda: imap_peers.DovecotPeer(workdir, "dovecot-memory")))
        kinds.append(("dovecot-hibernate", lambda: imap_peers.DovecotPeer(
            workdir, "dovecot-hibernate", hibernate_timeout=args.hibernate_timeout)))
    for label, make in kinds:
        if label not in memory_servers:
            continue
        server = make()
        try:
            if isinstance(server, imap_peers.HarborPeer):
                server.prepare(idle, cheap_hash=cheap)
            else:
                server.prepare(hashes)
            if isinstance(server, imap_peers.HarborPeer):
                server.start()
                fill(args, server, IDLE, args.idle_accounts, "INBOX", args.idle_messages)
            else:
                server.start(durable=False)
                fill(args, server, IDLE, args.idle_accounts, "INBOX", args.idle_messages)
                server.stop()
                server.start(durable=True)
            results[label] = memory_cell(args, server, cheap)
        finally:
            server.stop()
    return results


def ratio(row, key="ops_per_s"):
    if "harbor" not in row or "dovecot" not in row or not row["dovecot"][key]:
        return "-"
    return f"{row['harbor'][key] / row['dovecot'][key]:.2f}×"


def errors_of(result):
    return sum(result[k] for k in ("no", "bad", "bye", "io", "setup_failed"))


def print_tables(args, rows, large, memory):
    print()
    print("| op | clients | harbor ops/s | harbor p50 / p99 ms | harbor errors | dovecot ops/s "
          "| dovecot p50 / p99 ms | dovecot errors | harbor / dovecot |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        line = f"| {row['op']} | {row['clients']} |"
        for name in ("harbor", "dovecot"):
            result = row.get(name)
            if result is None:
                line += " - | - | - |"
                continue
            line += (f" {result['ops_per_s']:.0f} | {result['p50_ms']:.2f} / "
                     f"{result['p99_ms']:.2f} | {errors_of(result)} |")
        line += f" {ratio(row) if row.get('harbor', {}).get('ok') else '-'} |"
        print(line)
    if large:
        print()
        print(f"Large mailbox ({args.large} messages), one client, 5 runs: first / median ms")
        print("| command | harbor | dovecot |")
        print("|---|---|---|")
        for op, text in (("select", "SELECT INBOX"), ("fetch_flags", "FETCH 1:* (FLAGS)")):
            line = f"| {text} |"
            for name in ("harbor", "dovecot"):
                cell = large.get(name, {}).get(op)
                if cell is None or cell["first_ms"] is None:
                    line += f" errors ({cell['first_error'] if cell else '-'}) |"
                else:
                    line += f" {cell['first_ms']:.1f} / {cell['median_ms']:.1f} |"
            print(line)
        for key, text in (("select", "anonymous PSS growth with it selected, bytes/message"),
                          ("store", "anonymous PSS growth after a first STORE, bytes/message")):
            line = f"| {text} |"
            for name in ("harbor", "dovecot"):
                view = large.get(name, {}).get("view_bytes_per_message")
                line += f" {view[key]:.0f} |" if view else " - |"
            print(line)
    if memory:
        print()
        print(f"Idle connections ({args.idle_connections}, LOGIN + SELECT + IDLE): PSS of all "
              "server processes")
        print("| server | PSS before MiB | PSS with connections MiB | processes | idling | "
              "IDLE refused | failed | KiB per connection |")
        print("|---|---|---|---|---|---|---|---|")
        for label, cell in memory.items():
            per = cell["kib_per_connection"]
            print(f"| {label} | {cell['before_kib'] / 1024:.1f} | {cell['with_kib'] / 1024:.1f} "
                  f"| {cell['processes']} | {cell['idling']} | {cell['idle_refused']} | "
                  f"{cell['failed']} | {per:.1f} |" if per is not None else
                  f"| {label} | - | - | - | 0 | 0 | {cell['failed']} | - |")


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    hard = raise_file_limit()
    with open("/proc/sys/fs/inotify/max_user_instances", encoding="ascii") as limit:
        inotify_instances = int(limit.read())
    if not args.skip_memory and inotify_instances < args.idle_connections:
        # Each idle imap process, and imap-hibernate for each connection it holds, keeps an
        # inotify instance of the mail user; past the limit Dovecot disables inotify and the
        # connection is not hibernated (its log: "Inotify instance limit ... exceeded").
        print(f"# WARNING: fs.inotify.max_user_instances is {inotify_instances}: Dovecot can "
              f"hibernate at most about that many of {args.idle_connections} connections",
              flush=True)
    if not args.skip_memory and hard < args.idle_connections + 1000:
        print(f"# WARNING: RLIMIT_NOFILE hard limit {hard} is below {args.idle_connections} "
              "connections plus headroom", flush=True)
    servers_wanted = [args.only] if args.only else ["harbor", "dovecot"]
    workdir = imap_peers.make_workdir("bench-imap-", args.tmp)
    load_before = os.getloadavg()
    rows, large, memory = [], {}, {}
    try:
        print(f"# workdir {workdir}", flush=True)
        # --ops "" --skip-large: the memory run only.
        servers = (start_pair(args, workdir, servers_wanted)
                   if args.op_list or not args.skip_large else [])
        try:
            rows = run_ops(args, servers)
            if not args.skip_large:
                large = run_large(args, servers)
        finally:
            for server in servers:
                server.stop()
        if not args.skip_memory:
            memory = run_memory(args, workdir, servers_wanted)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print_tables(args, rows, large, memory)
    print(f"# load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"ops": rows, "large": large, "memory": memory}, out, indent=1)
    # The generator is right if Dovecot, which implements every command used, answers OK.
    dovecot_errors = [f"{row['op']}: {row['dovecot']['first_error']}" for row in rows
                      if "dovecot" in row and errors_of(row["dovecot"])]
    dovecot_errors += [f"large {op}: {cell['first_error']}"
                       for op, cell in large.get("dovecot", {}).items()
                       if op != "view_bytes_per_message" and cell["errors"]]
    dovecot_errors += [f"memory {label}: {cell['first_error']}"
                       for label, cell in memory.items()
                       if label.startswith("dovecot") and (cell["failed"] or cell["idle_refused"])]
    for error in dovecot_errors:
        print(f"# DOVECOT ERROR {error}")
    return 1 if args.smoke and dovecot_errors else 0


if __name__ == "__main__":
    sys.exit(main())
