"""A small 9P2000.L client for tests and benchmarks of sockfs --export.

It speaks to the export's unix socket as the Linux kernel's v9fs does:
one fid per walk, Tlopen with Linux open flags, and reads that go on
(Linux's p9_client_read) until the buffer is full or a read gives 0.
Requests may be sent without waiting (send, then wait for the tag), for
tests of many blocked reads and of Tflush.
"""
import errno
import os
import socket
import struct

NOFID = 0xFFFFFFFF
NONUNAME = 0xFFFFFFFF
(TLERROR, RLERROR, TSTATFS, TLOPEN, TGETATTR, TSETATTR, TREADDIR, TMKDIR, TUNLINKAT,
 TVERSION, TATTACH, TFLUSH, TWALK, TREAD, TWRITE, TCLUNK, TREMOVE, TXATTRWALK) = (
    6, 7, 8, 12, 24, 26, 40, 72, 76, 100, 104, 108, 110, 116, 118, 120, 122, 30)
AT_REMOVEDIR = 0x200


class P9Error(OSError):
    pass


def pstr(s):
    b = s.encode()
    return struct.pack("<H", len(b)) + b


class Client:
    def __init__(self, path, msize=(1 << 20) + 24, uname="", n_uname=NONUNAME, aname=""):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.replies = {}
        self.next_tag = 1
        self.next_fid = 1
        body = self.rpc(TVERSION, struct.pack("<I", msize) + pstr("9P2000.L"), tag=0xFFFF)
        self.msize = struct.unpack_from("<I", body)[0]
        self.root = self.newfid()
        self.rpc(TATTACH, struct.pack("<II", self.root, NOFID) + pstr(uname) + pstr(aname)
                 + struct.pack("<I", n_uname))

    def close(self):
        self.sock.close()

    def newfid(self):
        self.next_fid += 1
        return self.next_fid

    # --- the wire ---
    def send(self, mtype, payload, tag=None):
        if tag is None:
            tag = self.next_tag
            self.next_tag = self.next_tag % 60000 + 1
        self.sock.sendall(struct.pack("<IBH", 7 + len(payload), mtype, tag) + payload)
        return tag

    def _recv_one(self):
        while True:
            if len(self.buf) >= 4:
                size = struct.unpack_from("<I", self.buf)[0]
                if len(self.buf) >= size:
                    msg, self.buf = self.buf[:size], self.buf[size:]
                    _, mtype, tag = struct.unpack_from("<IBH", msg)
                    self.replies[tag] = (mtype, msg[7:])
                    return tag
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError("export closed the connection")
            self.buf += data

    def wait(self, tag):
        """The reply to TAG: (type, body)."""
        while tag not in self.replies:
            self._recv_one()
        return self.replies.pop(tag)

    def ready(self, tag, timeout=0.0):
        """Whether TAG's reply came within TIMEOUT seconds."""
        self.sock.settimeout(timeout if timeout > 0 else 0.001)
        try:
            while tag not in self.replies:
                self._recv_one()
        except (socket.timeout, BlockingIOError):
            pass
        finally:
            self.sock.settimeout(None)
        return tag in self.replies

    @staticmethod
    def check(mtype, body):
        if mtype == RLERROR:
            e = struct.unpack_from("<I", body)[0]
            raise P9Error(e, os.strerror(e))
        return body

    def rpc(self, mtype, payload, tag=None):
        return self.check(*self.wait(self.send(mtype, payload, tag)))

    # --- messages ---
    def walk(self, fid, newfid, names):
        p = struct.pack("<IIH", fid, newfid, len(names)) + b"".join(pstr(n) for n in names)
        body = self.rpc(TWALK, p)
        n = struct.unpack_from("<H", body)[0]
        if n != len(names):
            raise P9Error(errno.ENOENT, "walk stopped at " + "/".join(names[: n + 1]))
        return n

    def lopen(self, fid, flags):
        self.rpc(TLOPEN, struct.pack("<II", fid, flags))

    def read_once(self, fid, count, off=0):
        body = self.rpc(TREAD, struct.pack("<IQI", fid, off, count))
        n = struct.unpack_from("<I", body)[0]
        return body[4:4 + n]

    def read(self, fid, count=131072, off=0):
        """As Linux's read(2) on a 9p file: reads until COUNT or a 0."""
        out = b""
        while len(out) < count:
            b = self.read_once(fid, min(count - len(out), self.msize - 24), off + len(out))
            if not b:
                break
            out += b
        return out

    def write(self, fid, data, off=0):
        body = self.rpc(TWRITE, struct.pack("<IQI", fid, off, len(data)) + data)
        return struct.unpack_from("<I", body)[0]

    def clunk(self, fid):
        self.rpc(TCLUNK, struct.pack("<I", fid))

    def flush(self, oldtag):
        self.rpc(TFLUSH, struct.pack("<H", oldtag))

    def mkdir(self, dfid, name):
        self.rpc(TMKDIR, struct.pack("<I", dfid) + pstr(name) + struct.pack("<II", 0o755, 0))

    def unlinkat(self, dfid, name, flags=0):
        self.rpc(TUNLINKAT, struct.pack("<I", dfid) + pstr(name) + struct.pack("<I", flags))

    def getattr(self, fid):
        body = self.rpc(TGETATTR, struct.pack("<IQ", fid, 0x7FF))
        mode, uid, gid = struct.unpack_from("<III", body, 8 + 13)
        return {"mode": mode, "uid": uid, "gid": gid}

    def readdir(self, fid):
        names, off = [], 0
        while True:
            body = self.rpc(TREADDIR, struct.pack("<IQI", fid, off, 8192))
            n = struct.unpack_from("<I", body)[0]
            if n == 0:
                return names
            p = 4
            while p < 4 + n:
                off = struct.unpack_from("<Q", body, p + 13)[0]
                ln = struct.unpack_from("<H", body, p + 22)[0]
                names.append(body[p + 24:p + 24 + ln].decode())
                p += 24 + ln

    # --- as a shell would ---
    def open(self, path, flags=os.O_RDONLY):
        # One name a walk, as the kernel's lookups go.
        fid = self.newfid()
        self.walk(self.root, fid, [])
        try:
            for name in [p for p in path.split("/") if p]:
                self.walk(fid, fid, [name])
            self.lopen(fid, flags)
        except OSError:
            self.clunk(fid)
            raise
        return fid

    def cat(self, path, count=131072):
        fid = self.open(path)
        try:
            out = b""
            while True:
                # The offset moves on as the file position does.
                b = self.read(fid, count, len(out))
                if not b:
                    return out
                out += b
        finally:
            self.clunk(fid)

    def read_file(self, path, count=131072):
        """One read(2), as `head -c` or a single $(cat) of a datagram."""
        fid = self.open(path)
        try:
            return self.read(fid, count)
        finally:
            self.clunk(fid)

    def echo(self, path, data):
        fid = self.open(path, os.O_WRONLY)
        try:
            return self.write(fid, data if isinstance(data, bytes) else data.encode())
        finally:
            self.clunk(fid)

    def ls(self, path):
        fid = self.open(path)
        try:
            return self.readdir(fid)
        finally:
            self.clunk(fid)
