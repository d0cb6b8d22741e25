#!/usr/bin/env python3
# Runs a command on a fresh pty, as a person at a terminal would, following a script of steps:
#   ["expect", TEXT]       wait (up to 20 s) until TEXT has appeared in the output since the last expect
#   ["send", TEXT]         type TEXT (\u0010 is ctrl-p, \u0011 ctrl-q, \r Enter)
#   ["resize", ROWS, COLS] resize the terminal (the command gets SIGWINCH)
#   ["sleep", SECONDS]
# then reads until the command exits. Prints JSON: {"code", "signal", "output", "timeout"}.
# Usage: pty-driver.py STEPS_JSON ROWS COLS -- CMD ARGS...
import json, os, pty, select, signal, struct, sys, time, fcntl, termios

steps = json.loads(sys.argv[1])
rows, cols = int(sys.argv[2]), int(sys.argv[3])
cmd = sys.argv[5:]

pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)

def setsize(r, c):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', r, c, 0, 0))

setsize(rows, cols)
out = b''
mark = 0
timed_out = False

def pump(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        d = os.read(fd, 65536)
    except OSError:
        return False
    if not d:
        return False
    out += d
    return True

alive = True
for step in steps:
    kind = step[0]
    if kind == 'expect':
        want = step[1].encode()
        deadline = time.time() + 20
        while want not in out[mark:] and alive and time.time() < deadline:
            alive = pump(0.1)
        if want not in out[mark:]:
            timed_out = True
            break
        mark = out.index(want, mark) + len(want)
    elif kind == 'send':
        os.write(fd, step[1].encode('latin-1'))
    elif kind == 'resize':
        setsize(step[1], step[2])
    elif kind == 'sleep':
        end = time.time() + step[1]
        while alive and time.time() < end:
            alive = pump(max(0, end - time.time()))

deadline = time.time() + 30
status = None
while time.time() < deadline:
    if alive:
        alive = pump(0.1)
    p, st = os.waitpid(pid, os.WNOHANG)
    if p == pid:
        status = st
        while pump(0.05) and alive:
            pass
        break
if status is None:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    timed_out = True
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
print(json.dumps({'code': code, 'signal': sig, 'output': out.decode('utf-8', 'replace'), 'timeout': timed_out}))
