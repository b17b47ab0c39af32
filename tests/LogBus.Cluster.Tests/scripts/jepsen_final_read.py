"""Reads every partition of TOPIC from offset 0 to its end (assign(), no group) and prints one JSON
line per record {"p": partition, "o": offset, "v": value}, then {"done": count}.

Usage: jepsen_final_read.py BOOTSTRAP TOPIC
"""
import json
import sys

from confluent_kafka import Consumer, TopicPartition

bootstrap, topic = sys.argv[1], sys.argv[2]
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'jepsen-final-read', 'enable.auto.commit': False,
                     'auto.offset.reset': 'earliest', 'enable.partition.eof': True})
metadata = consumer.list_topics(topic, timeout=30)
partitions = sorted(metadata.topics[topic].partitions.keys())
consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
eof = set()
count = 0
while len(eof) < len(partitions):
    msg = consumer.poll(15)
    if msg is None:
        print(json.dumps({"timeout": sorted(eof)}))
        sys.exit(2)
    if msg.error():
        if msg.error().code() == -191:  # _PARTITION_EOF
            eof.add(msg.partition())
            continue
        print(json.dumps({"error": str(msg.error())}))
        continue
    print(json.dumps({"p": msg.partition(), "o": msg.offset(), "v": msg.value().decode()}))
    count += 1
print(json.dumps({"done": count}))
consumer.close()
