#!/usr/bin/env python3
"""The performance table (a benchmark, not a test): the datanode and redis-server 7.0.15 on the same
machine, measured back to back and interleaved over several rounds (ours first in even rounds, Redis first
in odd ones), each figure the median of its rounds, printed as a ratio table:

  - redis-benchmark throughput per test, at -P 1 and -P 16, with the AOF off, everysec and always;
  - the server's CPU time per request (user + system) for each test with the AOF off;
  - SET throughput of a master with one, then two replicas attached;
  - full-sync time of a replica joining a master that holds --sync-keys keys;
  - memory per key (used_memory and RSS) for small strings and for 10-field hashes;
  - the sentinel at N = 1 and N = --sentinel-masters master names (spread over --sentinel-servers light
    servers; ours on datanodes, redis-sentinel on redis-servers): RSS, CPU time over
    --sentinel-seconds, and the failover time of one master (with a replica) killed with SIGKILL.

Throughput rows aim at >= 1.1 (ours / redis); memory and time rows at <= 1.0.

  tests/bench/perf_table.py                       # build/datanode/datanode, build/sentinel/sentinel
  tests/bench/perf_table.py --rounds 5 --requests 200000
  tests/bench/perf_table.py --quick               # a smoke run: small counts, one round
  tests/bench/perf_table.py --only sentinel --rounds 1 --sentinel-masters 1000 --sentinel-servers 10
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTS = "set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,lrange_100,mset"
WRITE_TESTS = "set,incr,lpush,sadd,hset,zadd,mset"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(port, *args, timeout=60):
    out = subprocess.run(["redis-cli", "-p", str(port), *map(str, args)], capture_output=True,
                         text=True, timeout=timeout)
    return out.stdout.strip()


def info_field(port, section, name):
    for line in cli(port, "info", section).splitlines():
        key, _, value = line.partition(":")
        if key == name:
            return value.strip()
    return ""


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ms(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


STARTED = []  # every process this script started, stopped by PID at exit


class Server:
    """One datanode or redis-server (or a sentinel of either kind) started by this script."""

    def __init__(self, kind, binary, workdir, args=(), sentinel=False):
        self.kind, self.binary, self.port = kind, binary, free_port()
        self.dir = tempfile.mkdtemp(prefix=f"{kind}-", dir=workdir)
        log = open(os.path.join(self.dir, "log"), "w")
        if sentinel:
            self.proc = self._start_sentinel(binary, log, *args)
        else:
            cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                   "--save", "", "--loglevel", "warning", "--enable-debug-command", "yes",
                   "--repl-diskless-sync-delay", "0", *map(str, args)]
            self.proc = subprocess.Popen(cmd, cwd=self.dir, stdout=log, stderr=log)
        STARTED.append(self.proc)
        for _ in range(200):
            if cli(self.port, "ping") == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError(f"{kind} on port {self.port} did not start (see {self.dir}/log)")

    def _start_sentinel(self, binary, log, monitors):
        """monitors: [(name, port)] on 127.0.0.1, quorum 1, down-after 1000 ms for both kinds."""
        if self.kind == "datanode":
            path = os.path.join(self.dir, "sentinel.toml")
            with open(path, "w") as f:
                f.write(f'port = {self.port}\nbind = ["127.0.0.1"]\ndir = "{self.dir}"\nmetrics-port = 0\n')
                for name, port in monitors:
                    f.write(f'[[monitor]]\nname = "{name}"\nhost = "127.0.0.1"\nport = {port}\nquorum = 1\n'
                            f'down-after-milliseconds = 1000\nfailover-timeout = 10000\n')
            return subprocess.Popen([binary, "--config", path], stdout=log, stderr=log)
        path = os.path.join(self.dir, "sentinel.conf")
        with open(path, "w") as f:
            f.write(f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\n")
            for name, port in monitors:
                f.write(f"sentinel monitor {name} 127.0.0.1 {port} 1\n"
                        f"sentinel down-after-milliseconds {name} 1000\nsentinel failover-timeout {name} 10000\n")
        return subprocess.Popen(["redis-sentinel", path], stdout=log, stderr=log)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Table:
    def __init__(self):
        self.rows = []

    def add(self, group, name, ours, redis, unit, higher_is_better):
        self.rows.append((group, name, ours, redis, unit, higher_is_better))

    def print(self):
        print("\n| group | row | ours | redis | ratio | target |")
        print("|---|---|---:|---:|---:|---|")
        misses = 0
        for group, name, ours, redis, unit, higher in self.rows:
            ratio = ours / redis if redis else float("nan")
            met = ratio >= 1.1 if higher else ratio <= 1.0
            misses += not met
            target = "≥ 1.1" if higher else "≤ 1.0"
            print(f"| {group} | {name} | {ours:,.0f} {unit} | {redis:,.0f} {unit} | {ratio:.2f} | "
                  f"{target}{'' if met else ' ✗'} |")
        print(f"\n{len(self.rows) - misses} of {len(self.rows)} rows meet their target.")


def benchmark(port, tests, requests, pipeline, clients=50):
    """redis-benchmark -q: {"SET": rps, ...}"""
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", tests, "-n", str(requests),
                          "-P", str(pipeline), "-c", str(clients), "-q"],
                         capture_output=True, text=True, timeout=3600).stdout
    found = re.findall(r"([A-Za-z_0-9() ]+?): ([0-9.]+) requests per second", out.replace("\r", "\n"))
    return {name.strip(): float(rps) for name, rps in found}


def interleaved(pair, rounds, measure):
    """measure(server) -> {row: value}, run `rounds` times alternating which server goes first;
    returns {row: (median ours, median redis)}."""
    samples = {"datanode": {}, "redis": {}}
    for r in range(rounds):
        for server in (pair if r % 2 == 0 else pair[::-1]):
            for row, value in measure(server).items():
                samples[server.kind].setdefault(row, []).append(value)
    return {row: (statistics.median(samples["datanode"][row]), statistics.median(values))
            for row, values in samples["redis"].items() if row in samples["datanode"]}


def start_pair(opts, workdir, *args):
    return [Server("datanode", opts.datanode, workdir, args), Server("redis", "redis-server", workdir, args)]


def throughput(opts, workdir, table):
    aof_modes = [("off", ["--appendonly", "no"]),
                 ("everysec", ["--appendonly", "yes", "--appendfsync", "everysec"]),
                 ("always", ["--appendonly", "yes", "--appendfsync", "always"])]
    for mode, args in aof_modes:
        pair = start_pair(opts, workdir, *args)
        tests = opts.tests if mode == "off" else WRITE_TESTS
        requests = opts.requests if mode != "always" else max(1000, opts.requests // 10)
        for pipeline in (1, 16):
            def measure(server):
                cli(server.port, "flushall")
                if mode != "off":
                    return benchmark(server.port, tests, requests, pipeline)
                # With the AOF off, each test runs alone so the server's CPU time per request (user +
                # system, from /proc) can be told apart: unlike req/s on a 2-core machine shared with the
                # client, it does not depend on how the two processes get scheduled.
                rows = {}
                for test in tests.split(","):
                    cpu0 = cpu_ms(server.proc.pid)
                    for name, rps in benchmark(server.port, test, requests, pipeline).items():
                        rows[name] = rps
                        rows[f"{name} CPU"] = (cpu_ms(server.proc.pid) - cpu0) * 1e6 / requests
                return rows
            for row, (ours, redis) in interleaved(pair, opts.rounds, measure).items():
                if row.endswith(" CPU"):
                    table.add(f"server CPU P{pipeline}", row[:-4], ours, redis, "ns/req", False)
                else:
                    table.add(f"aof {mode} P{pipeline}", row, ours, redis, "req/s", True)
        for server in pair:
            server.stop()


def replicated_set(opts, workdir, table):
    pairs = []
    for kind, binary in (("datanode", opts.datanode), ("redis", "redis-server")):
        master = Server(kind, binary, workdir)
        # The second one joins after the one-replica rows.
        replicas = [Server(kind, binary, workdir, ["--replicaof", "127.0.0.1", master.port]),
                    Server(kind, binary, workdir)]
        pairs.append((master, replicas))

    # SET with one replica, then with two: the fan-out of one write stream to several links.
    for attached in (1, 2):
        for master, replicas in pairs:
            wait_replicas(master.port, attached)

        def measure(master):
            cli(master.port, "flushall")
            return {f"SET with {attached} replica{'s' if attached > 1 else ''}, P16":
                    benchmark(master.port, "set", opts.requests, 16)["SET"]}
        for row, (ours, redis) in interleaved([m for m, _ in pairs], opts.rounds, measure).items():
            table.add("replication", row, ours, redis, "req/s", True)
        if attached == 1:
            for master, replicas in pairs:
                for replica in replicas[1:]:
                    cli(replica.port, "replicaof", "127.0.0.1", master.port)

    for master, replicas in pairs:
        for replica in replicas:
            replica.stop()
        cli(master.port, "flushall")
        cli(master.port, "debug", "populate", opts.sync_keys, "key", 16, timeout=600)

    def sync_time(master):
        start = time.monotonic()
        replica = Server(master.kind, master.binary, workdir, ["--replicaof", "127.0.0.1", master.port])
        deadline = start + 600
        while time.monotonic() < deadline:
            if (info_field(replica.port, "replication", "master_link_status") == "up"
                    and info_field(replica.port, "replication", "master_sync_in_progress") == "0"):
                break
            time.sleep(0.01)
        elapsed = (time.monotonic() - start) * 1000
        assert cli(replica.port, "dbsize") == str(opts.sync_keys), f"{master.kind} replica is incomplete"
        replica.stop()
        return {f"full sync of {opts.sync_keys:,} keys (start to loaded)": elapsed}
    for row, (ours, redis) in interleaved([m for m, _ in pairs], opts.rounds, sync_time).items():
        table.add("replication", row, ours, redis, "ms", False)
    for master, _ in pairs:
        master.stop()


def wait_replicas(port, count, timeout=60):
    """Until the master at `port` has exactly `count` replicas online."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = cli(port, "info", "replication")
        online = len(re.findall(r"^slave[0-9]+:.*state=online", info, re.M))
        if info_field(port, "replication", "connected_slaves") == str(count) and online == count:
            return
        time.sleep(0.05)
    sys.exit(f"the master on port {port} never had {count} replicas online")


