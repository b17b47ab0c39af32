"""Fault-test workload: one idempotent confluent-kafka producer (acks=all) under sustained load.

Usage: jepsen_producer.py BOOTSTRAP TOPIC PRODUCER_ID HISTORY STOP_FILE RATE
Sends values "<producer>-<n>" (n = 0, 1, 2, ...; key = "k<n mod 17>") at about RATE per second until
STOP_FILE exists, then flushes. Appends one JSON line per event to HISTORY (flushed as written):
  {"t": "send", "v": value}                          before produce()
  {"t": "ack", "v": value, "p": partition, "o": offset}   delivery report without error
  {"t": "fail", "v": value, "err": text}             delivery report with an error (indeterminate)
  {"t": "done", "unflushed": n}                      at the end
"""
import json
import os
import sys
import time

from confluent_kafka import Producer

bootstrap, topic, pid, history_path, stop_file, rate = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6])
history = open(history_path, 'a', buffering=1)


def log(event):
    history.write(json.dumps(event) + "\n")


def report(err, msg):
    value = msg.value().decode()
    if err is not None:
        log({"t": "fail", "v": value, "err": str(err)})
    else:
        log({"t": "ack", "v": value, "p": msg.partition(), "o": msg.offset()})


producer = Producer({
    'bootstrap.servers': bootstrap,
    'enable.idempotence': True,
    'acks': 'all',
    'linger.ms': 5,
    'message.timeout.ms': 60000,
    'topic.metadata.refresh.interval.ms': 1000,
    'retry.backoff.ms': 100,
})

n = 0
start = time.monotonic()
while not os.path.exists(stop_file):
    target = int((time.monotonic() - start) * rate)
    while n < target:
        value = "%s-%d" % (pid, n)
        log({"t": "send", "v": value})
        while True:
            try:
                producer.produce(topic, key=("k%d" % (n % 17)).encode(), value=value.encode(), on_delivery=report)
                break
            except BufferError:
                producer.poll(0.05)
        n += 1
    producer.poll(0.01)

remaining = producer.flush(90)
log({"t": "done", "unflushed": remaining})
history.close()
