#!/usr/bin/python3
"""TLS peers for the integration tests, on 127.0.0.1, written with python's
ssl module so that sockfs meets a TLS stack other than its own.

usage: tlspeer.py READY_FILE MODE CERTDIR [ARG]
Each mode listens on a free port, writes the port to READY_FILE, and serves
connections in threads until killed.  Modes:
  echo        reads to the client's close_notify, answers "N SHA256\\n" and
              closes cleanly; "SEND n\\n" first instead streams n pattern
              bytes and closes cleanly, "CUT n\\n" the same without
              close_notify (a truncation)
  info        answers the SNI name and the ALPN protocol chosen from
              h2,http/1.1 ("sni=... alpn=...\\n"), then closes
  clientcert  asks for a client certificate signed by the test CA and
              answers its subject's CN
  https       an HTTP/1.1 server (python's http.server) over TLS
  garbage     plain TCP: answers any connection with plain text
  stall       plain TCP: accepts and never says anything
  slow        echo, but each handshake starts only ARG seconds after the
              connection is accepted
  echo12      echo, but no newer than TLS 1.2
  smtp        plain text, then STARTTLS: "220 hello", on "STARTTLS" answers
              "220 go ahead" (and ARG=inject adds a line in the same
              packet), upgrades, and answers each line "250 tls: LINE"
"""
import hashlib
import http.server
import os
import socket
import ssl
import sys
import threading
import time

ready, mode, certs = sys.argv[1], sys.argv[2], sys.argv[3]
arg = sys.argv[4] if len(sys.argv) > 4 else ""


def path(name):
    return os.path.join(certs, name)


def server_context(client_ca=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(path("server.pem"), path("server.key"))
    if client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    return ctx


def pattern(n):
    block = bytes(range(256)) * 256
    while n > 0:
        yield block[:min(n, len(block))]
        n -= min(n, len(block))


def echo(c):
    first = c.recv(64)
    if first.startswith((b"SEND ", b"CUT ")):
        for b in pattern(int(first.split()[1])):
            c.sendall(b)
        if first.startswith(b"SEND "):
            c.unwrap().close()
        else:
            c.shutdown(socket.SHUT_RDWR)  # TCP's FIN, no close_notify
            c.close()
        return
    h, total = hashlib.sha256(first), len(first)
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        h.update(d)
        total += len(d)
    c.sendall(("%d %s\n" % (total, h.hexdigest())).encode())
    c.unwrap().close()


def info(c):
    c.sendall(("sni=%s alpn=%s\n" % (seen.get(id(c)), c.selected_alpn_protocol())).encode())
    c.unwrap().close()


def clientcert(c):
    subject = dict(x[0] for x in c.getpeercert()["subject"])
    c.sendall(("client=%s\n" % subject["commonName"]).encode())
    c.unwrap().close()


def smtp(c):
    f = c.makefile("rb", buffering=0)
    c.sendall(b"220 hello\r\n")
    line = f.readline()
    if line.strip() != b"STARTTLS":
        c.sendall(b"500 say STARTTLS\r\n")
        return
    c.sendall(b"220 go ahead\r\n" + (b"250 injected\r\n" if arg == "inject" else b""))
    t = server_context().wrap_socket(c, server_side=True)
    data = b""
    while True:
        d = t.recv(4096)
        if not d:
            break
        data += d
        while b"\n" in data:
            one, data = data.split(b"\n", 1)
            t.sendall(b"250 tls: " + one.strip() + b"\r\n")
    t.unwrap().close()


seen = {}


def serve(lsock, wrap, handler):
    lsock.listen(64)
    open(ready, "w").write(str(lsock.getsockname()[1]))
    while True:
        c, _ = lsock.accept()

        def run(c=c):
            try:
                handler(wrap(c) if wrap else c)
            except (OSError, ssl.SSLError) as e:
                print("peer:", e, file=sys.stderr, flush=True)
        threading.Thread(target=run, daemon=True).start()


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    if mode == "https":
        ctx = server_context()

        class Quiet(http.server.SimpleHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass
        os.chdir(certs)
        ls.close()
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        open(ready, "w").write(str(srv.server_address[1]))
        srv.serve_forever()
    if mode == "garbage":
        def rude(c):
            c.sendall(b"HTTP/1.0 400 this is not TLS at all\r\n\r\n" * 4)
            c.close()
        serve(ls, None, rude)
    if mode == "stall":
        held = []
        serve(ls, None, held.append)
    if mode == "smtp":
        serve(ls, None, smtp)
    ctx = server_context(path("ca.pem") if mode == "clientcert" else None)
    if mode == "echo12":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if mode == "info":
        ctx.set_alpn_protocols(["h2", "http/1.1"])

        def note(sock, name, context):
            seen[id(sock)] = name
        ctx.sni_callback = note
    handler = {"echo": echo, "slow": echo, "echo12": echo, "info": info,
               "clientcert": clientcert}[mode]
    delay = float(arg) if mode == "slow" else 0

    def wrap(c):
        time.sleep(delay)
        return ctx.wrap_socket(c, server_side=True)
    serve(ls, wrap, handler)


main()
