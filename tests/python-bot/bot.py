"""A Petri bot in Python, written from docs/PROTOCOL.md: it joins the main room with the
official python-socketio client, decodes its frames (bincode: varints and zigzag), and steers
its cell toward the nearest food it can see.

    python3 bot.py http://127.0.0.1:8080 [seconds]

Exits 0 if it played (frames arrived and its cell moved), 1 otherwise, and prints what it saw.
"""
import sys
import time

import socketio


class Reader:
    """Reads bincode's standard encoding: varint u32 (251/252/253 markers), zigzag i32."""

    def __init__(self, data):
        self.data, self.pos = memoryview(data), 0

    def byte(self):
        value = self.data[self.pos]
        self.pos += 1
        return value

    def u32(self):
        first = self.byte()
        if first < 251:
            return first
        width = {251: 2, 252: 4, 253: 8}[first]
        value = int.from_bytes(self.data[self.pos:self.pos + width], "little")
        self.pos += width
        return value

    def i32(self):
        n = self.u32()
        return (n >> 1) ^ -(n & 1)

    def string(self):
        length = self.u32()
        text = bytes(self.data[self.pos:self.pos + length]).decode("utf-8")
        self.pos += length
        return text

    def items(self, read):
        return [read() for _ in range(self.u32())]


def decode_frame(data):
    r = Reader(data)
    frame = {"tick": r.u32(), "view": [r.i32() for _ in range(4)], "rank": r.u32()}
    frame["own"] = r.items(r.u32)
    frame["players"] = r.items(lambda: (r.u32(), r.string(), r.u32()))
    frame["left"] = r.items(r.u32)
    frame["entered"] = r.items(lambda: dict(id=r.u32(), kind=r.byte(), x=r.i32(), y=r.i32(), size=r.u32(), owner=r.u32()))
    frame["changed"] = r.items(lambda: (r.u32(), r.i32(), r.i32(), r.i32()))
    frame["eaten"] = r.items(lambda: (r.u32(), r.u32()))
    return frame


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    cells, own, frames, start = {}, [], [0], {}
    sio = socketio.Client()

    @sio.on("frame", namespace="/play")
    def on_frame(data):
        frame = decode_frame(data)
        for handle in frame["left"]:
            cells.pop(handle, None)
        for cell in frame["entered"]:
            cells[cell["id"]] = cell
        for handle, dx, dy, dsize in frame["changed"]:
            cell = cells[handle]
            cell["x"] += dx
            cell["y"] += dy
            cell["size"] += dsize
        own[:] = frame["own"]
        frames[0] += 1
        mine = [cells[h] for h in own if h in cells]
        if not mine:
            return
        me = max(mine, key=lambda c: c["size"])
        start.setdefault("at", (me["x"], me["y"]))
        food = [c for c in cells.values() if c["kind"] == 1]
        target = min(food, key=lambda c: (c["x"] - me["x"]) ** 2 + (c["y"] - me["y"]) ** 2) if food else {"x": me["x"] + 500, "y": me["y"]}
        sio.emit("input", (target["x"], target["y"]), namespace="/play")

    sio.connect(url, transports=["websocket"], namespaces=["/play"], wait_timeout=10)
    joined = sio.call("join", {"room": "main", "name": "pybot"}, namespace="/play", timeout=10)
    print("joined:", joined.get("ok"), "player", joined.get("player"))
    time.sleep(seconds)
    mine = [cells[h] for h in own if h in cells]
    moved = 0.0
    if mine and "at" in start:
        me = max(mine, key=lambda c: c["size"])
        moved = ((me["x"] - start["at"][0]) ** 2 + (me["y"] - start["at"][1]) ** 2) ** 0.5
    sio.disconnect()
    print(f"frames {frames[0]}, cells in view {len(cells)}, own cells {len(mine)}, moved {moved:.0f} units")
    ok = joined.get("ok") and frames[0] > 10 and moved > 50
    print("1 passed, 0 failed" if ok else "0 passed, 1 failed")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
