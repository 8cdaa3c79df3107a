#!/usr/bin/python3
"""Zipf-distributed cache workload for the eviction benchmark (not a test).

Each operation picks a key by a Zipf law over KEYS keys (exponent ALPHA): a GET, and on a miss a SET of
the value (cache-aside); WRITE_RATIO of the operations are plain SETs. Requests go in pipelines of
PIPELINE so the driver is not the bottleneck. Prints "ops_per_sec hit_ratio" for the server on PORT.

  zipf_workload.py PORT [OPS] [KEYS] [VALUE_SIZE] [ALPHA] [WRITE_RATIO] [SEED]
"""
import bisect
import random
import sys
import time

import redis


def zipf_cdf(n, alpha):
    weights = [1.0 / (rank ** alpha) for rank in range(1, n + 1)]
    total = sum(weights)
    cdf, acc = [], 0.0
    for w in weights:
        acc += w / total
        cdf.append(acc)
    return cdf


def main():
    port = int(sys.argv[1])
    ops = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    keys = int(sys.argv[3]) if len(sys.argv) > 3 else 1000000
    value_size = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    alpha = float(sys.argv[5]) if len(sys.argv) > 5 else 0.99
    write_ratio = float(sys.argv[6]) if len(sys.argv) > 6 else 0.1
    seed = int(sys.argv[7]) if len(sys.argv) > 7 else 42
    pipeline_size = 100

    rng = random.Random(seed)
    cdf = zipf_cdf(keys, alpha)
    # The hottest ranks are spread over the key names, so no hash-table neighbourhood is favoured.
    names = list(range(keys))
    rng.shuffle(names)
    value = b"v" * value_size
    r = redis.Redis(host="127.0.0.1", port=port)

    hits = misses = 0
    start = time.monotonic()
    done = 0
    while done < ops:
        batch = []
        for _ in range(min(pipeline_size, ops - done)):
            rank = bisect.bisect_left(cdf, rng.random())
            key = "key:%d" % names[min(rank, keys - 1)]
            batch.append((key, rng.random() < write_ratio))
        p = r.pipeline(transaction=False)
        for key, write in batch:
            if write:
                p.set(key, value)
            else:
                p.get(key)
        replies = p.execute()
        fill = r.pipeline(transaction=False)
        refill = 0
        for (key, write), reply in zip(batch, replies):
            if write:
                continue
            if reply is None:
                misses += 1
                fill.set(key, value)
                refill += 1
            else:
                hits += 1
        if refill:
            fill.execute()
        done += len(batch)
    elapsed = time.monotonic() - start
    ratio = hits / (hits + misses) if hits + misses else 0.0
    print("%.0f %.4f" % (ops / elapsed, ratio))


if __name__ == "__main__":
    main()
