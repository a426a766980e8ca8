#!/usr/bin/python3
"""Soak test: mixed traffic for a bounded time while workers are killed, reloaded and recycled.

Starts Dram (-w 3 --max-requests ...) on bench/apps/soak.py and drives it from several client
threads (half keep their connection alive, half open one per request) with GETs of checked blobs,
checked streams and uploads whose digest the app sends back. Meanwhile it SIGKILLs a serving
worker, sends HUP (rolling reload) and USR1 (reopen logs) to the master in turn, and
--max-requests recycles workers all along.

Every request's outcome is recorded. A failed request is counted as "inside a SIGKILLed worker"
when its connection belonged to a worker the harness killed (the app names its pid in
X-Worker-Pid on every response), or, for a new connection whose worker is unknown, when it was
in flight at the moment of a kill. Anything else is a loss: the target is none.

    bench/soak.py [--duration 150] [--workers 3] [--clients 8] [--chaos-every 5] ...

Writes bench/results/soak-<id>/ (requests.jsonl, chaos.jsonl, dram.log, summary.md; git-ignored) and the
summary to bench/SOAK.md, which scripts/render-robustness.py puts in docs/robustness.md. Exits 1
when a request was lost other than inside a killed worker.
"""
import argparse
import collections
import datetime
import hashlib
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DRAM_BIN = os.environ.get("DRAM_BIN") or os.path.join(REPO, "src", "Dram", "bin", "dram", "dram")

# How far a failure on a new connection (worker unknown) may be from a kill to be blamed on it:
# the kill is seen by the client as a reset within a few scheduler ticks.
KILL_WINDOW_S = 0.25
REQUEST_TIMEOUT_S = 30


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=150, help="seconds of traffic (default 150)")
    ap.add_argument("--workers", type=int, default=3, help="dram -w (default 3; at least 2)")
    ap.add_argument("--threads", type=int, default=4, help="dram --threads (default 4)")
    ap.add_argument("--max-requests", type=int, default=400, help="dram --max-requests (default 400)")
    ap.add_argument("--max-requests-jitter", type=int, default=100, help="dram --max-requests-jitter (default 100)")
    ap.add_argument("--clients", type=int, default=8, help="client threads, half of them keep-alive (default 8)")
    ap.add_argument("--chaos-every", type=float, default=5, help="seconds between chaos actions: SIGKILL, HUP, SIGKILL, USR1, ... (default 5)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the traffic mix and chaos choices (default: random, printed)")
    ap.add_argument("--summary", default=os.path.join(HERE, "SOAK.md"), help="where the summary goes (default bench/SOAK.md)")
    ap.add_argument("--no-summary", action="store_true", help="write the summary only to the run's directory")
    ap.add_argument("--out", default=os.path.join(HERE, "results"), help="directory for the run's files (default bench/results)")
    args = ap.parse_args()
    if args.workers < 2:
        ap.error("--workers must be at least 2: a killed worker's clients need another to go to")
    if args.duration <= 0 or args.clients < 2 or args.chaos_every <= 0:
        ap.error("--duration and --chaos-every must be positive and --clients at least 2")
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)

    build()
    run_id = datetime.datetime.now(datetime.timezone.utc).strftime("soak-%Y%m%d-%H%M%S")
    run_dir = os.path.join(args.out, run_id)
    os.makedirs(run_dir)
    port = free_port()
    argv = [DRAM_BIN, "--bind", f"127.0.0.1:{port}", "--chdir", os.path.join(HERE, "apps"),
            "-w", str(args.workers), "--threads", str(args.threads),
            "--max-requests", str(args.max_requests), "--max-requests-jitter", str(args.max_requests_jitter),
            "--graceful-timeout", "20", "soak:application"]
    print(f"soak: {args.duration:.0f} s, seed {seed}, files in {os.path.relpath(run_dir, REPO)}", flush=True)
    with open(os.path.join(run_dir, "dram.log"), "wb") as log:
        server = Server(argv, log, port)
        try:
            server.wait_ready()
            run = Run(server, args, seed)
            run.go()
        finally:
            stopped = server.stop()
    with open(os.path.join(run_dir, "dram.log"), encoding="utf-8", errors="replace") as log:
        log_text = log.read()
    with open(os.path.join(run_dir, "requests.jsonl"), "w") as out:
        for outcome in run.outcomes:
            out.write(json.dumps(outcome) + "\n")
    with open(os.path.join(run_dir, "chaos.jsonl"), "w") as out:
        for when, action, pid in run.events:
            out.write(json.dumps({"t": when - run.start, "action": action, "pid": pid}) + "\n")
    report = Report(run, log_text, argv, seed, stopped)
    text = report.markdown()
    with open(os.path.join(run_dir, "summary.md"), "w") as out:
        out.write(text)
    if not args.no_summary:
        with open(args.summary, "w") as out:
            out.write(text)
    print(text)
    return 0 if report.lost == 0 else 1