def hash_commands(count):
    """RESP for `count` HSETs of 10 fields each, for redis-cli --pipe."""
    out = []
    for i in range(count):
        args = ["HSET", f"h:{i}"] + [x for f in range(10) for x in (f"field{f}", f"value{f}")]
        out.append(f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args))
    return "".join(out).encode()


def memory_per_key(opts, workdir, table):
    hashes = hash_commands(opts.hashes)
    for what, count, load in (
            ("small string", opts.strings,
             lambda port: cli(port, "debug", "populate", opts.strings, "key", 3, timeout=600)),
            ("10-field hash", opts.hashes,
             lambda port: subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=hashes,
                                         capture_output=True, timeout=600))):
        pair = start_pair(opts, workdir)
        figures = {}
        for server in pair:
            used0 = int(info_field(server.port, "memory", "used_memory"))
            rss0 = rss_kib(server.proc.pid) * 1024
            load(server.port)
            assert int(cli(server.port, "dbsize")) == count, f"{server.kind} did not load {what}s"
            figures[server.kind] = ((int(info_field(server.port, "memory", "used_memory")) - used0) / count,
                                    (rss_kib(server.proc.pid) * 1024 - rss0) / count)
            server.stop()
        table.add("memory", f"{what}: used_memory/key", figures["datanode"][0], figures["redis"][0], "B", False)
        table.add("memory", f"{what}: RSS/key", figures["datanode"][1], figures["redis"][1], "B", False)


