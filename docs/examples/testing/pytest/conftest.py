"""A pytest fixture for fake peers scripted through sockfs files.

Run the tests in a private network with its own sockfs:
    sockfs run -- python3 -m pytest docs/examples/testing/pytest
The fixture `peers` gives the mount and helpers; whatever a test makes is
closed after it.
"""
import os
import re
import threading

import pytest


class Peers:
    def __init__(self, mnt):
        self.mnt = mnt
        self.made = []
        self.threads = []

    def ctl(self, sock, *lines):
        with open(sock + "/ctl", "w") as f:
            f.write("".join(line + "\n" for line in lines))

    def new(self, kind):
        with open("%s/%s/clone" % (self.mnt, kind)) as f:
            sock = "%s/%s/%s" % (self.mnt, kind, f.read().strip())
        self.made.append(sock)
        return sock

    def port_of(self, sock):
        with open(sock + "/local") as f:
            return int(f.read().strip().rsplit(":", 1)[1])

    def listener(self, kind, *lines, port=0):
        """A tcp or tls listener; LINES (set ...) run before bind."""
        sock = self.new(kind)
        self.ctl(sock, *lines, "bind 127.0.0.1:%d" % port, "listen")
        return sock

    def accept(self, listener):
        """Waits for a connection (for tls: and its handshake)."""
        with open(listener + "/listen") as f:
            sock = os.path.dirname(listener) + "/" + f.read().strip()
        self.made.append(sock)
        return sock

    def read_request(self, conn):
        """The request head, up to its blank line, and not a byte more."""
        got = b""
        with open(conn + "/data", "rb", buffering=0) as f:
            while not got.endswith(b"\r\n\r\n"):
                b = f.read(1)
                if not b:
                    break
                got += b
        return got

    def write(self, sock, data):
        with open(sock + "/data", "wb", buffering=0) as f:
            f.write(data)

    def udp_peer(self):
        sock = self.new("udp")
        self.ctl(sock, "bind 127.0.0.1:0")
        return sock

    def recv(self, sock):
        """One datagram and its sender (the cmsg file's "from")."""
        with open(sock + "/data", "rb") as f:
            msg = f.read()
        with open(sock + "/cmsg") as f:
            sender = re.search(r'"from": *"([^"]*)"', f.read()).group(1)
        return msg, sender

    def send(self, sock, to, data):
        self.ctl(sock, "to " + to)
        self.write(sock, data)

    def closed_udp_port(self):
        sock = self.udp_peer()
        port = self.port_of(sock)
        self.close(sock)
        return port

    def close(self, sock):
        if os.path.isdir(sock):
            os.rmdir(sock)

    def run(self, fn, *args):
        """Runs a fake peer's script in a thread, joined after the test."""
        t = threading.Thread(target=fn, args=args, daemon=True)
        t.start()
        self.threads.append(t)
        return t


@pytest.fixture
def peers():
    mnt = os.environ.get("SOCKFS_MNT")
    if not mnt:
        pytest.skip("not under sockfs run (SOCKFS_MNT is not set)")
    p = Peers(mnt)
    yield p
    alive = []
    for t in p.threads:
        t.join(timeout=10)
        alive += [t] if t.is_alive() else []
    for sock in reversed(p.made):
        p.close(sock)
    assert not alive, "a fake peer did not finish its script"
