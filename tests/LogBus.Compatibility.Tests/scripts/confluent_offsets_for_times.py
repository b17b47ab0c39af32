"""confluent-kafka-python: produce records with explicit timestamps, then offsets_for_times.

Usage: confluent_offsets_for_times.py BOOTSTRAP TOPIC COUNT BASE_TIMESTAMP QUERY...
Record i gets timestamp BASE + 10*i. Prints {"query": ts, "offset": o} per query.
"""
import json
import sys

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, count, base = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
queries = [int(q) for q in sys.argv[5:]]

producer = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True, 'linger.ms': 20})
errors = []
for i in range(count):
    while True:
        try:
            producer.produce(topic, partition=0, value=b'x%d' % i, timestamp=base + 10 * i,
                             on_delivery=lambda e, m: errors.append(str(e)) if e else None)
            break
        except BufferError:
            producer.poll(0.05)
producer.flush(60)
print(json.dumps({"produce_errors": errors[:5]}))

consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'unused', 'enable.auto.commit': False})
# One call per query: librdkafka sends one timestamp per partition per request.
for q in queries:
    tp = consumer.offsets_for_times([TopicPartition(topic, 0, q)], timeout=30)[0]
    print(json.dumps({"query": q, "offset": tp.offset, "error": str(tp.error) if tp.error else None}))
consumer.close()
