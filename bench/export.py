#!/usr/bin/env python3
"""bench/export.py: the 9P export beside the FUSE mount, one daemon.

    python3 bench/export.py SOCKFS [ROUNDS]

Starts SOCKFS with a mount and --export, and makes the same calls through
each: the mount with os.read/os.write on its files, the export with
tests/integration/p9client.py making the messages Linux's v9fs makes (a
read(2) is a Tread, and after a short one the Tread that gives its 0).
Both clients are python on this host; the peers are python on loopback.
Prints one line per figure.  Only loopback is used.
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "tests", "integration"))
import p9client  # noqa: E402

ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
RTT_N = 5000
MSG_N = 20000
BULK = 256 << 20
CHUNK = 1 << 17         # what cat moves per read(2) on a 9p mount (msize 128 KiB + 24)


def udp_echo():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))

    def run():
        while True:
            m, a = s.recvfrom(70000)
            s.sendto(m, a)
    threading.Thread(target=run, daemon=True).start()
    return s.getsockname()[1]


def udp_sink():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    got = [0]

    def run():
        while True:
            s.recv(70000)
            got[0] += 1
    threading.Thread(target=run, daemon=True).start()
    return s.getsockname()[1], got


def tcp_peer(mode):
    """A listener that swallows everything (sink) or sends BULK bytes (source)."""
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)

    def serve(c):
        if mode == "sink":
            while c.recv(1 << 20):
                pass
        else:
            buf = b"x" * (1 << 20)
            for _ in range(BULK >> 20):
                c.sendall(buf)
        c.close()

    def run():
        # A thread each: the sockets the clients made stay open.
        while True:
            threading.Thread(target=serve, args=(ls.accept()[0],), daemon=True).start()
    threading.Thread(target=run, daemon=True).start()
    return ls.getsockname()[1]


class Local:
    """The FUSE mount, as a program uses it."""
    name = "mount"

    def __init__(self, mnt):
        self.mnt = mnt

    def clone(self, kind):
        with open(os.path.join(self.mnt, kind, "clone")) as f:
            return os.path.join(self.mnt, kind, f.read().strip())

    def ctl(self, d, text):
        with open(d + "/ctl", "w") as f:
            f.write(text)

    def open(self, d, mode):
        return os.open(d + "/data", mode)

    def write(self, fd, data):
        return os.write(fd, data)

    def read(self, fd, n):
        return os.read(fd, n)

    def close(self, fd):
        os.close(fd)


class Export:
    """The export, as Linux's v9fs would drive it."""
    name = "export"

    def __init__(self, path):
        self.c = p9client.Client(path)

    def clone(self, kind):
        return kind + "/" + self.c.read_file(kind + "/clone").decode().strip()

    def ctl(self, d, text):
        self.c.echo(d + "/ctl", text)

    def open(self, d, mode):
        return self.c.open(d + "/data", mode)

    def write(self, fid, data):
        return self.c.write(fid, data)

    def read(self, fid, n):
        return self.c.read(fid, n)

    def close(self, fid):
        self.c.clunk(fid)


def rtt(side, port):
    d = side.clone("udp")
    side.ctl(d, "connect 127.0.0.1:%d" % port)
    fd = side.open(d, os.O_RDWR)
    t = time.perf_counter()
    for _ in range(RTT_N):
        side.write(fd, b"ping")
        while side.read(fd, 65536) == b"":
            pass
    el = time.perf_counter() - t
    side.close(fd)
    return el / RTT_N * 1e6


def messages(side, port, got):
    d = side.clone("udp")
    side.ctl(d, "connect 127.0.0.1:%d" % port)
    fd = side.open(d, os.O_WRONLY)
    t = time.perf_counter()
    for _ in range(MSG_N):
        side.write(fd, b"m" * 64)
    el = time.perf_counter() - t
    side.close(fd)
    return MSG_N / el


def bulk(side, port, direction):
    d = side.clone("tcp")
    side.ctl(d, "connect 127.0.0.1:%d" % port)
    fd = side.open(d, os.O_WRONLY if direction == "send" else os.O_RDONLY)
    buf = b"y" * CHUNK
    t = time.perf_counter()
    moved = 0
    if direction == "send":
        while moved < BULK:
            moved += side.write(fd, buf)
    else:
        while moved < BULK:
            b = side.read(fd, CHUNK)
            if not b:
                if moved >= BULK:
                    break
                continue
            moved += len(b)
    el = time.perf_counter() - t
    side.close(fd)
    return moved / el / 1e6


def main():
    sockfs = sys.argv[1]
    work = tempfile.mkdtemp(prefix="sockfs-bench-export.")
    mnt = os.path.join(work, "mnt")
    os.mkdir(mnt)
    path = os.path.join(work, "sockfs.9p")
    d = subprocess.Popen([sockfs, "-f", "--export", "unix:" + path, mnt])
    try:
        for _ in range(100):
            if os.path.isdir(mnt + "/tcp") and os.path.exists(path):
                break
            time.sleep(0.05)
        echo = udp_echo()
        sink, got = udp_sink()
        tsink, tsource = tcp_peer("sink"), tcp_peer("source")
        sides = [Local(mnt), Export(path)]
        figures = [
            ("UDP round trip (µs, median of %d rounds of %d)" % (ROUNDS, RTT_N),
             lambda s: rtt(s, echo)),
            ("UDP messages sent per second (64 B, %d a round)" % MSG_N,
             lambda s: messages(s, sink, got)),
            ("TCP bulk send (MB/s, %d MiB in %d KiB writes)" % (BULK >> 20, CHUNK >> 10),
             lambda s: bulk(s, tsink, "send")),
            ("TCP bulk receive (MB/s, %d MiB in %d KiB reads)" % (BULK >> 20, CHUNK >> 10),
             lambda s: bulk(s, tsource, "receive")),
        ]
        for title, fn in figures:
            row = []
            for s in sides:
                row.append(statistics.median(fn(s) for _ in range(ROUNDS)))
            print("%-55s mount %10.1f   export %10.1f   export/mount %.2f"
                  % (title, row[0], row[1], row[1] / row[0]), flush=True)
    finally:
        d.terminate()
        d.wait()
        subprocess.run(["fusermount3", "-u", mnt], stderr=subprocess.DEVNULL)
        os.rmdir(mnt)
        os.rmdir(work)


if __name__ == "__main__":
    main()
