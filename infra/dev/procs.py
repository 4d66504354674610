"""Start and stop background processes by pid file (no daemon manager needed on a laptop)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child counts as dead
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def read_pid(pidfile: Path) -> int | None:
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port(host: str, port: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return True
        time.sleep(0.1)
    return False


def start(name: str, argv: list[str], run_dir: Path, env: dict[str, str]) -> int:
    log = (run_dir / "logs" / f"{name}.log").open("ab")
    proc = subprocess.Popen(
        argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env=env, start_new_session=True, cwd=str(Path(__file__).resolve().parents[2]),
    )
    (run_dir / "pids" / f"{name}.pid").write_text(str(proc.pid))
    return proc.pid


def _signal(pid: int, sig: int) -> None:
    """Signal the process group we started (children included); a process that does not lead
    its own group (e.g. a foreground `make run`) gets the signal alone."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def stop(name: str, run_dir: Path, timeout: float = 10.0, sig: int = signal.SIGTERM) -> bool:
    pidfile = run_dir / "pids" / f"{name}.pid"
    pid = read_pid(pidfile)
    if pid is None:
        pidfile.unlink(missing_ok=True)
        return False
    _signal(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.1)
    if pid_alive(pid):
        _signal(pid, signal.SIGKILL)
        time.sleep(0.2)
    try:  # reap if it is our child
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    pidfile.unlink(missing_ok=True)
    return True


def port_holder(port: int) -> str | None:
    """Which process listens on a TCP port (from /proc; None if unknown or not ours to see)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:   # 0A = LISTEN
                inodes.add(f[9])
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    return f"pid {proc.name} ({cmd.strip()[:120]})"
        except OSError:
            continue
    return None


def refuse_foreign_port(port: int, what: str) -> None:
    """Exit with a clear message when a port we are about to use is held by someone else."""
    if port_open("127.0.0.1", port):
        holder = port_holder(port) or "another process"
        raise SystemExit(
            f"[siaga] cannot start {what}: port {port} is held by {holder}, which Siaga did not "
            f"start. Stop that process, or move Siaga to other ports (see README, Configuration).")
