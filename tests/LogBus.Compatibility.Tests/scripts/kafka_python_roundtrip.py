"""kafka-python 2.0.2: produce with acks=all, then read everything back without a consumer group.

Usage: kafka_python_roundtrip.py BOOTSTRAP TOPIC COUNT
Prints one JSON line per acknowledged record ({"ack": ...}) and per consumed record ({"rec": ...}),
then {"done": ...}. The test checks the content.
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = sys.stdout

producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all', retries=3, request_timeout_ms=30000,
                         api_version_auto_timeout_ms=30000)
futures = []
for i in range(count):
    key = ('k%d' % (i % 17)).encode()
    value = ('payload-%d-' % i).encode() + bytes(range(i % 256))  # binary bytes, all 256 values over the run
    futures.append((i, producer.send(topic, key=key, value=value)))
producer.flush(60)
for i, f in futures:
    md = f.get(timeout=60)
    out.write(json.dumps({"ack": i, "p": md.partition, "o": md.offset}) + "\n")
producer.close()

consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                         auto_offset_reset='earliest', consumer_timeout_ms=5000, api_version_auto_timeout_ms=30000)
partitions = consumer.partitions_for_topic(topic)
tps = [TopicPartition(topic, p) for p in sorted(partitions)]
consumer.assign(tps)
consumer.seek_to_beginning(*tps)
end = consumer.end_offsets(tps)
seen = 0
while any(consumer.position(tp) < end[tp] for tp in tps):
    batch = consumer.poll(timeout_ms=5000)
    if not batch:
        break
    for tp, records in batch.items():
        for r in records:
            out.write(json.dumps({"rec": r.value.hex(), "k": r.key.decode(), "p": r.partition, "o": r.offset}) + "\n")
            seen += 1
consumer.close()
out.write(json.dumps({"done": seen}) + "\n")
