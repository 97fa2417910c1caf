"""pytest tests of smallclient against misbehaving fake peers."""
import os
import socket
import subprocess
import time

import pytest

from smallclient import https_get, udp_query


def answer(peers, sock, mode, count=1):
    """A datagram peer: answers COUNT requests with "re:" and the request;
    MODE drop loses the first, dup answers twice, swap answers two
    requests last first.  Returns what it received."""
    seen = []

    def script():
        if mode == "drop":
            seen.append(peers.recv(sock)[0])
        held = None
        for _ in range(count):
            msg, sender = peers.recv(sock)
            seen.append(msg)
            if mode == "swap" and held is None:
                held = (msg, sender)
                continue
            peers.send(sock, sender, b"re:" + msg)
            if mode == "dup":
                peers.send(sock, sender, b"re:" + msg)
            if held:
                peers.send(sock, held[1], b"re:" + held[0])
                held = None
    peers.run(script)
    return seen


def test_udp_request_is_exact(peers):
    p = peers.udp_peer()
    seen = answer(peers, p, "plain")
    assert udp_query("127.0.0.1", peers.port_of(p), ["hello"]) == ["hello"]
    assert len(seen) == 1 and seen[0].endswith(b":hello")


def test_udp_dropped_request_is_sent_again(peers):
    p = peers.udp_peer()
    seen = answer(peers, p, "drop")
    assert udp_query("127.0.0.1", peers.port_of(p), ["again"]) == ["again"]
    assert len(seen) == 2 and seen[0] == seen[1]


def test_udp_duplicate_answer_is_ignored(peers):
    p = peers.udp_peer()
    answer(peers, p, "dup", count=2)
    port = peers.port_of(p)
    assert udp_query("127.0.0.1", port, ["one"]) == ["one"]
    assert udp_query("127.0.0.1", port, ["two"]) == ["two"]


def test_udp_reordered_answers_are_matched(peers):
    p = peers.udp_peer()
    answer(peers, p, "swap", count=2)
    assert udp_query("127.0.0.1", peers.port_of(p), ["first", "second"]) == ["first", "second"]


def test_udp_closed_port_is_refused(peers):
    with pytest.raises(ConnectionRefusedError):
        udp_query("127.0.0.1", peers.closed_udp_port(), ["anyone?"])


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True)
    return str(d / "cert.pem"), str(d / "key.pem")


def test_slow_tls_server(peers, cert):
    """The handshake waits until the server reads listen; then the answer
    comes a byte per record."""
    l = peers.listener("tls", "set cert " + cert[0], "set key " + cert[1])
    port = peers.port_of(l)
    with pytest.raises((socket.timeout, TimeoutError)):
        https_get("127.0.0.1", port, "/", cert[0], timeout=0.3)
    seen = []

    def slow():
        c = peers.accept(l)   # the first client gave up: this is the second
        seen.append(peers.read_request(c))
        peers.ctl(c, "set nodelay 1")
        for b in b"HTTP/1.0 200 OK\r\n\r\nslowly":
            peers.write(c, bytes([b]))
            time.sleep(0.02)
        peers.ctl(c, "shutdown wr")
    peers.run(slow)
    start = time.monotonic()
    assert https_get("127.0.0.1", port, "/page", cert[0], timeout=5) == b"slowly"
    assert time.monotonic() - start > 0.2
    assert seen[0].startswith(b"GET /page HTTP/1.0\r\n")


def test_fixture_is_in_a_private_network(peers):
    # Port 8080 is free in every run's own network, whatever the machine runs.
    l = peers.listener("tcp", port=8080)
    assert peers.port_of(l) == 8080
    assert os.environ["SOCKFS_MNT"] == peers.mnt
