#!/usr/bin/env python3
"""Bounded HTTP load against one local server, counting answers by status per second.

usage: load.py URL SECONDS THREADS TOKEN [TOKEN ...]
Prints one JSON object: {"total": {"200": n, ...}, "per_second": [{"200": n, ...}, ...]}.
Each thread cycles through the tokens (a valid one and an unknown one make the outage visible to both).
"""
import json
import sys
import threading
import time
import urllib.error
import urllib.request

url, seconds, threads, tokens = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
start = time.monotonic()
lock = threading.Lock()
per_second = [dict() for _ in range(int(seconds) + 1)]


def worker(n):
    i = n
    while (elapsed := time.monotonic() - start) < seconds:
        request = urllib.request.Request(url, headers={"PRIVATE-TOKEN": tokens[i % len(tokens)]})
        i += 1
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = str(response.status)
        except urllib.error.HTTPError as e:
            status = str(e.code)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            status = "no answer"
        with lock:
            bucket = per_second[min(int(elapsed), len(per_second) - 1)]
            bucket[status] = bucket.get(status, 0) + 1


pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join()
total = {}
for bucket in per_second:
    for k, v in bucket.items():
        total[k] = total.get(k, 0) + v
print(json.dumps({"total": total, "per_second": per_second}))
