#!/usr/bin/env python3
"""Smoke test of the testbed contract with python-socketio's official client (5.x).

Server: TESTBED_URL (e.g. http://127.0.0.1:3000) if set; otherwise the script starts
TESTBED_CMD (split on whitespace, no shell; default: node ../reference-server.js) with PORT=0,
reads its `listening on` line and closes its stdin at the end (the contract's exit signal).

Prints one line per check and a final `N passed, M failed`; exits 1 if anything failed.
"""
import os
import re
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
VENV_PY = os.path.join(HERE, "..", ".venv", "bin", "python")

try:
    import socketio
except ImportError:
    # Run by a python without the client (e.g. plain `python3 smoke.py`): use the suite's venv
    # (built by run.sh) if there is one.
    if os.path.exists(VENV_PY) and os.path.realpath(sys.prefix) != os.path.realpath(os.path.join(HERE, "..", ".venv")):
        os.execv(VENV_PY, [VENV_PY, os.path.abspath(__file__), *sys.argv[1:]])
    print("python-socketio is missing: run tests/interop/run.sh once (it builds tests/interop/.venv),\n"
          "or pip install -r tests/interop/python/requirements.txt", file=sys.stderr)
    print("0 passed, 1 failed")
    sys.exit(2)
TIMEOUT = 5  # seconds; a guard for each awaited thing, never an assertion


def start_server():
    """Start the server under test; return (url, stop)."""
    cmd = os.environ.get("TESTBED_CMD", "").split()
    if not cmd:
        cmd = ["node", os.path.join(HERE, "..", "reference-server.js")]
    env = dict(os.environ, PORT="0")
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    found = {}

    def read_stdout():
        # Keep draining stdout so the server can never block on a full pipe.
        for line in proc.stdout:
            m = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", line.rstrip("\r\n"))
            if m and "port" not in found:
                found["port"] = int(m.group(1))
                found_event.set()
        found_event.set()  # EOF: the server exited

    found_event = threading.Event()
    threading.Thread(target=read_stdout, daemon=True).start()

    def stop():
        if proc.poll() is None:
            proc.stdin.close()  # contract: exit when stdin closes
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    if not found_event.wait(timeout=20) or "port" not in found:
        stop()
        raise RuntimeError(f"server {cmd} did not print 'listening on 127.0.0.1:<port>'")
    return f"http://127.0.0.1:{found['port']}", stop


