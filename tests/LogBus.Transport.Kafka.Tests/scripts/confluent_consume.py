"""Reads every partition of a topic from the beginning with confluent-kafka (librdkafka) and prints
one JSON object per record: partition, offset, key, value, headers. Exits after COUNT records or
fails after a timeout.  Usage: confluent_consume.py BOOTSTRAP TOPIC PARTITIONS COUNT"""
import json
import sys
import time

from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING

bootstrap, topic, partitions, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "interop-unused", "enable.auto.commit": False})
consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
seen = 0
deadline = time.time() + 120
while seen < count:
    if time.time() > deadline:
        sys.exit(f"timed out after {seen} of {count} records")
    message = consumer.poll(1.0)
    if message is None:
        continue
    if message.error():
        sys.exit(f"consumer error: {message.error()}")
    def text(b):
        return None if b is None else b.decode("utf-8")
    print(json.dumps({
        "partition": message.partition(),
        "offset": message.offset(),
        "key": text(message.key()),
        "value": text(message.value()),
        "headers": [[k, text(v)] for k, v in (message.headers() or [])],
    }), flush=True)
    seen += 1
consumer.close()
