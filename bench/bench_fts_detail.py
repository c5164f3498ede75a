#!/usr/bin/python3
"""FTS5 trigram index: detail=full vs detail=column vs detail=none (size, build and query time).

Measures what the full-text index (src/store/text/text_index.cpp: one FTS5 table
`fts(header, body)` with tokenize = 'trigram case_sensitive 1') would cost and answer with each
`detail` option, on the same kind of mail bench/bench_text_search.cpp generates (its LCG,
vocabulary and message shapes, reimplemented here; the text indexed is the header block and
the body text, the HTML alternative's text included). Standalone: Python's sqlite3 module,
which on Debian 12 is the same SQLite (3.40.1) Harbor links. Touches nothing of Harbor's.

For each detail it reports the database size (and, through dbstat, the FTS5 index b-tree
`fts_data` apart from the copy of the text in `fts_content`), the build time, and for needles
of 3, 5 and 12 characters, rare and common, in BODY (the body column) and TEXT (either column)
scope: the query time (median of --runs) and whether the rowids found are exactly those of a
brute-force substring scan of the same text. Queries:
- MATCH (what text_index.cpp does today): `body : "needle"` and `"needle"`. With detail=column
  or none a needle of more than 3 characters is a phrase of several trigrams, which FTS5
  refuses ("phrase queries are not supported (detail!=full)"); detail=none also refuses the
  column filter. Those cells say "refused".
- GLOB: `body GLOB '*needle*'` and, for TEXT, `header GLOB ?1 UNION body GLOB ?1`. FTS5 turns
  a GLOB pattern into the AND of its trigrams (fts5 "LIKE and GLOB" support of the trigram
  tokenizer; GLOB since the tokenizer is case-sensitive, LIKE would scan), and SQLite
  evaluates the GLOB itself on every candidate row (the constraint is not omitted), so the
  answer is exact whatever the detail. The needle's *, ? and [ are escaped as [*], [?], [[].
An escape check at the start runs needles with GLOB's special characters against a tiny
table of every detail and fails (exit 1) if any answer differs from the substring scan; so
does any measured cell that is not exact.

Run: /usr/bin/python3 bench/bench_fts_detail.py [--messages 100000] [--dir /var/tmp] [--runs 3]
"""

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time

DETAILS = ("full", "column", "none")
RARE_WORD = "xylophonequartz"  # in one message of 10,000, as in bench_text_search.cpp
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ben", "dor", "gal", "hex", "pin",
             "qua", "str", "wel", "zo", "fy")


class Random:
    """bench_text_search.cpp's 64-bit LCG, so both programs make the same mail."""

    def __init__(self):
        self.state = 42

    def below(self, n):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (self.state >> 33) % n


def vocabulary(random):
    words = ["the"]
    while len(words) < 20000:
        parts = 2 + random.below(3)
        words.append("".join(SYLLABLES[random.below(len(SYLLABLES))] for _ in range(parts)))
    return words


