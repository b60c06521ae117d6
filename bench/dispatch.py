#!/usr/bin/env python3
"""Dispatch throughput: sends COUNT signed Intercom `conversation.admin.assigned` webhooks to the gateway on
PORT (each becomes one Lark card per configured bot), then waits until the gateway has recorded every card
as succeeded (`switchyard_actions_total{channel="lark",result="succeeded"}` in /metrics).
Usage: dispatch.py PORT COUNT BOTS SECRET. Prints one line: actions=… seconds=… rate=… ingest_seconds=…"""
import hashlib, hmac, json, re, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

port, count, bots, secret = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].encode()
base = f"http://127.0.0.1:{port}"
template = json.load(open("fixtures/intercom/conversation.admin.assigned.json"))
run = int(time.time())

def succeeded():
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    found = re.search(r'switchyard_actions_total\{[^}]*channel="lark"[^}]*result="succeeded"[^}]*\} (\d+)', text) or \
        re.search(r'switchyard_actions_total\{[^}]*result="succeeded"[^}]*channel="lark"[^}]*\} (\d+)', text)
    return int(found.group(1)) if found else 0

def send(n):
    event = dict(template, id=f"notif_bench_{run}_{n}")
    body = json.dumps(event, separators=(",", ":")).encode()
    signature = "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest()
    request = urllib.request.Request(base + "/webhooks/intercom", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "X-Hub-Signature": signature})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status

def wait_for(total, deadline):
    while time.time() < deadline:
        if succeeded() >= total:
            return True
        time.sleep(0.01)
    return False

# Warm up: the reactor starts at the head, so retry one webhook until its cards are delivered.
warm_deadline = time.time() + 30
while not wait_for(bots, time.time() + 1):
    if time.time() > warm_deadline:
        sys.exit("the warm-up cards were never delivered")
    send(f"warmup_{time.time_ns()}")
before = succeeded()
started = time.time()
with ThreadPoolExecutor(16) as pool:
    list(pool.map(send, range(count)))
ingested = time.time()
if not wait_for(before + count * bots, time.time() + 300):
    sys.exit(f"only {succeeded() - before} of {count * bots} cards delivered within 300 s")
seconds = time.time() - started
print(f"actions={count * bots} seconds={seconds:.2f} rate={count * bots / seconds:.0f} ingest_seconds={ingested - started:.2f}")
