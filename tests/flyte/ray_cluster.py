"""A Ray cluster for tests: a head and, optionally, a second worker node, both on loopback.

Each node is a `ray start --block` in its own session, so that tearing the cluster down stops
exactly the processes this cluster started (every Ray process of the node, workers included,
stays in that session) and never another Ray cluster on the same machine, as `ray stop` would.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Ray (2.5x+) turns on token authentication for every cluster started once ~/.ray/auth_token
# exists, which any local `ray.init()` on this machine writes; a token-auth head then advertises
# the machine's network address instead of loopback and refuses this loopback address. These
# clusters are private to the tests, on loopback: set here, the choice reaches the nodes, the
# probe and the test's own driver, whatever an earlier Ray user left in the home directory.
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

NODE = ["--block", "--node-ip-address=127.0.0.1", "--object-store-memory=80000000", "--disable-usage-stats"]
# Each node is small: this machine's two cores are shared, and the tests only need two places.
HEAD_CPUS = 1
WORKER_CPUS = 1
WORKER_RESOURCES = {"accelerator_type:A100": 1}  # what `Resources(gpu="A100:1")` asks of Ray
WORKER_GPUS = 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_members(sid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # fields after the command (which may contain spaces) start after the last ")"
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid:
            pids.append(int(entry))
    return pids


def stop_session(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """Stop a `ray start --block` started with start_new_session and every process of its session."""
    sid = proc.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(sid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    for pid in _session_members(sid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


_PROBE = ("import json, ray, sys\n"
          "ray.init(address=sys.argv[1], logging_level='error', log_to_driver=False)\n"
          "print('@@NODES@@' + json.dumps([{'id': n['NodeID'], 'resources': n['Resources']} for n in ray.nodes() if n['Alive']]))\n")


@dataclass
class RayCluster:
    address: str
    temp_dir: str
    nodes: list[subprocess.Popen] = field(default_factory=list)

    def alive_nodes(self) -> list[dict]:
        try:
            p = subprocess.run([sys.executable, "-c", _PROBE, self.address], capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:  # the head is not answering yet (a loaded machine): ask again
            return []
        # Ray may print its own log lines to stdout too
        found = [line.split("@@NODES@@", 1)[1] for line in p.stdout.splitlines() if "@@NODES@@" in line]
        return json.loads(found[0]) if p.returncode == 0 and found else []

    def wait_for_nodes(self, count: int, timeout: float = 240) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            nodes = self.alive_nodes()
            if len(nodes) >= count:
                return nodes
            for i, n in enumerate(self.nodes):
                if n.poll() is not None:
                    log = Path(self.temp_dir) / ("head.out" if i == 0 else "worker.out")
                    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                    raise RuntimeError(f"Ray node {i} exited with {n.returncode}:\n{tail}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(nodes)} of {count} Ray nodes came up in {timeout}s")
            time.sleep(0.5)

    def stop(self) -> None:
        for n in reversed(self.nodes):
            stop_session(n)
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _start_node(cluster: RayCluster, command: list[str], log: str, env: dict[str, str], count: int) -> None:
    """Start one node and wait until the cluster has `count` nodes. Ray gives a node 30 s to
    register, which a loaded machine can miss: such a start is stopped and tried again."""
    for attempt in range(3):
        with open(Path(cluster.temp_dir) / log, "w") as out:
            cluster.nodes.append(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                                  start_new_session=True, env=env))
        try:
            cluster.wait_for_nodes(count)
            return
        except RuntimeError:
            if attempt == 2:
                raise
            stop_session(cluster.nodes.pop())


def ray_cli() -> str:
    cli = shutil.which("ray", path=os.path.dirname(sys.executable)) or shutil.which("ray")
    if cli is None:
        raise RuntimeError("the ray command is missing although the ray package imports")
    return cli


@contextlib.contextmanager
def ray_cluster(worker_node: bool = True, env: dict[str, str] | None = None) -> Iterator[RayCluster]:
    """A head (and a second node with one GPU slot and an A100 accelerator type), stopped on exit."""
    port = _free_port()
    temp_dir = tempfile.mkdtemp(prefix="flyte-ray-")
    cluster = RayCluster(f"127.0.0.1:{port}", temp_dir)
    # Ray keeps CPU-only tasks off GPU nodes by default; this cluster's one "GPU" is a label on
    # the second node, which must also take its share of CPU work for the fan-out test.
    full_env = {**os.environ, "RAY_scheduler_avoid_gpu_nodes": "0", **(env or {})}
    full_env.pop("RAY_ADDRESS", None)
    head = [ray_cli(), "start", "--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp_dir}",
            f"--num-cpus={HEAD_CPUS}", "--num-gpus=0", *NODE]
    worker = [ray_cli(), "start", f"--address={cluster.address}", f"--num-cpus={WORKER_CPUS}",
              f"--num-gpus={WORKER_GPUS}", f"--resources={json.dumps(WORKER_RESOURCES)}", *NODE]
    try:
        _start_node(cluster, head, "head.out", full_env, 1)
        if worker_node:
            _start_node(cluster, worker, "worker.out", full_env, 2)
        yield cluster
    finally:
        cluster.stop()