def draw(words, random):
    a = random.below(len(words))
    b = random.below(len(words))
    return words[a * b // len(words)]


def make_text(n, random, words):
    """(header, body) as the index would hold them for message n of bench_text_search.cpp."""
    parts = []
    count = 40 + random.below(160)
    for i in range(count):
        parts.append("\r\n" if i % 12 == 0 and i > 0 else " ")
        parts.append(words[0] if i % 3 == 0 else draw(words, random))
    text = "".join(parts)
    if n % 10000 == 7:
        text += " " + RARE_WORD + "."
    subject = f"{draw(words, random)} {draw(words, random)} {n}"
    header = (f"From: Sender {n % 97} <sender{n % 97}@example.net>\r\n"
              f"To: alice@example.org\r\nSubject: {subject}\r\n"
              f"Date: Mon, 6 Nov 2023 10:00:00 +0000\r\nMessage-ID: <{n}@example.net>\r\n"
              "MIME-Version: 1.0\r\n")
    body = text if n % 5 != 0 else text + "\r\n" + text  # the HTML alternative's text
    return header, body


def glob_pattern(needle):
    escaped = "".join(f"[{c}]" if c in "*?[" else c for c in needle)
    return f"*{escaped}*"


def match_phrase(needle, body_only):
    quoted = '"' + needle.replace('"', '""') + '"'
    return ("body : " + quoted) if body_only else quoted


def create(db, detail):
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(header, body, "
               f"tokenize = 'trigram case_sensitive 1', detail = {detail})")


def query(db, method, needle, body_only):
    """The rowids found, or None when FTS5 refuses the query."""
    try:
        if method == "MATCH":
            sql = "SELECT rowid FROM fts WHERE fts MATCH ?"
            rows = db.execute(sql, (match_phrase(needle, body_only),)).fetchall()
        elif body_only:
            rows = db.execute("SELECT rowid FROM fts WHERE body GLOB ?",
                              (glob_pattern(needle),)).fetchall()
        else:
            rows = db.execute("SELECT rowid FROM fts WHERE header GLOB ?1 UNION "
                              "SELECT rowid FROM fts WHERE body GLOB ?1",
                              (glob_pattern(needle),)).fetchall()
    except sqlite3.OperationalError as error:
        if "not supported" in str(error):
            return None
        raise
    return {row[0] for row in rows}


def brute_force(docs, needle, body_only):
    return {rowid for rowid, (header, body) in docs.items()
            if needle in body or (not body_only and needle in header)}


def escape_check():
    """GLOB's special characters in needles: every detail must answer exactly."""
    docs = {1: ("h", "XXown YYwn ZZn fAA foBB"), 2: ("h", "the brown fox"), 3: ("own fo", "zz"),
            4: ("h", 'a*b?c[d]e"f'), 5: ("h", 'aXb?c[d]e"f'), 6: ("h", "a*bXc[d]e"),
            7: ("h", "Own fo"), 8: ("h", "x]]y**z??")}
    needles = ["own fo", 'a*b?c[d]e"f', "b?c", "[d]", "c[d]e", 'd]e"', "]]y", "y**", "z??",
               "*bX", "Own"]
    failures = 0
    for detail in DETAILS:
        db = sqlite3.connect(":memory:")
        create(db, detail)
        db.executemany("INSERT INTO fts (rowid, header, body) VALUES (?, ?, ?)",
                       [(k, h, b) for k, (h, b) in docs.items()])
        for needle in needles:
            for body_only in (True, False):
                want = brute_force(docs, needle, body_only)
                got = query(db, "GLOB", needle, body_only)
                if got != want:
                    failures += 1
                    print(f"ESCAPE CHECK FAILED detail={detail} needle={needle!r} "
                          f"body_only={body_only}: {sorted(got)} != {sorted(want)}")
        db.close()
    print(f"escape check: {failures} failures over {len(DETAILS) * len(needles) * 2} queries")
    return failures


def pick_needles(docs, words):
    """Rare: pieces of RARE_WORD. Common: the piece of that length found in most messages
    among candidates from frequent words and the phrases that join them."""
    bodies = [body for _, body in docs.values()]
    sample = bodies[: max(1, len(bodies) // 20)]

    def frequency(needle):
        return sum(1 for body in sample if needle in body)

    candidates = {3: ["the", words[1][:3], words[2][:3]],
                  5: [" the ", words[1][:5], "the " + words[1][:1]],
                  12: [" the " + words[1] + " the "]}
    for length in (5, 12):
        candidates[length] += [w[:length] for w in words[1:200] if len(w) >= length]
        candidates[length] += [(w + " the ")[:length] for w in words[1:200]]
        candidates[length] += [("the " + w)[:length] for w in words[1:200]]
    needles = []
    for length, rare in ((3, RARE_WORD[:3]), (5, RARE_WORD[3:8]), (12, RARE_WORD[3:15])):
        usable = [c for c in candidates[length] if len(c) == length]
        common = max(usable, key=frequency)
        needles.append((f"{length} rare", rare))
        needles.append((f"{length} common", common))
    return needles


def build(path, detail, docs):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    create(db, detail)
    started = time.perf_counter()
    rows = [(rowid, header, body) for rowid, (header, body) in docs.items()]
    for first in range(0, len(rows), 1000):  # the indexer commits in batches too
        db.execute("BEGIN")
        db.executemany("INSERT INTO fts (rowid, header, body) VALUES (?, ?, ?)",
                       rows[first:first + 1000])
        db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - started
    sizes = dict(db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
    return db, seconds, sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100000)
    parser.add_argument("--dir", default="/var/tmp", help="parent of the working directory")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"SQLite {sqlite3.sqlite_version}")
    failures = escape_check()

    random = Random()
    words = vocabulary(random)
    docs = {n + 1: make_text(n, random, words) for n in range(args.messages)}
    text_bytes = sum(len(h.encode()) + len(b.encode()) for h, b in docs.values())
    print(f"{args.messages} messages, {text_bytes / 2**20:.1f} MiB of indexed text")
    needles = pick_needles(docs, words)
    workdir = tempfile.mkdtemp(prefix="harbor-fts-detail-", dir=args.dir)
    results = {}
    try:
        for detail in DETAILS:
            path = os.path.join(workdir, f"{detail}.db")
            db, seconds, sizes = build(path, detail, docs)
            file_mib = os.path.getsize(path) / 2**20
            index_mib = sizes.get("fts_data", 0) / 2**20
            content_mib = sizes.get("fts_content", 0) / 2**20
            print(f"\ndetail={detail}: file {file_mib:.1f} MiB (fts_data {index_mib:.1f}, "
                  f"fts_content {content_mib:.1f}, rest "
                  f"{file_mib - index_mib - content_mib:.1f}), built in {seconds:.1f} s")
            for label, needle in needles:
                for scope, body_only in (("BODY", True), ("TEXT", False)):
                    want = brute_force(docs, needle, body_only)
                    for method in ("MATCH", "GLOB"):
                        times, got = [], None
                        for _ in range(args.runs):
                            started = time.perf_counter()
                            got = query(db, method, needle, body_only)
                            times.append(time.perf_counter() - started)
                            if got is None:
                                break
                        if got is None:
                            cell = "refused"
                        else:
                            exact = got == want
                            failures += 0 if exact else 1
                            cell = (f"{statistics.median(times) * 1000:8.1f} ms"
                                    f"{'' if exact else ' NOT EXACT'}")
                        results[(detail, label, scope, method)] = cell
                        print(f"  {scope} {label:<10} {needle!r:<16} {method:<5} "
                              f"{len(want):>6} hits  {cell}", flush=True)
            db.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f"\n{failures} answers differ from the substring scan")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
