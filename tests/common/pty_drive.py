"""Runs a command on a fresh pseudo-terminal, the way a person at a terminal would.

usage: pty_drive.py MODE COMMAND [ARGS...]
MODE: `nonce` types the nonce the command prompts for; `wrong` types another one;
`none` types nothing. Prints everything the terminal showed, then `__EXIT__=<code>`.
"""
import os
import pty
import re
import select
import sys
import time

mode = sys.argv[1]
argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b""
sent = False
deadline = time.time() + 30
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.05)
    if fd in r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not sent and mode != "none":
        m = re.search(rb"Type ([A-Z0-9]+) to approve: ", out)
        if m:
            answer = m.group(1) if mode == "nonce" else b"WRONG9"
            os.write(fd, answer + b"\n")
            sent = True
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.stdout.write("\n__EXIT__=%d\n" % code)
