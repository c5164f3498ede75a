"""Self-tests of tests/interop/harbor_harness.py and the runner's command line against a fake
`harbor` (a Python program written to a temp dir that binds the demo ports and writes
demo.json, misbehaving on request): early exit, no or stale demo.json, port race, SIGTERM hang.
"""

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from pathlib import Path

import harbor_script

harness = harbor_script.import_harness()

FAKE_HARBOR = textwrap.dedent('''\
    import json, os, signal, socket, sys, time
    args = sys.argv[1:]
    data, base = args[args.index("--demo") + 1], int(args[args.index("--port-base") + 1])
    mode = args[args.index("--mode") + 1] if "--mode" in args else "ok"
    if mode == "early-exit":
        sys.exit("fatal: config.toml:3: bad key")
    marker = os.path.join(data, "lost-race-once")
    if mode == "port-race-once" and not os.path.exists(marker):
        open(marker, "w").close()
        sys.exit("bind 127.0.0.1:%d: Address already in use" % (base + 25))
    if mode == "no-demo-json":
        time.sleep(60)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    if mode == "ignore-sigterm":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    offsets = {"smtp": 25, "submission": 587, "submissions": 465, "imap": 143,
               "imaps": 993, "pop3": 110, "pop3s": 995, "http": 80}
    listeners = []
    for offset in offsets.values():
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", base + offset))
        sock.listen(64)
        listeners.append(sock)
    if mode == "slow-demo-json":
        time.sleep(0.5)
    demo = {"domain": "example.test", "certificate": "/nonexistent.pem",
            "accounts": [{"address": "admin@example.test", "password": "p" * 16,
                          "role": "admin"}],
            "ports": {name: base + offset for name, offset in offsets.items()}}
    with open(os.path.join(data, "demo.json.tmp"), "w") as handle:
        json.dump(demo, handle)
    os.rename(os.path.join(data, "demo.json.tmp"), os.path.join(data, "demo.json"))
    print("ready", flush=True)
    while not stopping:
        time.sleep(0.02)
    sys.exit(7 if mode == "exit-7" else 0)
''')


def setUpModule():
    global FAKE_DIR, FAKE, BROKEN
    FAKE_DIR = tempfile.TemporaryDirectory(prefix="fake-harbor-")
    FAKE = write_executable("harbor", f"#!{sys.executable}\n{FAKE_HARBOR}")
    BROKEN = write_executable("broken", "#!/bin/sh\necho 'fatal: cannot open the store' >&2\n"
                                        "exit 1\n")


def write_executable(name, text):
    path = Path(FAKE_DIR.name) / name
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def tearDownModule():
    FAKE_DIR.cleanup()


def fake(mode="ok", tmpdir=None, **kwargs):
    """A HarborServer running the fake in `mode`."""
    return harness.HarborServer(str(FAKE), tmpdir, extra_args=["--mode", mode], **kwargs)


