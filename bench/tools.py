#!/usr/bin/env python3
"""Peers and probes for bench/run.sh.  Every server writes its port to the
file named first, then serves; figures go to stdout as plain numbers."""
import os, socket, sys, threading, time

def ready(path, port):
    with open(path + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(path + ".tmp", path)

def udp_count(portfile, expect):
    """UDP: count datagrams until EXPECT arrived (or 30 s), print the count."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind(("127.0.0.1", 0)); ready(portfile, s.getsockname()[1])
    s.settimeout(30)
    n = 0
    try:
        while n < int(expect):
            s.recv(2048); n += 1
    except socket.timeout:
        pass
    print(n, flush=True)

def udp_echo(portfile):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0)); ready(portfile, s.getsockname()[1])
    while True:
        m, a = s.recvfrom(2048)
        s.sendto(m, a)

def rtt_direct(port, n):
    """N request/replies on a plain socket: microseconds per round trip."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", int(port)))
    t = time.perf_counter()
    for _ in range(int(n)):
        s.send(b"ping"); s.recv(64)
    print("%.1f" % ((time.perf_counter() - t) / int(n) * 1e6))

def rtt_sockfs(folder, n):
    """N request/replies through a sockfs socket's data file, kept open."""
    w = os.open(folder + "/data", os.O_WRONLY)
    r = os.open(folder + "/data", os.O_RDONLY)
    t = time.perf_counter()
    for _ in range(int(n)):
        os.write(w, b"ping")
        os.read(r, 64)
        os.read(r, 64)       # the 0 that ends the message
    print("%.1f" % ((time.perf_counter() - t) / int(n) * 1e6))

def rtt_null(path, n):
    """The FUSE part of rtt_sockfs alone: the same write and two reads on
    nullfs's file, which answers at once (microseconds per loop)."""
    w = os.open(path, os.O_WRONLY)
    r = os.open(path, os.O_RDONLY)
    t = time.perf_counter()
    for _ in range(int(n)):
        os.write(w, b"ping")
        os.read(r, 64)
        os.read(r, 64)
    print("%.1f" % ((time.perf_counter() - t) / int(n) * 1e6))

def rss_kib(pid):
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def scale(mnt, pid, n):
    """N sockets made and N readers waiting (a thread each, blocked in
    read(2)): prints create seconds, daemon KiB per idle socket (RSS
    delta after each has a kernel socket), the median ms of a clone with
    all N readers waiting, and the seconds to rmdir them all."""
    n = int(n)
    base = rss_kib(pid)
    t = time.perf_counter()
    names = []
    for _ in range(n):
        with open(mnt + "/udp/clone") as f:
            names.append(f.read().strip())
    create = time.perf_counter() - t
    # Give each a kernel socket, then park one reader on each.
    for name in names:
        with open("%s/udp/%s/ctl" % (mnt, name), "w") as f:
            f.write("bind 127.0.0.1:0")
    per_sock = (rss_kib(pid) - base) / n
    threading.stack_size(64 * 1024)
    fds = [os.open("%s/udp/%s/data" % (mnt, name), os.O_RDONLY) for name in names]
    def wait(fd):
        try:
            os.read(fd, 10)
        except OSError:
            pass
    threads = [threading.Thread(target=wait, args=(fd,), daemon=True) for fd in fds]
    for th in threads:
        th.start()
    time.sleep(2)
    # The median of 21 clones made while every reader waits.
    took, extra = [], []
    for _ in range(21):
        t = time.perf_counter()
        with open(mnt + "/udp/clone") as f:
            extra.append(f.read().strip())
        took.append((time.perf_counter() - t) * 1000)
    answer = sorted(took)[len(took) // 2]
    t = time.perf_counter()
    for name in names + extra:
        os.rmdir("%s/udp/%s" % (mnt, name))
    close = time.perf_counter() - t
    for th in threads:
        th.join(5)
    for fd in fds:
        os.close(fd)
    print("%.2f %.2f %.1f %.2f" % (create, per_sock, answer, close))

if __name__ == "__main__":
    globals()[sys.argv[1].replace("-", "_")](*sys.argv[2:])
