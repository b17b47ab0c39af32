"""Fault-test workload: one member of a consumer group (confluent-kafka), reading under faults.

Usage: jepsen_consumer.py BOOTSTRAP TOPIC GROUP CONSUMER_ID HISTORY STOP_FILE
Appends JSON lines to HISTORY:
  {"t": "assign", "c": id, "parts": [...]}   on every (re)assignment (monotonic tracking restarts)
  {"t": "read", "c": id, "p": partition, "o": offset, "v": value}
  {"t": "error", "c": id, "err": text}       consumer errors (transient ones are expected during faults)
Stops when STOP_FILE exists.
"""
import json
import os
import sys

from confluent_kafka import Consumer

bootstrap, topic, group, cid, history_path, stop_file = sys.argv[1:7]
history = open(history_path, 'a', buffering=1)


def log(event):
    history.write(json.dumps(event) + "\n")


def on_assign(consumer, partitions):
    log({"t": "assign", "c": cid, "parts": sorted(p.partition for p in partitions)})


def on_revoke(consumer, partitions):
    log({"t": "revoke", "c": cid, "parts": sorted(p.partition for p in partitions)})


consumer = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': True,
    'auto.commit.interval.ms': 500,
    'session.timeout.ms': 10000,
    'topic.metadata.refresh.interval.ms': 1000,
})
consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
while not os.path.exists(stop_file):
    msg = consumer.poll(0.2)
    if msg is None:
        continue
    if msg.error():
        log({"t": "error", "c": cid, "err": str(msg.error())})
        continue
    log({"t": "read", "c": cid, "p": msg.partition(), "o": msg.offset(), "v": msg.value().decode()})
consumer.close()
history.close()
