#!/usr/bin/python3
"""One member of a consumer group (confluent-kafka-python / librdkafka) for the LogBus compatibility tests.

Prints one JSON object per line (flushed): assign/revoke events with CLOCK_MONOTONIC timestamps and the
committed offsets seen at assignment, every consumed message, commits, and "exit". Commits the consumed
positions synchronously every --commit-every messages, on revoke and before closing. Stops on SIGTERM
(graceful: commit, close -> LeaveGroup) or after --max-seconds.
"""
import argparse
import json
import signal
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--group", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--name", required=True)
parser.add_argument("--session-timeout-ms", type=int, default=6000)
parser.add_argument("--heartbeat-interval-ms", type=int, default=1000)
parser.add_argument("--commit-every", type=int, default=50)
parser.add_argument("--max-seconds", type=float, default=120)
args = parser.parse_args()

running = True


def stop(signum, frame):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)


def emit(event, **fields):
    fields["ev"] = event
    fields["m"] = args.name
    fields["t"] = time.monotonic()
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


consumer = Consumer({
    "bootstrap.servers": args.bootstrap,
    "group.id": args.group,
    "client.id": args.name,
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "session.timeout.ms": args.session_timeout_ms,
    "heartbeat.interval.ms": args.heartbeat_interval_ms,
    "partition.assignment.strategy": "range,roundrobin",
    "topic.metadata.refresh.interval.ms": 2000,
})
positions = {}  # partition -> next offset to commit
uncommitted = 0


def commit_positions(reason):
    global uncommitted
    if not positions:
        return
    offsets = [TopicPartition(args.topic, p, o) for p, o in sorted(positions.items())]
    try:
        consumer.commit(offsets=offsets, asynchronous=False)
        emit("commit", reason=reason, offsets={str(p): o for p, o in sorted(positions.items())})
    except KafkaException as e:
        emit("commit-failed", reason=reason, error=str(e))
    uncommitted = 0


def on_assign(c, partitions):
    committed = c.committed(partitions, timeout=10)
    emit("assign", parts=sorted(p.partition for p in partitions),
         committed={str(p.partition): p.offset for p in committed})


def on_revoke(c, partitions):
    commit_positions("revoke")
    emit("revoke", parts=sorted(p.partition for p in partitions))
    positions.clear()


consumer.subscribe([args.topic], on_assign=on_assign, on_revoke=on_revoke)
emit("start")
deadline = time.monotonic() + args.max_seconds
while running and time.monotonic() < deadline:
    msg = consumer.poll(0.2)
    if msg is None:
        continue
    if msg.error():
        emit("error", error=str(msg.error()))
        continue
    emit("msg", p=msg.partition(), o=msg.offset(), v=msg.value().decode())
    positions[msg.partition()] = msg.offset() + 1
    uncommitted += 1
    if uncommitted >= args.commit_every:
        commit_positions("periodic")
commit_positions("close")
consumer.close()
emit("exit")
