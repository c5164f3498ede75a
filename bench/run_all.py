#!/usr/bin/python3
"""Every benchmark of bench/ in one run, Harbor against its peers: one table of the ratios.

`make bench` builds a Release tree (build/bench) and runs this. Each benchmark runs in turn,
never two at once, with the settings docs/benchmarks.md records for it (--quick: a short run
of each, for a smoke check; its figures are not for the docs). Its own output goes to stderr
as it runs; what it measured is read back from its --json file (the Python drivers) or from
its printed table (the C++ programs), and stdout gets ONE table:

    benchmark | metric | Harbor | peer | peer figure | Harbor vs peer | note

"Harbor vs peer" reads as "times better": Harbor/peer where higher is better (rates), and
peer/Harbor where lower is better (latency, CPU or memory per unit; those units carry a ↓).
A benchmark that fails (exit status, a check of its own, a peer not installed, output that
cannot be read) is a FAILED row with the reason; the others still run, and the exit status
is 1 at the end. bench_fts_detail.py is not run: it compares SQLite FTS5 options with each
other, there is no peer.

    /usr/bin/python3 bench/run_all.py --build build/bench [--quick] [--only dkim,pop3]
        [--json FILE] [--markdown] [--timeout SECONDS]
"""

import argparse
import ctypes.util
import datetime
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
# The drivers need Debian's python3-dkim and friends, which a pyenv or venv python lacks.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
POSTFIX = ("/usr/sbin/postfix", "/usr/sbin/smtp-source", "/usr/sbin/smtp-sink")
DOVECOT_IMAP = ("/usr/sbin/dovecot", "/usr/lib/dovecot/imap")
DOVECOT_POP3 = ("/usr/sbin/dovecot", "/usr/lib/dovecot/pop3")


class Failure(Exception):
    """A benchmark that gave no figures: the message is the FAILED row's reason."""


class Row:
    def __init__(self, benchmark, metric, unit="", harbor=None, peer_name="", peer=None,
                 higher_is_better=True, ratio=None, note="", failed=None):
        self.benchmark, self.metric, self.unit = benchmark, metric, unit
        self.harbor, self.peer_name, self.peer = harbor, peer_name, peer
        self.higher_is_better, self.note, self.failed = higher_is_better, note, failed
        self.ratio = ratio if ratio is not None else self._times_better()

    def _times_better(self):
        if self.harbor is None or self.peer is None:
            return None
        over, under = ((self.harbor, self.peer) if self.higher_is_better
                       else (self.peer, self.harbor))
        return over / under if under > 0 else None

    def as_dict(self):
        return {key: getattr(self, key) for key in (
            "benchmark", "metric", "unit", "higher_is_better", "harbor", "peer_name", "peer",
            "ratio", "note", "failed")}


def failed_row(benchmark, reason, metric="-"):
    return Row(benchmark, metric, failed=reason)


class Context:
    """What every benchmark needs: the build tree, the mode, a scratch directory, the runner."""

    def __init__(self, args, scratch):
        self.build = os.path.abspath(args.build)
        self.quick = args.quick
        self.tmp = args.tmp
        self.timeout = args.timeout or (900 if args.quick else 4 * 3600)
        self.scratch = scratch
        self.commands = {}  # benchmark -> the commands it ran, for --json

    def binary(self, relative):
        path = os.path.join(self.build, relative)
        if not os.access(path, os.X_OK):
            raise Failure(f"not built: {path}")
        return path

    def json_path(self, name):
        return os.path.join(self.scratch, name + ".json")

    def run(self, name, command):
        """Runs one benchmark program, its output copied to stderr as it comes; returns the
        output lines. A non-zero exit status, or the timeout, is a Failure."""
        command = [str(part) for part in command]
        self.commands.setdefault(name, []).append(shlex.join(command))
        print(f"\n== {name}: {shlex.join(command)}", file=sys.stderr, flush=True)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace", env=env, cwd=REPO)
        timed_out = threading.Event()

        def on_timeout():
            timed_out.set()
            stop(proc)

        timer = threading.Timer(self.timeout, on_timeout)
        timer.start()
        lines = []
        try:
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                sys.stderr.write("   " + line)
                sys.stderr.flush()
            proc.wait()
        except KeyboardInterrupt:
            # The terminal's SIGINT reached the program too; a second one could cut short the
            # `finally` that stops its servers, so let it finish first.
            stop(proc, first_grace=120)
            raise
        except BaseException:
            stop(proc)  # SIGTERM: the program cleans up its servers, then we go
            raise
        finally:
            timer.cancel()
        if timed_out.is_set():
            raise Failure(f"timed out after {self.timeout:.0f} s")
        if proc.returncode < 0:
            raise Failure(f"killed by {signal.Signals(-proc.returncode).name}: "
                          f"{last_words(lines)}")
        if proc.returncode != 0:
            raise Failure(f"exit status {proc.returncode}: {last_words(lines)}")
        return lines


