#!/usr/bin/env python3
"""Time from process start to the first 200 from /readyz, and idle RSS after start-up.

usage: startup.py RUNS BINARY [ARGS...]   (environment passes through; HEARTH_ADDR is set here)
Prints one JSON object: median and max start-up in ms (fresh data folder each run, so every
run also creates the SQLite files and applies the migrations), and the idle RSS in MB.
"""
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port, path):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_once(command, path):
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, HEARTH_ADDR=f"127.0.0.1:{port}", HEARTH_DATA_DIR=data, RUST_LOG="warn")
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        try:
            while not ready(port, path):
                if time.perf_counter() - started > 10:
                    raise SystemExit(f"{command} not ready in 10 s")
                time.sleep(0.001)
            elapsed_ms = (time.perf_counter() - started) * 1000
            time.sleep(1.0)
            return elapsed_ms, rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait()


def main():
    runs = int(sys.argv[1])
    command = sys.argv[2:]
    service = next((a for a in command[1:] if a in ("photos", "bugs", "games")), None)
    if service is None:
        service = next((s for s in ("photos", "bugs", "games") if command[0].endswith(f"hearth-{s}")), None)
    path = f"/{service}/readyz" if service else "/readyz"
    results = [run_once(command, path) for _ in range(runs)]
    startups = [r[0] for r in results]
    rss = [r[1] for r in results]
    print(json.dumps({
        "command": " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(command)),
        "runs": runs,
        "startup_ms_median": round(statistics.median(startups), 1),
        "startup_ms_max": round(max(startups), 1),
        "idle_rss_mb_median": round(statistics.median(rss), 1),
    }))


if __name__ == "__main__":
    main()