def build():
    """Builds Dram (Release) when a source changed, through the repository's ./dram wrapper."""
    subprocess.run([os.path.join(REPO, "dram"), "--version"], check=True, stdout=subprocess.DEVNULL)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The dram master, in its own session so every process it starts can be found and stopped."""

    def __init__(self, argv, log, port):
        self.port = port
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"soak: dram exited with {self.proc.returncode} before answering; see its log")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/blob?size=1&seed=1")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit("soak: dram did not answer within 60 s")

    def workers(self):
        """The master's live children (its workers), from /proc."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                pids.append(int(entry))
        return pids

    def signal(self, signum):
        os.kill(self.proc.pid, signum)

    def stop(self):
        """SIGTERM, then SIGKILL to whatever of its session is left; True when it stopped by itself."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
            clean = self.proc.returncode == 0
        except subprocess.TimeoutExpired:
            clean = False
        for pid in session_members(self.proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.wait()
        return clean


def session_members(sid):
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    members.append(int(entry))
            except OSError:
                pass
    return members


class Run:
    """The traffic and the chaos, and everything they recorded."""

    def __init__(self, server, args, seed):
        self.server = server
        self.args = args
        self.seed = seed
        self.outcomes = []
        self.events = []          # (monotonic time, action, pid or None)
        self.lock = threading.Lock()
        self.recent_pids = {}     # worker pid -> last time it answered
        self.start = 0.0
        self.end = 0.0

    def go(self):
        self.start = time.monotonic()
        self.end = self.start + self.args.duration
        threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(self.args.clients)]
        for thread in threads:
            thread.start()
        chaos = threading.Thread(target=self.chaos, daemon=True)
        chaos.start()
        chaos.join()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT_S + 5)

    def chaos(self):
        rng = random.Random(self.seed ^ 0x5eed)
        actions = ["kill", "hup", "kill", "usr1"]
        step = 0
        next_at = self.start + self.args.chaos_every
        while True:
            now = time.monotonic()
            # The last few seconds are left quiet so that the final requests end normally.
            if next_at > self.end - 3:
                break
            time.sleep(max(0.0, next_at - now))
            action = actions[step % len(actions)]
            step += 1
            next_at += self.args.chaos_every
            if action == "kill":
                pid = self.pick_worker(rng)
                if pid is None:
                    continue
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                self.event("SIGKILL", pid)
            elif action == "hup":
                self.server.signal(signal.SIGHUP)
                self.event("HUP", None)
            else:
                self.server.signal(signal.SIGUSR1)
                self.event("USR1", None)
        while time.monotonic() < self.end:
            time.sleep(0.1)

    def pick_worker(self, rng):
        """A worker that answered in the last two seconds (so it has requests in flight), else any."""
        live = self.server.workers()
        now = time.monotonic()
        with self.lock:
            serving = [pid for pid in live if now - self.recent_pids.get(pid, 0) < 2]
        choices = serving or live
        return rng.choice(choices) if choices else None

    def event(self, action, pid):
        with self.lock:
            self.events.append((time.monotonic(), action, pid))

    def client(self, index):
        rng = random.Random(self.seed * 1000 + index)
        keep_alive = index % 2 == 0
        conn, conn_pid, conn_uses = None, None, 0
        while time.monotonic() < self.end:
            op = rng.choices(["blob", "stream", "upload"], weights=[5, 2, 3])[0]
            request = make_request(op, rng)
            if conn is None:
                conn, conn_pid, conn_uses = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=REQUEST_TIMEOUT_S), None, 0
            outcome = {"t0": time.monotonic() - self.start, "op": op, "keep_alive": keep_alive,
                       "reused": conn_uses > 0, "conn_pid": conn_pid, "pid": None, "status": None,
                       "ok": False, "error": None, "got_head": False}
            try:
                headers = dict(request["headers"])
                if not keep_alive:
                    headers["Connection"] = "close"
                conn.request(request["method"], request["target"], body=request["body"], headers=headers,
                             encode_chunked=request["chunked"])
                response = conn.getresponse()
                outcome["got_head"] = True
                outcome["status"] = response.status
                pid = response.getheader("X-Worker-Pid")
                outcome["pid"] = int(pid) if pid and pid.isdigit() else None
                data = response.read()
                outcome["bytes"] = len(data)
                if response.status != 200:
                    outcome["error"] = f"status {response.status}"
                elif hashlib.sha256(data).hexdigest() != request["expect"]:
                    outcome["error"] = "wrong content"
                else:
                    outcome["ok"] = True
                if outcome["pid"] is not None:
                    with self.lock:
                        self.recent_pids[outcome["pid"]] = time.monotonic()
                if not keep_alive or response.will_close:
                    conn.close()
                    conn = None
                else:
                    conn_pid, conn_uses = outcome["pid"], conn_uses + 1
            except (OSError, http.client.HTTPException) as e:
                outcome["error"] = describe(e)
                conn.close()
                conn = None
            outcome["t1"] = time.monotonic() - self.start
            with self.lock:
                self.outcomes.append(outcome)


def make_request(op, rng):
    """The request for one operation and the sha256 of the body it must come back with."""
    seed = rng.randrange(1 << 30)
    if op == "blob":
        size = rng.choice([0, 1, 100, 4096, 65536, 200_000])
        expect = hashlib.sha256(random.Random(seed).randbytes(size)).hexdigest()
        return {"method": "GET", "target": f"/blob?size={size}&seed={seed}", "headers": {}, "body": None,
                "chunked": False, "expect": expect}
    if op == "stream":
        chunks, size = rng.randint(1, 40), rng.choice([1, 512, 8192, 32768])
        generator = random.Random(seed)
        expect = hashlib.sha256(b"".join(generator.randbytes(size) for _ in range(chunks))).hexdigest()
        return {"method": "GET", "target": f"/stream?chunks={chunks}&size={size}&seed={seed}", "headers": {},
                "body": None, "chunked": False, "expect": expect}
    size = rng.choice([0, 10, 8192, 100_000, 524_288])
    payload = random.Random(seed).randbytes(size)
    answer = f"{size} {hashlib.sha256(payload).hexdigest()}".encode("ascii")
    chunked = rng.random() < 0.5
    if chunked:
        pieces = [payload[i:i + 16384] for i in range(0, len(payload), 16384)]
        return {"method": "PUT", "target": "/upload", "headers": {"Content-Type": "application/octet-stream"},
                "body": iter(pieces), "chunked": True, "expect": hashlib.sha256(answer).hexdigest()}
    return {"method": "PUT", "target": "/upload", "headers": {"Content-Type": "application/octet-stream"},
            "body": payload, "chunked": False, "expect": hashlib.sha256(answer).hexdigest()}


def describe(error):
    name = type(error).__name__
    if isinstance(error, http.client.IncompleteRead):
        return "IncompleteRead (connection closed mid-body)"
    text = str(error).split(":")[0] if str(error) else ""
    return f"{name}: {text}" if text and text != name else name


class Report:
    """Classifies every outcome and writes the summary."""

    def __init__(self, run, log_text, argv, seed, stopped):
        self.run = run
        self.argv = argv
        self.seed = seed
        self.stopped = stopped
        self.log_text = log_text
        self.kills = [(t - run.start, pid) for t, action, pid in run.events if action == "SIGKILL"]
        self.causes = collections.Counter()
        self.blamed = collections.Counter()
        self.lost_examples = []
        for outcome in run.outcomes:
            if outcome["ok"]:
                continue
            blame = self.blame(outcome)
            if blame is not None:
                self.blamed[blame] += 1
            else:
                self.causes[outcome["error"]] += 1
                if len(self.lost_examples) < 15:
                    self.lost_examples.append(outcome)
        self.lost = sum(self.causes.values())

    def blame(self, outcome):
        """How a kill explains the failure ('in flight', 'after', 'by time'), None when it is a loss.

        'in flight': the request was on a connection to (or answered by) the killed worker and
        under way when it died; 'after': sent later on a kept-alive connection to it (the
        connection died with the worker); 'by time': a new connection whose worker is unknown,
        in flight at the moment of a kill.
        """
        if outcome["error"] in ("wrong content",) or (outcome["status"] not in (None, 200)):
            return None
        t0, t1 = outcome["t0"], outcome["t1"]
        known = outcome["pid"] if outcome["pid"] is not None else outcome["conn_pid"]
        for when, pid in self.kills:
            if known == pid and when <= t1 + KILL_WINDOW_S:
                return "in flight" if t0 <= when + KILL_WINDOW_S else "after"
        if known is None and any(t0 - KILL_WINDOW_S <= when <= t1 + KILL_WINDOW_S for when, _ in self.kills):
            return "by time"
        return None

    def nearest_event(self, t):
        events = [(abs(when - self.run.start - t), action, when - self.run.start) for when, action, _ in self.run.events]
        if not events:
            return "none"
        _, action, when = min(events)
        return f"{action} at {when:.2f} s"

    def markdown(self):
        outcomes = self.run.outcomes
        ok = sum(1 for o in outcomes if o["ok"])
        counts = collections.Counter(action for _, action, _ in self.run.events)
        recycled = len(re.findall(r"asks to be replaced: max-requests", self.log_text))
        booted = len(re.findall(r"Booting worker \d+ with pid", self.log_text))
        died = re.findall(r"\[ERROR\] Worker \d+ \(pid \d+\) died: (.*?); starting", self.log_text)
        problems = [line for line in self.log_text.splitlines()
                    if re.match(r"^\[[^\]]+\] \[\d+\] \[(WARNING|ERROR|CRITICAL)\] ", line)
                    and "died: killed by SIGKILL" not in line]
        duration = self.run.args.duration
        when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            "# Soak test",
            "",
            f"Run {when} by `bench/soak.py` for {duration:.0f} s (seed {self.seed}), commit {git_commit()}:",
            "`" + " ".join(["dram"] + [os.path.relpath(a, REPO) if a.startswith(REPO) else a for a in self.argv[1:]]) + "`",
            f"with {self.run.args.clients} client threads ({(self.run.args.clients + 1) // 2} keep-alive, the others one request per connection)",
            "sending checked blob GETs, checked streams (chunked) and uploads (Content-Length or chunked) whose digest the app returns.",
            "",
            "| | count |",
            "|---|---|",
            f"| requests sent | {len(outcomes)} |",
            f"| answered correctly (status, length and sha256 checked) | {ok} |",
            f"| failed because the harness SIGKILLed their worker | {sum(self.blamed.values())} |",
            f"| - in flight inside the worker when it was killed (its pid known from the connection) | {self.blamed['in flight']} |",
            f"| - on a new connection in flight at the moment of a kill (worker not known) | {self.blamed['by time']} |",
            f"| - sent later on a kept-alive connection to the killed worker | {self.blamed['after']} |",
            f"| **failed otherwise (lost)** | **{self.lost}** |",
            "",
            f"Meanwhile: {counts['SIGKILL']} workers SIGKILLed, {counts['HUP']} HUP reloads, {counts['USR1']} USR1, "
            f"{recycled} recycles at --max-requests; {booted} workers started in all. "
            f"The master stopped cleanly at the end: {'yes' if self.stopped else 'NO'}.",
            "",
            "| operation | sent | correct | failed with a killed worker | lost |",
            "|---|---|---|---|---|",
        ]
        for op in ("blob", "stream", "upload"):
            mine = [o for o in outcomes if o["op"] == op]
            failed = [o for o in mine if not o["ok"]]
            killed = sum(1 for o in failed if self.blame(o) is not None)
            lines.append(f"| {op} | {len(mine)} | {len(mine) - len(failed)} | {killed} | {len(failed) - killed} |")
        lines.append("")
        if self.lost:
            lines.append("Lost requests by cause:")
            lines.append("")
            for cause, count in self.causes.most_common():
                lines.append(f"- {count} x {cause}")
            lines.append("")
            lines.append("First lost requests (times from the start):")
            lines.append("")
            for o in self.lost_examples:
                lines.append(f"- {o['op']} {'keep-alive' if o['keep_alive'] else 'close'}{' reused' if o['reused'] else ''} "
                             f"{o['t0']:.2f}-{o['t1']:.2f} s, worker {o['pid'] or o['conn_pid'] or '?'}: {o['error']} "
                             f"(nearest chaos: {self.nearest_event(o['t0'])})")
            lines.append("")
        unexpected_deaths = [d for d in died if d != "killed by SIGKILL (perhaps the kernel's out-of-memory killer; see dmesg)"]
        lines.append(f"Server log: {len(died)} worker deaths, {len(unexpected_deaths)} not from the harness's SIGKILLs "
                     "(a worker killed while it was already retiring is logged as stopped, not as dead); "
                     f"{len(problems)} other WARNING/ERROR/CRITICAL lines.")
        for line in problems[:10]:
            lines.append(f"    {line}")
        lines.append("")
        return "\n".join(lines)


def git_commit():
    try:
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
        return commit + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
