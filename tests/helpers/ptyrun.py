#!/usr/bin/env python3
"""Run a command on a new pty and type into it, for the attach tests.

    ptyrun.py STEP... -- COMMAND [ARG...]

Steps, in order: "wait:TEXT" waits (up to 10 s) until TEXT has appeared in
the output; "send:TEXT" types TEXT (Python escapes: \\r, \\x10 for ctrl-p);
"sleep:SECONDS". Then it reads until the command exits (20 s at most),
prints everything the command wrote (\\r\\n as \\n) and exits with the
command's exit status (124 on a timeout, 125 when a wait failed)."""
import os
import pty
import select
import sys
import time


def main():
    sep = sys.argv.index("--")
    steps, cmd = sys.argv[1:sep], sys.argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = bytearray()

    def pump(timeout):
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        out.extend(data)
        return True

    status = 0
    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "wait":
            want = arg.encode().decode("unicode_escape").encode()
            end = time.time() + 10
            while want not in out and time.time() < end:
                if not pump(0.1):
                    break
            if want not in out:
                status = 125
                break
        elif kind == "send":
            os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "sleep":
            end = time.time() + float(arg)
            while time.time() < end:
                pump(0.05)
    end = time.time() + 20
    while time.time() < end and pump(0.1):
        pass
    try:
        _, ws = os.waitpid(pid, os.WNOHANG if time.time() >= end else 0)
        code = os.waitstatus_to_exitcode(ws) if ws or _ else 124
    except ChildProcessError:
        code = 124
    if time.time() >= end:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        code = 124
    sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
    sys.exit(status or code)


if __name__ == "__main__":
    main()