def process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class HarnessTest(unittest.TestCase):
    def setUp(self):
        # Failing starts keep their directory for inspection; these are expected, so give
        # each test a directory that is always removed.
        self.scratch = tempfile.TemporaryDirectory(prefix="harness-test-")
        self.tmpdir = self.scratch.name

    def tearDown(self):
        self.scratch.cleanup()

    def test_start_reads_demo_json_and_stop_returns_the_exit_code(self):
        with fake() as server:
            self.assertEqual(server.ports["smtp"], server.port_base + 25)
            self.assertEqual(server.account("admin")["address"], "admin@example.test")
            self.assertTrue(harness.port_accepts(server.ports["pop3s"]))
            self.assertTrue(process_exists(server.pid))
            tmpdir = server.tmpdir
            self.assertEqual(server.stop(), 0)
        self.assertFalse(os.path.exists(tmpdir), "the temporary directory was not removed")

    def test_early_exit_is_reported_with_its_stderr(self):
        started = time.monotonic()
        with self.assertRaisesRegex(harness.HarborError, "(?s)exited with 1 before it was "
                                    "ready.*config.toml:3: bad key"):
            fake("early-exit", tmpdir=self.tmpdir).start()
        self.assertLess(time.monotonic() - started, 5)

    def test_missing_demo_json_times_out_and_kills_the_process(self):
        server = fake("no-demo-json", start_timeout=0.5, tmpdir=self.tmpdir)
        with self.assertRaisesRegex(harness.HarborError, "waiting for demo.json"):
            server.start()
        self.assertIsNone(server.process)

    def test_a_stale_demo_json_is_not_taken_for_ready(self):
        data = Path(self.tmpdir) / "data"
        data.mkdir()
        (data / "demo.json").write_text(json.dumps({"ports": {"smtp": 1}}))
        with fake("slow-demo-json", tmpdir=self.tmpdir) as server:
            self.assertEqual(server.ports["smtp"], server.port_base + 25)

    def test_a_lost_port_race_is_retried_on_a_new_base(self):
        with fake("port-race-once", tmpdir=self.tmpdir) as s:
            self.assertTrue(os.path.exists(Path(s.data_dir) / "lost-race-once"))
            self.assertIn("Address already in use", Path(s.stderr_path).read_text())

    def test_a_hang_on_sigterm_is_killed_and_reported(self):
        server = fake("ignore-sigterm", stop_timeout=0.5, tmpdir=self.tmpdir)
        server.start()
        pid = server.pid
        with self.assertRaisesRegex(harness.HarborError, "did not exit within 0.5 s"):
            server.stop()
        self.assertFalse(process_exists(pid))

    def test_a_non_zero_exit_fails_the_with_block(self):
        with self.assertRaisesRegex(harness.HarborError, "exited with 7 on SIGTERM"):
            with fake("exit-7", tmpdir=self.tmpdir):
                pass

    def test_a_crash_during_the_test_fails_the_with_block(self):
        with self.assertRaisesRegex(harness.HarborError, "exited with -9 before the test"):
            with fake(tmpdir=self.tmpdir) as server:
                os.kill(server.pid, signal.SIGKILL)
                server.process.wait()

    def test_picked_port_base_is_free(self):
        base = harness.pick_port_base()
        for offset in harness.PORT_OFFSETS.values():
            self.assertTrue(harness.port_is_free(base + offset))
        with socket.create_server(("127.0.0.1", base + 25)):
            self.assertFalse(harness.port_is_free(base + 25))


class CommandLineTest(unittest.TestCase):
    """harbor_script.py end to end: one fake Harbor, per-script lines, the summary line and
    the exit status. The fake never answers, so only a send-only script can pass."""

    def run_cli(self, *scripts, binary=None):
        with tempfile.TemporaryDirectory() as tmpdir:
            paths = []
            for index, text in enumerate(scripts):
                path = Path(tmpdir) / f"s{index}.smtp"
                path.write_text(text, encoding="utf-8")
                paths.append(str(path))
            result = subprocess.run(
                [sys.executable, harbor_script.__file__, "--harbor", str(binary or FAKE), *paths],
                capture_output=True, text=True, timeout=60,
                env={**os.environ, "TMPDIR": tmpdir})  # kept failure dirs land in ours
        return result, result.stdout.splitlines()

    def test_all_pass(self):
        result, lines = self.run_cli("@listener smtp\nC: NOOP\n")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertTrue(lines[0].startswith("PASS "), lines)
        self.assertEqual(lines[-1], "1 passed, 0 failed")

    def test_a_failure_sets_the_exit_status_and_shows_harbor_output(self):
        result, lines = self.run_cli("@listener smtp\nC: NOOP\n",
                                     "@timeout 0.2\n@listener smtp\nS: 220 *\n")
        self.assertEqual(result.returncode, 1)
        self.assertIn("nothing within 0.2 s", result.stdout)
        self.assertIn("--- harbor stdout", result.stdout)
        self.assertEqual(lines[-1], "1 passed, 1 failed")

    def test_harbor_that_cannot_start_fails_every_script(self):
        result, lines = self.run_cli("@listener smtp\n", "@listener smtp\n", binary=BROKEN)
        self.assertEqual(result.returncode, 1)
        self.assertIn("FAIL harbor start", result.stdout)
        self.assertIn("fatal: cannot open the store", result.stdout)
        self.assertEqual(lines[-1], "0 passed, 2 failed")

    def test_no_scripts_is_a_usage_error(self):
        with tempfile.TemporaryDirectory() as empty:
            result = subprocess.run([sys.executable, harbor_script.__file__, "--harbor",
                                     str(FAKE), empty], capture_output=True, text=True,
                                    timeout=60)
        self.assertEqual(result.returncode, 2)
        self.assertIn("no *.smtp", result.stderr)


if __name__ == "__main__":
    unittest.main()
