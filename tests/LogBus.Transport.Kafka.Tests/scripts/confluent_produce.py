"""Produces COUNT keyed records (key-i / value-i, headers seq=i and src=confluent) with
confluent-kafka (librdkafka) and prints one JSON object per delivery: key, partition, offset.
Usage: confluent_produce.py BOOTSTRAP TOPIC COUNT PARTITIONER [COMPRESSION]"""
import json
import sys

from confluent_kafka import Producer

bootstrap, topic, count, partitioner = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
compression = sys.argv[5] if len(sys.argv) > 5 else "none"
producer = Producer({"bootstrap.servers": bootstrap, "partitioner": partitioner, "compression.type": compression,
                     "linger.ms": 5, "enable.idempotence": True})
failures = []

def delivered(error, message):
    if error is not None:
        failures.append(str(error))
        return
    print(json.dumps({"key": message.key().decode("utf-8"), "partition": message.partition(), "offset": message.offset()}), flush=True)

for i in range(count):
    producer.produce(topic, key=f"key-{i}", value=f"value-{i}", headers=[("seq", str(i)), ("src", "confluent")], on_delivery=delivered)
    producer.poll(0)
left = producer.flush(60)
if left or failures:
    sys.exit(f"{left} undelivered, failures: {failures[:5]}")
