"""smallclient: the client library under test in test_smallclient.py.

udp_query sends requests over UDP as "ID:TEXT" and matches answers
"re:ID:TEXT" by ID, sending again when one is late and ignoring
duplicates and strays; https_get fetches a page over TLS.
"""
import itertools
import socket
import ssl

_ids = itertools.count(1)


def udp_query(host, port, texts, timeout=0.3, tries=3):
    """Sends every text in TEXTS, returns their answers in the same order.

    A request not answered within TIMEOUT seconds is sent again, up to
    TRIES times in all (then TimeoutError).  A closed port raises
    ConnectionRefusedError (the kernel's ICMP port unreachable)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((host, port))
        s.settimeout(timeout)
        want = {str(next(_ids)): t for t in texts}
        order = list(want)
        got = {}
        for _ in range(tries):
            for i in want:
                if i not in got:
                    s.send(("%s:%s" % (i, want[i])).encode())
            try:
                while len(got) < len(want):
                    reply = s.recv(65536).decode()
                    if not reply.startswith("re:"):
                        continue
                    i, _, text = reply[3:].partition(":")
                    if i in want and i not in got:   # a duplicate is dropped
                        got[i] = text
                return [got[i] for i in order]
            except socket.timeout:
                continue
        raise TimeoutError("no answer to %d of %d requests" % (len(want) - len(got), len(want)))


def https_get(host, port, path, cafile, timeout):
    """GETs https://HOST:PORT/PATH (HTTP/1.0), trusting CAFILE; returns
    the body.  TIMEOUT bounds every wait, the handshake's included."""
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1."):
        raise ValueError("not HTTP: %r" % head[:40])
    return body
