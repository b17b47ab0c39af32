#!/usr/bin/python3
"""kafka-python group consumer with manual commits. Consumes until --expect messages arrived (or no
message for --idle-seconds), commits synchronously, prints the consumed values and committed offsets
as one JSON object, and closes (LeaveGroup)."""
import argparse
import json
import time

from kafka import KafkaConsumer, TopicPartition

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--group", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--expect", type=int, required=True)
parser.add_argument("--idle-seconds", type=float, default=4)
parser.add_argument("--max-seconds", type=float, default=60)
args = parser.parse_args()

consumer = KafkaConsumer(
    args.topic,
    bootstrap_servers=args.bootstrap,
    group_id=args.group,
    client_id="kafka-python-groups",
    enable_auto_commit=False,
    auto_offset_reset="earliest",
    session_timeout_ms=10000,
    heartbeat_interval_ms=1000,
)
values = []
start = time.monotonic()
last = time.monotonic()
while len(values) < args.expect and time.monotonic() - start < args.max_seconds:
    batch = consumer.poll(timeout_ms=200)
    if batch:
        last = time.monotonic()
    for records in batch.values():
        for r in records:
            values.append(r.value.decode())
    if not batch and len(values) >= args.expect:
        break
    if not batch and time.monotonic() - last > args.idle_seconds and consumer.assignment():
        break
consumer.commit()
partitions = sorted(consumer.assignment(), key=lambda tp: tp.partition)
committed = {str(tp.partition): consumer.committed(tp) for tp in partitions}
consumer.close()
print(json.dumps({"values": values, "committed": committed, "partitions": [tp.partition for tp in partitions]}), flush=True)
