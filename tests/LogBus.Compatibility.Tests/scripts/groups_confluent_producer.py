#!/usr/bin/python3
"""Produces --count keyed messages "<prefix>-<i>" at about --rate per second (confluent-kafka-python),
waits for every delivery report and prints one JSON line {"delivered": n, "failed": n}."""
import argparse
import json
import time

from confluent_kafka import Producer

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--count", type=int, required=True)
parser.add_argument("--rate", type=float, default=1000)
parser.add_argument("--prefix", default="msg")
args = parser.parse_args()

delivered = 0
failed = 0


def report(err, msg):
    global delivered, failed
    if err is None:
        delivered += 1
    else:
        failed += 1


producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 5, "enable.idempotence": True})
start = time.monotonic()
for i in range(args.count):
    producer.produce(args.topic, key=f"k{i % 97}", value=f"{args.prefix}-{i}", on_delivery=report)
    producer.poll(0)
    ahead = start + (i + 1) / args.rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
remaining = producer.flush(60)
print(json.dumps({"delivered": delivered, "failed": failed, "unflushed": remaining}), flush=True)