def stop(proc, first_grace=0):
    """SIGINT first (the Python drivers stop their servers in `finally`), then harder; only
    this process, by its PID. first_grace: seconds to wait before sending anything."""
    for sig, grace in ((None, first_grace), (signal.SIGINT, 120), (signal.SIGTERM, 30),
                       (signal.SIGKILL, 30)):
        if proc.poll() is not None:
            return
        if sig is not None:
            proc.send_signal(sig)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            continue


def last_words(lines):
    """The line that says why a program failed: its last error line, else its last line."""
    marked = [line for line in lines
              if re.search(r"ERROR|Error\b|MISMATCH|failed\b(?!=)", line)]
    text = (marked or [line for line in lines if line.strip()] or ["(no output)"])[-1].strip()
    return text if len(text) <= 200 else text[:197] + "..."


def need(*paths, why):
    for path in paths:
        if not os.path.exists(path):
            raise Failure(f"peer missing: {path} ({why})")


def need_python_module(module, package):
    probe = subprocess.run([PYTHON, "-c", f"import {module}"], capture_output=True)
    if probe.returncode != 0:
        raise Failure(f"peer missing: Python module {module} for {PYTHON} ({package})")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def size_text(size):
    if size % (1 << 20) == 0:
        return f"{size >> 20} MiB"
    return f"{size >> 10} KiB" if size % 1024 == 0 else f"{size} B"


def plural(count, word):
    return f"{count:,} {word}" + ("" if count == 1 else "es" if word.endswith("h") else "s")


# -- the benchmarks, each a function (Context) -> [Row]; the settings are docs/benchmarks.md's

GROUP_ROW = re.compile(r"^\s*(\d+) \|\s+([\d.]+)\s+[\d.]+\s+(\d+) \|\s+([\d.]+)\s+[\d.]+\s+(\d+)"
                       r" \|\s+([\d.]+)x$")


def group_commit(ctx):
    binary = ctx.binary("bench/bench_group_commit")
    seconds, sizes = ("0.2", [1024]) if ctx.quick else ("0.75", [1024, 4096, 65536, 1 << 20])
    peer = "SQLite, a transaction per write"
    rows = []
    for size in sizes:
        section, found = None, 0
        for line in ctx.run("group_commit", [binary, seconds, size]):
            if line.startswith(("append", "create_alias")):
                section = line.split()[0]
            match = GROUP_ROW.match(line)
            if not match or section is None:
                continue
            writers, harbor, harbor_failed, naive, naive_failed, ratio = match.groups()
            found += 1
            if int(harbor_failed) or int(naive_failed):
                raise Failure(f"{harbor_failed} Harbor and {naive_failed} SQLite writes failed")
            if section == "create_alias" and size != sizes[0]:
                continue  # the directory-row workload does not depend on the body size
            what = (f"append {size_text(size)}" if section == "append" else "directory row")
            rows.append(Row("group_commit", f"{what}, {plural(int(writers), 'writer')}",
                            "writes/s", float(harbor), peer, float(naive),
                            ratio=float(ratio) if float(naive) > 0 else None))
        if found != 6:
            raise Failure(f"{found} of 6 result lines for {size}-byte bodies in its output")
    return rows