class SentinelLab:
    """One sentinel of one kind ("datanode": ours on datanodes, "redis": redis-sentinel on redis-servers)
    monitoring `names` master names: "fo", a dedicated master with one replica (the one failed over),
    and names - 1 others spread over `servers` light servers of the same kind (several names for one
    address, which both sentinels accept). Each lab has its own servers: no cross-talk between sentinels."""

    def __init__(self, kind, opts, workdir, names, servers):
        binary = opts.datanode if kind == "datanode" else "redis-server"
        self.kind, self.names = kind, names
        self.servers = [Server(kind, binary, workdir) for _ in range(servers if names > 1 else 0)]
        self.master = Server(kind, binary, workdir)
        self.replica = Server(kind, binary, workdir, ["--replicaof", "127.0.0.1", self.master.port])
        monitors = [("fo", self.master.port)] + [
            (f"m{i}", self.servers[i % len(self.servers)].port) for i in range(names - 1)]
        self.sentinel = Server(kind, opts.sentinel if kind == "datanode" else "redis-sentinel", workdir,
                               [monitors], sentinel=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.settled():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{kind} sentinel did not settle on {names} masters (see {self.sentinel.dir}/log)")

    def settled(self):
        """Every name monitored, fo's replica known and in sync."""
        names = cli(self.sentinel.port, "sentinel", "masters").splitlines().count("name")
        replicas = cli(self.sentinel.port, "sentinel", "replicas", "fo")
        return names == self.names and "master-link-status\nok" in replicas

    def failover_ms(self):
        """SIGKILL fo's master; ms until +switch-master reaches a subscriber of the sentinel."""
        with socket.create_connection(("127.0.0.1", self.sentinel.port), timeout=120) as sub:
            sub.sendall(b"SUBSCRIBE +switch-master\r\n")
            seen = b""
            while not seen.endswith(b":1\r\n"):
                seen += sub.recv(4096)
            start = time.monotonic()
            self.master.stop()
            seen = b""
            while b"message" not in seen:
                chunk = sub.recv(4096)
                if not chunk:
                    raise RuntimeError(f"{self.kind} sentinel closed the subscription")
                seen += chunk
            elapsed = (time.monotonic() - start) * 1000
        new_port = cli(self.sentinel.port, "sentinel", "get-master-addr-by-name", "fo").splitlines()[-1]
        assert new_port == str(self.replica.port), f"{self.kind} sentinel did not promote fo's replica"
        return elapsed

    def stop(self):
        for server in [self.sentinel, self.replica, self.master] + self.servers:
            if server.proc.poll() is None:
                server.stop()


def sentinel_footprint(opts, workdir, table):
    """Per N (1 and --sentinel-masters): RSS after start-up, CPU time over a fixed window, and the
    failover time of fo with the other names monitored; each lab alone on the machine."""
    for names in sorted({1, opts.sentinel_masters}):
        def measure(kind):
            lab = SentinelLab(kind, opts, workdir, names, opts.sentinel_servers)
            try:
                time.sleep(1)
                cpu0 = cpu_ms(lab.sentinel.proc.pid)
                time.sleep(opts.sentinel_seconds)
                figures = {"RSS": rss_kib(lab.sentinel.proc.pid),
                           f"CPU ms over {opts.sentinel_seconds} s": cpu_ms(lab.sentinel.proc.pid) - cpu0,
                           "failover (SIGKILL to +switch-master)": lab.failover_ms()}
            finally:
                lab.stop()
            return figures
        samples = {"datanode": {}, "redis": {}}
        for r in range(opts.rounds):
            for kind in (("datanode", "redis") if r % 2 == 0 else ("redis", "datanode")):
                for row, value in measure(kind).items():
                    samples[kind].setdefault(row, []).append(value)
        servers = f"{opts.sentinel_servers} + 2 servers" if names > 1 else "2 servers"
        for row, values in samples["redis"].items():
            unit = "KiB" if row == "RSS" else "ms"
            group = f"sentinel N={names} ({servers}: datanode / redis-server)"
            table.add(group, row, statistics.median(samples["datanode"][row]), statistics.median(values), unit,
                      False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datanode", default=os.path.join(ROOT, "build/datanode/datanode"))
    parser.add_argument("--sentinel", default=os.path.join(ROOT, "build/sentinel/sentinel"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100000)
    parser.add_argument("--tests", default=TESTS)
    parser.add_argument("--sync-keys", type=int, default=1000000)
    parser.add_argument("--strings", type=int, default=1000000)
    parser.add_argument("--hashes", type=int, default=100000)
    parser.add_argument("--sentinel-seconds", type=int, default=10)
    parser.add_argument("--sentinel-masters", type=int, default=1000, help="master names of the large sentinel")
    parser.add_argument("--sentinel-servers", type=int, default=10, help="servers holding those names")
    parser.add_argument("--only", default="throughput,replication,memory,sentinel")
    parser.add_argument("--quick", action="store_true", help="small counts and one round (a smoke run)")
    opts = parser.parse_args()
    if opts.quick:
        opts.rounds, opts.requests, opts.sync_keys = 1, 5000, 10000
        opts.strings, opts.hashes, opts.sentinel_seconds = 20000, 2000, 2
        opts.sentinel_masters, opts.sentinel_servers = 50, 2
    for tool in ("redis-server", "redis-sentinel", "redis-cli", "redis-benchmark"):
        if not shutil.which(tool):
            sys.exit(f"missing {tool}")
    for binary in (opts.datanode, opts.sentinel):
        if not os.access(binary, os.X_OK):
            sys.exit(f"no binary at {binary} (build first)")

    print(f"datanode {opts.datanode}, redis {cli_version()}, {opts.rounds} rounds, "
          f"{opts.requests} requests, load average {os.getloadavg()[0]:.2f}")
    table = Table()
    workdir = tempfile.mkdtemp(prefix="perf-table-")
    try:
        steps = {"throughput": throughput, "replication": replicated_set, "memory": memory_per_key,
                 "sentinel": sentinel_footprint}
        for name in opts.only.split(","):
            steps[name](opts, workdir, table)
    finally:
        for proc in STARTED:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    table.print()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


def cli_version():
    return subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]


if __name__ == "__main__":
    main()