class Recorder:
    """Collects events from a client's handlers; wait() is bounded."""

    def __init__(self):
        self.cond = threading.Condition()
        self.events = []  # (name, args)

    def add(self, name, *args):
        with self.cond:
            self.events.append((name, args))
            self.cond.notify_all()

    def wait(self, name, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, (n, args) in enumerate(self.events):
                    if n == name:
                        del self.events[i]
                        return args
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for '{name}'")
                self.cond.wait(left)


def new_client(url, auth=None, transports=("websocket",)):
    """A connected client; `transports=None` is python-socketio's default (polling, then the
    upgrade to websocket)."""
    sio = socketio.Client(reconnection=False)
    rec = Recorder()
    for name in ("welcome", "echo", "room-msg"):
        sio.on(name, (lambda n: lambda *a: rec.add(n, *a))(name))
    sio.on("disconnect", lambda *reason: rec.add("disconnect", *reason))
    sio.on("question", lambda payload: {"py": payload})  # returning a value acks it
    sio.connect(url, transports=list(transports) if transports else None, auth=auth,
                wait_timeout=TIMEOUT)
    return sio, rec


def expect_equal(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


# ---- checks ----

def check_welcome(url):
    sio, rec = new_client(url, auth={"lang": "python", "n": 3})
    try:
        (welcome,) = rec.wait("welcome")
        expect_equal(welcome, {"id": sio.get_sid("/"), "auth": {"lang": "python", "n": 3}}, "welcome")
    finally:
        sio.disconnect()


def check_echo_ack(url):
    sio, _ = new_client(url)
    try:
        expect_equal(sio.call("echo-ack", "héllo 😀", timeout=TIMEOUT), "héllo 😀", "single-arg ack")
        args = (1, "two", None, [3.5, {"k": True}], {"nested": {"deep": []}})
        expect_equal(sio.call("echo-ack", args, timeout=TIMEOUT), args, "multi-arg ack")
    finally:
        sio.disconnect()


def check_echo_event(url):
    sio, rec = new_client(url)
    try:
        sio.emit("echo", {"a": [1, 2, 3]})
        expect_equal(rec.wait("echo"), ({"a": [1, 2, 3]},), "echo event")
    finally:
        sio.disconnect()


def check_binary(url):
    sio, rec = new_client(url)
    try:
        data = bytes(range(256)) * 4
        expect_equal(sio.call("echo-ack", data, timeout=TIMEOUT), data, "binary ack")
        got = sio.call("echo-ack", {"meta": "x", "bin": b"\x00\x01\xff"}, timeout=TIMEOUT)
        expect_equal(got, {"meta": "x", "bin": b"\x00\x01\xff"}, "nested binary ack")
        sio.emit("echo", (b"first", "mid", b"second"))
        expect_equal(rec.wait("echo"), (b"first", "mid", b"second"), "two attachments")
        made = sio.call("make-binary", 1000, timeout=TIMEOUT)
        expect_equal(made, bytes(i % 256 for i in range(1000)), "make-binary")
    finally:
        sio.disconnect()


def check_ask(url):
    sio, _ = new_client(url)
    try:
        expect_equal(sio.call("ask", "q?", timeout=TIMEOUT), {"answer": {"py": "q?"}}, "ask round trip")
    finally:
        sio.disconnect()


def check_custom_namespace(url):
    sio = socketio.Client(reconnection=False)
    rec = Recorder()
    sio.on("welcome", lambda w: rec.add("welcome", w), namespace="/custom")
    sio.connect(url, transports=["websocket"], namespaces=["/", "/custom"], wait_timeout=TIMEOUT)
    try:
        expect_equal(rec.wait("welcome"), ({"nsp": "/custom"},), "/custom welcome")
        expect_equal(sio.call("echo-ack", "c", namespace="/custom", timeout=TIMEOUT), "c", "/custom ack")
    finally:
        sio.disconnect()


def check_secure_refused(url):
    sio = socketio.Client(reconnection=False)
    rec = Recorder()
    sio.on("connect_error", lambda *data: rec.add("connect_error", *data), namespace="/secure")
    try:
        sio.connect(url, transports=["websocket"], namespaces=["/secure"], auth={"token": "bad"},
                    wait_timeout=TIMEOUT)
    except socketio.exceptions.ConnectionError:
        pass  # expected; the server's message arrives in the connect_error handler
    else:
        raise AssertionError("connected to /secure with a bad token")
    finally:
        sio.disconnect()
    expect_equal(rec.wait("connect_error"), ({"message": "invalid token"},), "connect_error data")


def check_secure_accepted(url):
    sio = socketio.Client(reconnection=False)
    rec = Recorder()
    sio.on("welcome", lambda w: rec.add("welcome", w), namespace="/secure")
    sio.connect(url, transports=["websocket"], namespaces=["/secure"], auth={"token": "let-me-in"},
                wait_timeout=TIMEOUT)
    try:
        expect_equal(rec.wait("welcome"), ({"nsp": "/secure"},), "/secure welcome")
    finally:
        sio.disconnect()


def check_rooms(url):
    a, ra = new_client(url)
    b, rb = new_client(url)
    try:
        expect_equal(a.call("join", "py-room", timeout=TIMEOUT), True, "join ack")
        expect_equal(b.call("join", "py-room", timeout=TIMEOUT), True, "join ack")
        a.emit("to-room", ("py-room", {"hi": 1}))
        expect_equal(ra.wait("room-msg"), ({"hi": 1},), "room-msg to sender")
        expect_equal(rb.wait("room-msg"), ({"hi": 1},), "room-msg to member")
    finally:
        a.disconnect()
        b.disconnect()


def wait_until(predicate, what):
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def check_default_options_upgrade(url):
    """Default options: opens on polling, upgrades to websocket, a room's messages arrive."""
    a, ra = new_client(url, transports=None)
    b, _ = new_client(url)
    try:
        wait_until(lambda: a.transport() == "websocket", "the upgrade to websocket")
        expect_equal(a.call("join", "py-up", timeout=TIMEOUT), True, "join ack")
        b.emit("to-room", ("py-up", {"n": 1}))
        b.emit("to-room", ("py-up", b"\x01\x02"))
        expect_equal(ra.wait("room-msg"), ({"n": 1},), "room-msg after the upgrade")
        expect_equal(ra.wait("room-msg"), (b"\x01\x02",), "binary room-msg after the upgrade")
    finally:
        a.disconnect()
        b.disconnect()


def check_polling_only(url):
    """transports=["polling"]: the whole session on long-polling."""
    a, ra = new_client(url, transports=("polling",))
    b, _ = new_client(url)
    try:
        expect_equal(a.transport(), "polling", "transport")
        expect_equal(a.call("echo-ack", b"\x00\xff" * 100, timeout=TIMEOUT), b"\x00\xff" * 100,
                     "binary ack over polling")
        expect_equal(a.call("join", "py-poll", timeout=TIMEOUT), True, "join ack")
        # 12, not more: python-engineio refuses a poll answer of more than 16 packets, which the
        # official Node server may send (Petri caps its answers at 16, MAX_PACKETS_PER_POLL)
        for i in range(12):
            b.emit("to-room", ("py-poll", i))
        for i in range(12):
            expect_equal(ra.wait("room-msg"), (i,), "room-msg over polling")
        expect_equal(a.transport(), "polling", "still polling")
    finally:
        a.disconnect()
        b.disconnect()


def check_server_disconnect(url):
    sio, rec = new_client(url)
    try:
        sio.emit("disconnect-me")
        # python-socketio 5.12+ passes a reason; its name for "io server disconnect":
        expect_equal(rec.wait("disconnect"), (sio.reason.SERVER_DISCONNECT,), "disconnect reason")
    finally:
        sio.disconnect()


def check_transport_close(url):
    sio, rec = new_client(url)
    try:
        sio.emit("close-me")
        # python-engineio calls an abrupt WebSocket close "transport error"; "server disconnect"
        # here would mean the server sent a DISCONNECT / Engine.IO close packet instead.
        expect_equal(rec.wait("disconnect"), (sio.reason.TRANSPORT_ERROR,), "disconnect reason")
    finally:
        sio.disconnect()


def check_client_disconnect(url):
    sio, rec = new_client(url)
    sio.disconnect()
    expect_equal(rec.wait("disconnect"), (sio.reason.CLIENT_DISCONNECT,), "client disconnect reason")
    expect_equal(sio.connected, False, "connected after disconnect")


CHECKS = [
    check_welcome,
    check_echo_ack,
    check_echo_event,
    check_binary,
    check_ask,
    check_custom_namespace,
    check_secure_refused,
    check_secure_accepted,
    check_rooms,
    check_default_options_upgrade,
    check_polling_only,
    check_server_disconnect,
    check_transport_close,
    check_client_disconnect,
]


def main():
    url = os.environ.get("TESTBED_URL")
    stop = None
    if not url:
        url, stop = start_server()
    passed = failed = 0
    try:
        for check in CHECKS:
            try:
                check(url)
                passed += 1
                print(f"ok - {check.__name__}", flush=True)
            except Exception:  # noqa: BLE001 - report every failure and go on
                failed += 1
                print(f"FAIL - {check.__name__}", flush=True)
                traceback.print_exc(file=sys.stdout)  # stdout: keeps the order of lines
    finally:
        if stop:
            stop()
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