MIME_ROW = re.compile(r"^\| (\S+)\s+\|\s+([\d.]+) \|\s+\d+ \|[^|]+\|\s+\d+ \|"
                      r"\s+(?:([\d.]+)x)?\s*\|$")
MIME_PEERS = [("gmime-parse", "GMime 3", "parse"),
              ("gmime-parse+decode", "GMime 3", "parse + decode"),
              ("python-compat32-parse", "Python email, compat32", "parse"),
              ("python-compat32-decode", "Python email, compat32", "parse + decode"),
              ("python-default-parse", "Python email, default", "parse"),
              ("python-default-decode", "Python email, default", "parse + decode")]


def mime(ctx):
    binary = ctx.binary("bench/bench_mime_parse")
    options = (["--rounds", 1, "--python-rounds", 1, "--min-seconds", 0.05] if ctx.quick
               else ["--rounds", 7, "--python-rounds", 3])
    table = {}
    for line in ctx.run("mime", [binary, *options, "--no-sets"]):
        match = MIME_ROW.match(line)
        if match:
            table[match.group(1)] = (float(match.group(2)),
                                     float(match.group(3)) if match.group(3) else None)
    rows = []
    for peer, peer_name, what in MIME_PEERS:
        harbor = table.get("harbor-parse" if what == "parse" else "harbor-parse+decode")
        if harbor is None:
            raise Failure("no harbor row in its output")
        if peer not in table:
            rows.append(failed_row("mime", f"no {peer} row in its output (peer failed?)",
                                   f"{what} vs {peer_name}"))
            continue
        rows.append(Row("mime", what, "MB/s", harbor[0], peer_name, table[peer][0],
                        ratio=table[peer][1]))
    return rows


def dkim(ctx):
    binary = ctx.binary("bench/dkim/bench_dkim")
    need_python_module("dkim", "python3-dkim, scripts/deps")
    if ctypes.util.find_library("opendkim") is None:
        raise Failure("peer missing: libopendkim (libopendkim11, scripts/deps)")
    options = ["--smoke"] if ctx.quick else ["--rounds", 5]
    ctx.run("dkim", [PYTHON, os.path.join(HERE, "dkim", "bench_dkim.py"), "--bench", binary,
                     *options, "--json", ctx.json_path("dkim")])
    rows = []
    for cell in read_json(ctx.json_path("dkim"))["cells"]:
        metric = f"{cell['key']} {cell['message']} {cell['operation']}"
        for peer in ("dkimpy", "OpenDKIM"):
            if peer not in cell["ratio"]:
                reason = cell["missing"].get(peer, "no figure")
                rows.append(failed_row("dkim", f"peer missing: {reason}", f"{metric} vs {peer}"))
                continue
            rows.append(Row("dkim", metric, "ops/s", cell["ops_per_s"]["Harbor"], peer,
                            cell["ops_per_s"][peer], ratio=cell["ratio"][peer]))
    return rows


SEARCH_ROW = re.compile(r"^\| (BODY|TEXT) <(\w+) word> \((\S+)\) \| (\d+)( MISMATCH)? \| "
                        r"([\d.]+) \| [\d.]+ \| \d+ \| ([\d.]+) \|")


def text_search(ctx):
    binary = ctx.binary("bench/bench_text_search")
    count = 2000 if ctx.quick else 100000
    workdir = tempfile.mkdtemp(prefix="bench-text-search-", dir=ctx.tmp)
    try:
        # Indexer at nice 0, as docs/benchmarks.md measures it (the server runs it idle-class).
        lines = ctx.run("text_search", [binary, count, workdir, 0])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rows = []
    for line in lines:
        match = SEARCH_ROW.match(line)
        if not match:
            continue
        key, which, needle, matches, mismatch, index_s, scan_s = match.groups()
        metric = f"SEARCH {key} {which} word, {plural(int(matches), 'match')}"
        if mismatch:
            rows.append(failed_row("text_search", "the index and the scan found different "
                                   "messages", metric))
            continue
        rows.append(Row("text_search", metric, "ms ↓", 1000 * float(index_s),
                        "reading every message", 1000 * float(scan_s), higher_is_better=False,
                        note=f"{count:,} messages; Harbor = the FTS5 index"))
    if len(rows) != 4:
        raise Failure(f"{len(rows)} of 4 query lines in its output")
    return rows


