#!/usr/bin/env python3
"""Writes COUNT unique Stripe payment_intent.succeeded events, each signed per Stripe's scheme
(HMAC-SHA256 of "t.body" keyed with the endpoint secret), one per line as "<Stripe-Signature>\t<body>".
With FAILED_EVERY (default 0, none), every FAILED_EVERY-th event is a payment_intent.payment_failed instead.
Usage: make_stripe_events.py COUNT SECRET OUT [FAILED_EVERY]"""
import hashlib, hmac, json, sys, time

count, secret, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
failed_every = int(sys.argv[4]) if len(sys.argv) > 4 else 0
t = int(time.time())
with open(out, "w") as f:
    for n in range(count):
        event = {
            "id": f"evt_bench_{t}_{n:08d}", "object": "event", "api_version": "2024-06-20", "created": t,
            "data": {"object": {
                "id": f"pi_bench_{n:08d}", "object": "payment_intent", "amount": 1000 + n % 9000, "amount_received": 1000 + n % 9000,
                "currency": "usd", "customer": f"cus_bench_{n % 5000:05d}", "description": "Benchmark order",
                "latest_charge": f"ch_bench_{n:08d}", "livemode": False, "metadata": {"order_id": f"ord_{n}"},
                "payment_method_types": ["card"], "status": "succeeded"}},
            "livemode": False, "pending_webhooks": 1,
            "request": {"id": f"req_bench_{n:08d}", "idempotency_key": None}, "type": "payment_intent.succeeded",
        }
        if failed_every and n % failed_every == failed_every - 1:
            event["type"] = "payment_intent.payment_failed"
            event["data"]["object"].update(status="requires_payment_method", amount_received=0,
                                           last_payment_error={"code": "card_declined", "decline_code": "insufficient_funds"})
        body = json.dumps(event, separators=(",", ":"))
        sig = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
        f.write(f"t={t},v1={sig}\t{body}\n")
