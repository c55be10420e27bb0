#!/usr/bin/env python3
"""Memory and liveness of `orb listen` under many connections that send 60 KB of a request head
and never finish it (issue 17's attack: 2,000 of them took the old receiver from 6.5 MB to 165 MB,
none closed in 37 s). Prints the receiver's resident memory before, at its peak, and after; how
many of the attacking connections the receiver closed; and whether a good push got through
during the attack.

    python3 bench/probes/half_heads.py target/release/orb [connections]
"""
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ORB = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
TOKEN = "probe-token-0123456789abcdef"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, N + 256)), hard))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    receiver = subprocess.Popen(
        [ORB, "listen", "--listen", f"127.0.0.1:{port}", "--token", TOKEN],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        # The receiver keeps the usual limit of 1,024 open files.
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard)),
    )
    receiver.stderr.readline()  # "listening: ..."
    pid = receiver.pid
    before = rss_kib(pid)
    peak = [before]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()
    head = (f"POST /push/{TOKEN} HTTP/1.1\r\nhost: x\r\nx-filler: " + "a" * 60_000).encode()
    attackers = []
    started = time.time()
    for _ in range(N):
        s = socket.socket()
        s.setblocking(True)
        try:
            s.connect(("127.0.0.1", port))
            s.settimeout(0.2)
            try:
                s.sendall(head)
            except OSError:
                pass
            attackers.append(s)
        except OSError:
            s.close()
    opened = time.time() - started
    # A good push in the middle of the attack.
    body = b'{"orb_id":"probe","dataset":"responsiveness","timestamp":1,"lag_avg_us":1000}\n'
    good_started = time.time()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(f"http://127.0.0.1:{port}/push/{TOKEN}", data=body, method="POST"),
            timeout=30,
        ) as answer:
            good = f"{answer.status} in {time.time() - good_started:.2f}s"
    except Exception as e:  # noqa: BLE001
        good = f"failed: {e}"
    # How many attackers the receiver has closed (a read returns EOF or an error).
    closed = 0
    for s in attackers:
        s.settimeout(0.01)
        try:
            if s.recv(1) == b"":
                closed += 1
        except socket.timeout:
            pass
        except OSError:
            closed += 1
    stop.set()
    time.sleep(0.1)
    for s in attackers:
        s.close()
    time.sleep(0.5)
    after = rss_kib(pid)
    receiver.terminate()
    receiver.wait()
    print(
        f"{N} half-sent 60 KB heads in {opened:.1f}s: receiver RSS {before / 1024:.1f} MiB before, "
        f"{peak[0] / 1024:.1f} MiB at peak, {after / 1024:.1f} MiB after; "
        f"{closed} of {len(attackers)} attacking connections closed by the receiver; good push: {good}"
    )


if __name__ == "__main__":
    main()