def smtp_accept(ctx):
    harbor = ctx.binary("src/harbor")
    need(*POSTFIX, why="Postfix: scripts/deps-bench")
    options = (["--sizes", 1024, "--sessions", 20, "--messages", 600, "--latency-messages", 200,
                "--no-sink"] if ctx.quick else ["--sizes", "1024,102400", "--sessions", "1,20"])
    ctx.run("smtp_accept", [PYTHON, os.path.join(HERE, "smtp_accept", "bench_smtp_accept.py"),
                            "--harbor", harbor, *options, "--reuse-connections",
                            "--json", ctx.json_path("smtp_accept")])
    rows = []
    for cell in read_json(ctx.json_path("smtp_accept"))["results"]:
        what = f"{size_text(cell['size'])}, {plural(cell['sessions'], 'session')}"
        harbor_cell, postfix = cell["harbor"], cell["postfix"]
        for key, unit, label in (("rate", "msg/s", "accepted"),
                                 ("p99_ms", "ms ↓", "p99 latency"),
                                 ("cpu_ms_per_msg", "CPU ms/msg ↓", "server CPU")):
            rows.append(Row("smtp_accept", f"{what}: {label}", unit, harbor_cell[key], "Postfix",
                            postfix[key], higher_is_better=(key == "rate")))
    return rows


def smtp_outbound(ctx):
    harbor = ctx.binary("src/harbor")
    need(*POSTFIX, why="Postfix: scripts/deps-bench")
    options = ["--messages", 300, "--domains", 1, "--runs", 1] if ctx.quick else []
    ctx.run("smtp_outbound", [PYTHON,
                              os.path.join(HERE, "smtp_outbound", "bench_smtp_outbound.py"),
                              "--harbor", harbor, *options,
                              "--json", ctx.json_path("smtp_outbound")])
    runs = read_json(ctx.json_path("smtp_outbound"))
    rows = []
    for domains in sorted({run["domains"] for run in runs}):
        rates = {server: sorted(run["rate"] for run in runs
                                if run["server"] == server and run["domains"] == domains)
                 for server in ("harbor", "postfix")}
        harbor_rate, postfix_rate = (median(rates["harbor"]), median(rates["postfix"]))
        rows.append(Row("smtp_outbound", f"queue of {runs[0]['messages']:,} to "
                        f"{plural(domains, 'domain')}, release to last", "msg/s", harbor_rate,
                        "Postfix", postfix_rate,
                        note=f"median of {plural(len(rates['harbor']), 'run')}"))
    return rows


def median(values):
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


IMAP_OPS = {"noop": "NOOP (the round trip)", "login": "LOGIN", "select": "SELECT",
            "fetch_flags_envelope": "FETCH 1:* (FLAGS ENVELOPE)", "fetch_body": "FETCH a body",
            "search_header": "SEARCH HEADER", "search_text": "SEARCH TEXT", "store": "STORE",
            "append": "APPEND", "move": "MOVE"}
IMAP_ERRORS = ("no", "bad", "bye", "io", "setup_failed")


