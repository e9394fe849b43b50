#!/usr/bin/env python3
"""The kernel's floor for the fan-out benchmark: what one TCP send of one message costs here.

No WebSocket, no Socket.IO, no server logic: N loopback TCP connections, and every 1/HZ s one
`send` of MSG_BYTES bytes (the size of one Petri `tick` on the wire: the Socket.IO text frame
and the 200-byte binary frame) on each. The sending process's kernel time per message is what
any server pays for one TCP segment per message per client on this machine (on loopback that
includes the receiving side's TCP processing, which runs in the sender's context). Dividing a
server's CPU per message into it gives the best ratio any server could reach against node here.

    python3 bench/floor.py                  # N=1000 HZ=25 DURATION=10 MSG_BYTES=251
    N=200 python3 bench/floor.py

Prints one JSON line. The reader is a second process (a forked child, selectors + recv), like
the benchmark's load client; every loop is bounded in count and time.
"""

import json
import os
import selectors
import socket
import sys
import time

N = int(os.environ.get("N", "1000"))
HZ = int(os.environ.get("HZ", "25"))
DURATION = int(os.environ.get("DURATION", "10"))
MSG_BYTES = int(os.environ.get("MSG_BYTES", "251"))


def reader(port, deadline):
    sel = selectors.DefaultSelector()
    conns = []
    for _ in range(N):
        c = socket.create_connection(("127.0.0.1", port))
        c.setblocking(False)
        sel.register(c, selectors.EVENT_READ)
        conns.append(c)
    got = 0
    while time.time() < deadline:
        for key, _ in sel.select(0.2):
            try:
                data = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(key.fileobj)
            got += len(data)
    return got


def main():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    port = listener.getsockname()[1]
    deadline = time.time() + DURATION + 15
    child = os.fork()
    if child == 0:
        got = reader(port, deadline)
        print(json.dumps({"reader_bytes": got}), file=sys.stderr)
        os._exit(0)
    senders = []
    for _ in range(N):
        s, _ = listener.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        senders.append(s)
    msg = b"x" * MSG_BYTES
    time.sleep(1)
    before = os.times()
    sent = 0
    next_tick = time.monotonic()
    for _ in range(HZ * DURATION):
        for s in senders:
            s.send(msg)
            sent += 1
        next_tick += 1 / HZ
        time.sleep(max(0.0, next_tick - time.monotonic()))
    after = os.times()
    for s in senders:
        s.close()
    os.waitpid(child, 0)
    user = after.user - before.user
    sys_s = after.system - before.system
    print(json.dumps({
        "clients": N,
        "hz": HZ,
        "msg_bytes": MSG_BYTES,
        "sent": sent,
        "sender_user_s": round(user, 2),
        "sender_sys_s": round(sys_s, 2),
        "sys_us_per_msg": round(sys_s / sent * 1e6, 2),
        "msgs_per_sys_cpu_s": round(sent / sys_s) if sys_s else None,
    }))


if __name__ == "__main__":
    main()
