#!/usr/bin/env python3
"""A throwaway PostgreSQL server for the engine tests: its own data directory, on 127.0.0.1 only.

    python -m hospital_warehouse.engines.postgres_server start --dir /tmp/pg --port 55432
    python -m hospital_warehouse.engines.postgres_server stop --dir /tmp/pg

`start` creates the cluster (initdb, user `hospital`, trust authentication on loopback, durability
settings off: it is a test server) and starts it; `stop` stops it and removes nothing. The server
binaries come from Debian's postgresql package (/usr/lib/postgresql/<version>/bin); PostgreSQL refuses to
run as root, so under root the cluster belongs to the `postgres` user the package creates.
"""
from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USER = "hospital"
DATABASE = "hospital"


def bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise SystemExit("PostgreSQL server binaries not found (pg_ctl): install Debian's postgresql package "
                     "(apt-get install -y postgresql), as `make test-engines` does when it can.")


def _as_server_user(cmd: list[str]) -> list[str]:
    """The command, run as `postgres` when we are root (the server will not run as root)."""
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise SystemExit("running as root and there is no `postgres` user to own the test cluster: "
                         "install Debian's postgresql package, or run as an ordinary user") from None
    return ["runuser", "-u", "postgres", "--", *cmd]


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(_as_server_user(cmd), capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")


def start(root: Path, port: int) -> dict:
    """Create (first time) and start the cluster under root; return the connection settings."""
    root = root.resolve()
    data = root / "data"
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chmod(root, 0o755)
    pg = bin_dir()
    if not (data / "PG_VERSION").exists():
        _run([str(pg / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
    options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_connections=40 -c shared_buffers=512MB -c work_mem=64MB "
               "-c maintenance_work_mem=256MB")
    _run([str(pg / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-o", options, "-w", "-t", "60", "start"])
    settings = {"host": "127.0.0.1", "port": port, "user": USER, "dbname": DATABASE}
    _create_database(pg, settings)
    return settings


def _create_database(pg: Path, settings: dict) -> None:
    for _ in range(30):
        probe = subprocess.run([str(pg / "psql"), "-h", settings["host"], "-p", str(settings["port"]), "-U", USER,
                                "-d", "postgres", "-tAc", f"select 1 from pg_database where datname = '{DATABASE}'"],
                               capture_output=True, text=True)
        if probe.returncode == 0:
            break
        time.sleep(1)
    else:
        raise SystemExit(f"the PostgreSQL server on port {settings['port']} does not answer: {probe.stderr}")
    if probe.stdout.strip() != "1":
        subprocess.run([str(pg / "createdb"), "-h", settings["host"], "-p", str(settings["port"]), "-U", USER, DATABASE],
                       check=True)


def stop(root: Path) -> None:
    data = root.resolve() / "data"
    if (data / "postmaster.pid").exists():
        _run([str(bin_dir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])


@contextlib.contextmanager
def throwaway_server():
    """A cluster in a fresh temporary folder on a free port, started, yielded (its settings), then stopped
    and removed: what the engine tests and the benchmark use."""
    # not under a 0700 folder of root's (pytest's tmp_path): as root the server runs as `postgres`
    root = Path(tempfile.mkdtemp(prefix="hospital_pg_"))
    root.chmod(0o755)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        yield start(root / "cluster", port)
    finally:
        stop(root / "cluster")
        shutil.rmtree(root, ignore_errors=True)


def dbt_env(settings: dict) -> dict:
    """The environment variables profile target `postgres` reads, for a server's settings."""
    return {"HOSPITAL_PG_HOST": settings["host"], "HOSPITAL_PG_PORT": str(settings["port"]),
            "HOSPITAL_PG_USER": settings["user"], "HOSPITAL_PG_DATABASE": settings["dbname"]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=["start", "stop"])
    p.add_argument("--dir", type=Path, required=True, help="folder of the cluster (created)")
    p.add_argument("--port", type=int, default=55432)
    args = p.parse_args(argv)
    if args.action == "start":
        settings = start(args.dir, args.port)
        print(" ".join(f"{k}={v}" for k, v in settings.items()))
    else:
        stop(args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