def imap(ctx):
    harbor = ctx.binary("src/harbor")
    load = ctx.binary("bench/imap_load")
    need(*DOVECOT_IMAP, why="dovecot-imapd: scripts/deps")
    # Full: the script's defaults (1, 20 and 100 clients; a 100,000-message mailbox; 10,000
    # idle connections), the first command of docs/benchmarks.md's IMAP section.
    ctx.run("imap", [PYTHON, os.path.join(HERE, "imap_load", "bench_imap.py"), "--harbor",
                     harbor, "--load", load, *(["--smoke"] if ctx.quick else []),
                     "--json", ctx.json_path("imap")])
    data = read_json(ctx.json_path("imap"))
    rows = []
    for cell in data["ops"]:
        metric = f"{IMAP_OPS.get(cell['op'], cell['op'])}, {plural(cell['clients'], 'client')}"
        ours, theirs = cell.get("harbor"), cell.get("dovecot")
        if not ours or not theirs or not ours.get("ok"):
            first = (ours or {}).get("first_error") or "no result"
            rows.append(failed_row("imap", f"no operation completed on Harbor: {first}", metric))
            continue
        errors = [sum(side[key] for key in IMAP_ERRORS) for side in (ours, theirs)]
        note = f"errors: Harbor {errors[0]}, Dovecot {errors[1]}" if any(errors) else ""
        rows.append(Row("imap", metric, "ops/s", ours["ops_per_s"], "Dovecot",
                        theirs["ops_per_s"], note=note))
    large = data.get("large", {})
    large_count = 300 if ctx.quick else 100000  # bench_imap.py's --large (--smoke: 300)
    for op, label in (("select", "SELECT"), ("fetch_flags", "FETCH 1:* (FLAGS)")):
        ours, theirs = large.get("harbor", {}).get(op), large.get("dovecot", {}).get(op)
        metric = f"{label} of a {large_count:,}-message mailbox, median of 5"
        if not ours or not theirs:
            continue
        if ours["median_ms"] is None or theirs["median_ms"] is None:
            first = ours["first_error"] or theirs["first_error"]
            rows.append(failed_row("imap", f"errors: {first}", metric))
            continue
        rows.append(Row("imap", metric, "ms ↓", ours["median_ms"], "Dovecot",
                        theirs["median_ms"], higher_is_better=False))
    memory = data.get("memory", {})
    for peer, peer_name in (("dovecot", "Dovecot"), ("dovecot-hibernate", "Dovecot, hibernating")):
        ours, theirs = memory.get("harbor"), memory.get(peer)
        if ours and theirs and None in (ours["kib_per_connection"], theirs["kib_per_connection"]):
            rows.append(failed_row("imap", "no connection stayed open", f"idle vs {peer_name}"))
        elif ours and theirs:
            rows.append(Row("imap", f"memory per idle connection, {ours['idling']:,} open",
                            "KiB ↓", ours["kib_per_connection"], peer_name,
                            theirs["kib_per_connection"],
                            higher_is_better=False,
                            note=f"peer: {theirs['idling']:,} idling, {theirs['processes']:,} "
                                 "processes"))
    return rows


def pop3(ctx):
    harbor = ctx.binary("src/harbor")
    need(*DOVECOT_POP3, why="dovecot-pop3d: scripts/deps-bench")
    options = ["--smoke"] if ctx.quick else ["--messages", 10000, "--runs", 3]
    ctx.run("pop3", [PYTHON, os.path.join(HERE, "pop3_retr", "bench_pop3.py"), "--harbor",
                     harbor, *options, "--json", ctx.json_path("pop3")])
    data = read_json(ctx.json_path("pop3"))
    found = {(r["server"], r["client"]): r["messages_per_s"] for r in data["results"]}
    rows = []
    for client in ("sequential", "pipelined"):
        metric = f"RETR of {data['messages']:,} messages, {client}"
        if ("harbor", client) not in found or ("dovecot", client) not in found:
            rows.append(failed_row("pop3", "a server gave no figure", metric))
            continue
        rows.append(Row("pop3", metric, "msg/s", found[("harbor", client)], "Dovecot",
                        found[("dovecot", client)],
                        note=f"{data['window']} in flight" if client == "pipelined" else ""))
    return rows


BENCHMARKS = [("group_commit", group_commit), ("mime", mime), ("dkim", dkim),
              ("text_search", text_search), ("smtp_accept", smtp_accept),
              ("smtp_outbound", smtp_outbound), ("imap", imap), ("pop3", pop3)]


# -- the table

def number(value):
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 10 \
        else f"{value:.2f}"


def times(ratio):
    if ratio is None:
        return "-"
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.1f}×" if ratio < 100 else f"{ratio:.0f}×"


HEADER = ["benchmark", "metric", "Harbor", "peer", "peer figure", "Harbor vs peer", "note"]


