"""confluent-kafka-python 1.7.0 (librdkafka 2.0.2): idempotent producer, every delivery report, read back.

Usage: confluent_idempotent.py BOOTSTRAP TOPIC COUNT
Prints {"delivered": n, "errors": [...], "ids": ...} and then one line per consumed record
{"v": value, "p": partition, "o": offset}, then {"done": n}.
"""
import json
import sys

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = sys.stdout

producer = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True, 'acks': 'all',
                     'linger.ms': 5, 'message.timeout.ms': 120000})
delivered = []
errors = []


def report(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered.append((msg.partition(), msg.offset()))


for i in range(count):
    while True:
        try:
            producer.produce(topic, key=('key-%d' % (i % 101)).encode(), value=('m-%d' % i).encode(), on_delivery=report)
            break
        except BufferError:
            producer.poll(0.05)
    if i % 1000 == 0:
        producer.poll(0)
remaining = producer.flush(120)
out.write(json.dumps({"delivered": len(delivered), "errors": errors[:20], "error_count": len(errors),
                      "unflushed": remaining, "distinct_offsets": len(set(delivered))}) + "\n")

consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused-no-commits', 'enable.auto.commit': False,
                     'auto.offset.reset': 'earliest', 'enable.partition.eof': True})
metadata = consumer.list_topics(topic, timeout=30)
partitions = sorted(metadata.topics[topic].partitions.keys())
# assign() with explicit offsets: no group coordinator involved.
consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
eof = set()
seen = 0
while len(eof) < len(partitions):
    msg = consumer.poll(10)
    if msg is None:
        break
    if msg.error():
        if msg.error().code() == -191:  # _PARTITION_EOF
            eof.add(msg.partition())
            continue
        out.write(json.dumps({"consume_error": str(msg.error())}) + "\n")
        break
    out.write(json.dumps({"v": msg.value().decode(), "p": msg.partition(), "o": msg.offset()}) + "\n")
    seen += 1
consumer.close()
out.write(json.dumps({"done": seen}) + "\n")
