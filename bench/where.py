#!/usr/bin/env python3
"""Round trips for bench/where.sh, with each call timed apart.
  where.py rtt FOLDER N           a sockfs socket's data file (connected
                                  to an echo peer): write, read, read the 0
  where.py rtt-null FILE PORT N   nullfs's f: the same three calls, and
                                  the same write and read on a plain UDP
                                  socket to the echo peer at PORT
Prints the mean microseconds of each call, space-separated."""
import os, socket, sys, time

def timed(calls, n):
    """Mean µs of each of CALLS over N rounds of them all, in turn."""
    clock = time.perf_counter
    tot = [0.0] * len(calls)
    for _ in range(n):
        for i, c in enumerate(calls):
            t = clock()
            c()
            tot[i] += clock() - t
    return [t / n * 1e6 for t in tot]

def rtt(folder, n):
    w = os.open(folder + "/data", os.O_WRONLY)
    r = os.open(folder + "/data", os.O_RDONLY)
    ph = timed([lambda: os.write(w, b"ping"), lambda: os.read(r, 64), lambda: os.read(r, 64)], int(n))
    print(" ".join("%.1f" % x for x in ph))

def rtt_null(path, port, n):
    w = os.open(path, os.O_WRONLY)
    r = os.open(path, os.O_RDONLY)
    ph = timed([lambda: os.write(w, b"ping"), lambda: os.read(r, 64), lambda: os.read(r, 64)], int(n))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", int(port)))
    ph += timed([lambda: s.send(b"ping"), lambda: s.recv(64)], int(n))
    print(" ".join("%.1f" % x for x in ph[:3]), "[%.1f %.1f]" % tuple(ph[3:]))

if __name__ == "__main__":
    globals()[sys.argv[1].replace("-", "_")](*sys.argv[2:])