def cells(row):
    if row.failed:
        return [row.benchmark, row.metric, "FAILED", "", "", "", row.failed]
    metric = f"{row.metric} ({row.unit})" if row.unit else row.metric
    return [row.benchmark, metric, number(row.harbor), row.peer_name, number(row.peer),
            times(row.ratio), row.note]


def print_text(rows):
    table = [HEADER] + [cells(row) for row in rows]
    widths = [max(len(line[column]) for line in table) for column in range(len(HEADER))]
    right = {2, 4, 5}
    for index, line in enumerate(table):
        print("  ".join(text.rjust(width) if column in right else text.ljust(width)
                        for column, (text, width) in enumerate(zip(line, widths))).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def print_markdown(rows):
    print("| " + " | ".join(HEADER) + " |")
    print("|---|---|---:|---|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(text.replace("|", "\\|") for text in cells(row)) + " |")


def duration(seconds):
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return f"{model}, {os.cpu_count()} cores; commit {commit}{' + local changes' if dirty else ''}"


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="benchmarks: " + ", ".join(name for name, _ in BENCHMARKS))
    parser.add_argument("--build", default=os.path.join(REPO, "build", "bench"),
                        help="the build tree with harbor and the bench programs (Release)")
    parser.add_argument("--quick", action="store_true",
                        help="short runs for a smoke check; not figures for the docs")
    parser.add_argument("--only", help="NAME[,NAME]: these benchmarks only")
    parser.add_argument("--json", help="write the whole table here")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--timeout", type=float,
                        help="seconds per benchmark (default 4 h, 15 min with --quick)")
    parser.add_argument("--tmp", default="/var/tmp", help="parent of large working directories")
    args = parser.parse_args()
    names = [name for name, _ in BENCHMARKS]
    args.selected = names
    if args.only:
        args.selected = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in args.selected if name not in names]
        if unknown or not args.selected:
            parser.error(f"unknown benchmark {', '.join(unknown) or '(none)'}; "
                         f"known: {', '.join(names)}")
    return args


def main():
    args = parse_args()
    # SIGTERM unwinds like Ctrl-C: the running program is stopped, the scratch removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    scratch = tempfile.mkdtemp(prefix="bench-runall-")
    ctx = Context(args, scratch)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()[0]
    rows, seconds = [], {}
    try:
        for name, function in BENCHMARKS:
            if name not in args.selected:
                continue
            began = time.monotonic()
            try:
                got = function(ctx)
                if not got:
                    raise Failure("no figures in its output")
            except Failure as failure:
                got = [failed_row(name, str(failure))]
            except Exception as error:  # noqa: BLE001 - one benchmark's bad output stops none
                got = [failed_row(name, f"could not read its results: {error!r}")]
            seconds[name] = time.monotonic() - began
            failures = sum(1 for row in got if row.failed)
            print(f"== {name}: {plural(len(got) - failures, 'figure')}, {failures} failed, "
                  f"{seconds[name]:.0f} s", file=sys.stderr, flush=True)
            rows += got
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load_after = os.getloadavg()[0]
    caption = (f"{'Quick run (smoke check, not figures to keep)' if args.quick else 'Run'} of "
               f"{started:%Y-%m-%d %H:%M} UTC, {duration(sum(seconds.values()))}; load "
               f"average {load_before:.2f} at the start, {load_after:.2f} at the end; "
               f"{machine()}. Harbor vs peer: times better (↓: lower is better, peer/Harbor).")
    print()
    if args.markdown:
        print(caption + "\n")
        print_markdown(rows)
    else:
        print(caption)
        print_text(rows)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"started": started.isoformat(timespec="seconds"), "quick": args.quick,
                       "load_before": load_before, "load_after": load_after,
                       "machine": machine(), "seconds": seconds, "commands": ctx.commands,
                       "rows": [row.as_dict() for row in rows]}, out, indent=1,
                      ensure_ascii=False)
    sys.stdout.flush()  # the table before the verdict, where both go to one log
    failed = [row for row in rows if row.failed]
    if failed:
        print(f"\n{plural(len(failed), 'row')} FAILED", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
