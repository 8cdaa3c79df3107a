#!/usr/bin/python3
"""Benchmark (not a test): time from SIGKILL of a master to the first write accepted for its slot, on a
3x2 datanode cluster and a 3x2 redis-server 7.0.15 cluster (cluster-node-timeout 2000 ms, loopback,
same run), ROUNDS kills each; prints every round, the medians and the ratio ours / redis. Also the
window during which a master cut off from the majority (the others SIGSTOPped) still accepts writes.

    /usr/bin/python3 tests/bench/cluster_failover_time.py [path/to/datanode]   (ROUNDS=5 by default)

Numbers on a loaded machine are noisy; compare the ratio, measured in the same run.
"""
import os, random, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATANODE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/datanode/datanode")
ROUNDS = int(os.environ.get("ROUNDS", "5"))
TIMEOUT_MS = 2000
KEY = "foo"  # slot 12182: the third master


def free_port():
    while True:
        p = random.randint(12000, 22000)
        ok = True
        for q in (p, p + 10000):
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", q))
            except OSError:
                ok = False
            s.close()
        if ok:
            return p


class Lab:
    def __init__(self, kind):
        self.kind, self.work, self.procs, self.ports = kind, tempfile.mkdtemp(prefix="cfail-bench-"), [], []

    def start_node(self, i):
        port = free_port()
        d = os.path.join(self.work, str(i))
        os.makedirs(d)
        log = open(os.path.join(d, "log"), "w")
        if self.kind == "ours":
            with open(os.path.join(d, "datanode.toml"), "w") as f:
                f.write('port = %d\nbind = ["127.0.0.1"]\ndir = "%s"\nsave = ""\ncluster-enabled = true\n'
                        'cluster-node-timeout = %d\nrepl-diskless-sync-delay = 0\n' % (port, d, TIMEOUT_MS))
            p = subprocess.Popen([DATANODE, "--config", os.path.join(d, "datanode.toml")], stdout=log, stderr=log)
        else:
            p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", d, "--cluster-enabled", "yes",
                                  "--cluster-node-timeout", str(TIMEOUT_MS), "--repl-diskless-sync-delay", "0"],
                                 stdout=log, stderr=log)
        self.procs.append(p)
        self.ports.append(port)
        for _ in range(200):
            try:
                redis.Redis(port=port).ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)

    def start(self):
        for i in range(6):
            self.start_node(i)
        subprocess.run(["redis-cli", "--cluster", "create"] + ["127.0.0.1:%d" % p for p in self.ports] +
                       ["--cluster-replicas", "1", "--cluster-yes"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        self.wait(lambda: all(self.state(p) == "ok" for p in self.ports) and self.replicas_up(), 60)

    @staticmethod
    def cli(port, *args):
        return subprocess.run(["timeout", "5", "redis-cli", "-p", str(port)] + list(args), capture_output=True,
                              text=True).stdout

    def state(self, port):
        out = self.cli(port, "CLUSTER", "INFO")
        return out.split("cluster_state:")[1].split()[0] if "cluster_state:" in out else "?"

    def replicas_up(self):
        for p in self.ports:
            info = redis.Redis(port=p).info("replication")
            if info["role"] == "slave" and info.get("master_link_status") != "up":
                return False
        return True

    def owner_index(self):
        slot = int(self.cli(self.ports[0], "CLUSTER", "KEYSLOT", KEY))
        for line in self.cli(self.ports[0], "CLUSTER", "NODES").splitlines():
            f = line.split()
            if "master" not in f[2]:
                continue
            for r in f[8:]:
                a, _, b = r.partition("-")
                if a.isdigit() and int(a) <= slot <= int(b or a):
                    return self.ports.index(int(f[1].split(":")[1].split("@")[0]))

    def write_ok(self, port):
        try:
            r = redis.Redis(port=port, socket_timeout=0.5).set(KEY, "x")
            return r is True
        except redis.exceptions.ResponseError as e:
            if str(e).startswith("MOVED"):
                p = int(str(e).split(":")[-1])
                try:
                    return redis.Redis(port=p, socket_timeout=0.5).set(KEY, "x") is True
                except Exception:
                    return False
            return False
        except Exception:
            return False

    @staticmethod
    def wait(cond, seconds):
        end = time.time() + seconds
        while time.time() < end:
            if cond():
                return True
            time.sleep(0.05)
        return False

    def failover_time(self):
        victim = self.owner_index()
        entry = next(p for i, p in enumerate(self.ports) if i != victim and self.procs[i].poll() is None)
        t0 = time.monotonic()
        self.procs[victim].send_signal(signal.SIGKILL)
        self.procs[victim].wait()
        ok = self.wait(lambda: self.write_ok(entry), 60)
        return time.monotonic() - t0 if ok else float("nan")

    def minority_window(self):
        lonely = self.owner_index()
        others = [p for i, p in enumerate(self.procs) if i != lonely]
        for p in others:
            p.send_signal(signal.SIGSTOP)
        t0 = time.monotonic()
        port = self.ports[lonely]
        self.wait(lambda: not self.write_ok(port), 30)
        dt = time.monotonic() - t0
        for p in others:
            p.send_signal(signal.SIGCONT)
        return dt

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.kill()
                p.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def measure(kind):
    fail, minority = [], []
    for _ in range(ROUNDS):
        lab = Lab(kind)
        try:
            lab.start()
            fail.append(lab.failover_time())
        finally:
            lab.stop()
        lab = Lab(kind)
        try:
            lab.start()
            minority.append(lab.minority_window())
        finally:
            lab.stop()
    return fail, minority


results = {k: measure(k) for k in ("ours", "redis")}
print("== 3x2 cluster, cluster-node-timeout %d ms, %d rounds each (seconds)" % (TIMEOUT_MS, ROUNDS))
for k, (fail, minority) in results.items():
    print("%-6s kill->write: %s   median %.2f" % (k, " ".join("%.2f" % x for x in fail), statistics.median(fail)))
    print("%-6s minority master writable: %s   median %.2f" % (k, " ".join("%.2f" % x for x in minority),
                                                               statistics.median(minority)))
print("ratio ours/redis (median kill->write): %.2f" %
      (statistics.median(results["ours"][0]) / statistics.median(results["redis"][0])))
print("ratio ours/redis (median minority window): %.2f" %
      (statistics.median(results["ours"][1]) / statistics.median(results["redis"][1])))
