#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A scripted stand-in for `terok-shield interactive NAME --raw` (docs/interactive.md).

The bridge tests run it as the bridge's child. It speaks the JSON-lines
protocol on stdin/stdout and is driven by the test through a control FIFO
in DIR (DIR/ctl), one command per line:

  out TEXT   print TEXT and a newline (a pending line, or garbage)
  raw TEXT   print TEXT without a newline (half of a line)
  big N      print a line of N bytes
  exit CODE  exit with CODE

Every line read on stdin is appended to DIR/stdin.log. A verdict line for
an id announced in a pending line is answered with verdict_applied (ok
false for ids in --fail-ids). DIR/pid holds its PID once it is ready.
EOF on stdin ends it, as the real session does.
"""
import argparse
import json
import os
import select
import signal
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--ignore-term", action="store_true")
    ap.add_argument("--fail-ids", default="")
    a = ap.parse_args()
    if a.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    fail = {int(x) for x in a.fail_ids.split(",") if x}
    ctl = os.open(os.path.join(a.dir, "ctl"), os.O_RDWR)
    with open(os.path.join(a.dir, "pid.tmp"), "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(os.path.join(a.dir, "pid.tmp"), os.path.join(a.dir, "pid"))
    out = sys.stdout.buffer
    pending = {}
    ctl_buf = b""
    in_buf = b""
    while True:
        ready, _, _ = select.select([0, ctl], [], [])
        if ctl in ready:
            ctl_buf += os.read(ctl, 65536)
            while b"\n" in ctl_buf:
                line, ctl_buf = ctl_buf.split(b"\n", 1)
                cmd, _, arg = line.partition(b" ")
                if cmd == b"out":
                    out.write(arg + b"\n")
                    try:
                        o = json.loads(arg)
                        if o.get("type") == "pending":
                            pending[o["id"]] = o["dest"]
                    except (ValueError, AttributeError, KeyError, TypeError):
                        pass
                elif cmd == b"raw":
                    out.write(arg)
                elif cmd == b"big":
                    out.write(b"x" * int(arg) + b"\n")
                elif cmd == b"exit":
                    out.flush()
                    sys.exit(int(arg))
                out.flush()
        if 0 in ready:
            data = os.read(0, 65536)
            if not data:
                return 0
            in_buf += data
            while b"\n" in in_buf:
                line, in_buf = in_buf.split(b"\n", 1)
                with open(os.path.join(a.dir, "stdin.log"), "ab") as f:
                    f.write(line + b"\n")
                try:
                    o = json.loads(line)
                except ValueError:
                    continue
                if o.get("type") == "verdict" and o.get("id") in pending:
                    reply = {"type": "verdict_applied", "id": o["id"],
                             "dest": pending[o["id"]], "action": o["action"],
                             "ok": o["id"] not in fail}
                    out.write(json.dumps(reply, separators=(",", ":")).encode() + b"\n")
                    out.flush()


if __name__ == "__main__":
    sys.exit(main())
