"""confluent-kafka-python 1.7.0 (librdkafka 2.0.2): transactional producer against the broker.

Usage: confluent_transactions.py BOOTSTRAP TOPIC TRANSACTIONS PER_TXN

1. init_transactions, then TRANSACTIONS transactions of PER_TXN messages over every partition of
   TOPIC; even-numbered ones commit ("c-T-I"), odd-numbered ones abort ("a-T-I").
2. consume-transform-produce: a group consumer reads TOPIC (read_committed), and one transaction
   produces "x-<value>" to TOPIC-out and sends the consumer's offsets; it commits.
3. fencing: a second producer with the same transactional.id calls init_transactions while the first
   has an open transaction; the first one's commit must fail as fenced.
4. read_committed and read_uncommitted consumers read TOPIC and TOPIC-out from the start.
Prints JSON lines: {"phase": ...}, {"rc": [...values...], "ru": n}, {"out": [...]}, {"committed": {...}}.
"""
import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

bootstrap, topic, transactions, per_txn = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out_topic = topic + "-out"
out = sys.stdout


def emit(obj):
    out.write(json.dumps(obj) + "\n")
    out.flush()


errors = []


def report(err, msg):
    if err is not None:
        errors.append(str(err))


producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'compat-txn', 'linger.ms': 2,
                     'transaction.timeout.ms': 60000, 'message.timeout.ms': 60000})
producer.init_transactions(30)
emit({"phase": "init"})
for t in range(transactions):
    producer.begin_transaction()
    prefix = 'c' if t % 2 == 0 else 'a'
    for i in range(per_txn):
        producer.produce(topic, key=('k%d' % i).encode(), value=('%s-%d-%d' % (prefix, t, i)).encode(), on_delivery=report)
    producer.flush(30)
    if t % 2 == 0:
        producer.commit_transaction(30)
    else:
        producer.abort_transaction(30)
emit({"phase": "produced", "delivery_errors": errors[:10]})

# Consume-transform-produce in one transaction, offsets included.
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'compat-eos', 'enable.auto.commit': False,
                     'auto.offset.reset': 'earliest', 'isolation.level': 'read_committed', 'enable.partition.eof': True})
metadata = consumer.list_topics(topic, timeout=30)
partitions = sorted(metadata.topics[topic].partitions.keys())
consumer.subscribe([topic])
producer.begin_transaction()
eof = set()
consumed = 0
while len(eof) < len(partitions):
    msg = consumer.poll(15)
    if msg is None:
        emit({"consume_timeout": True})
        break
    if msg.error():
        if msg.error().code() == -191:
            eof.add(msg.partition())
            continue
        emit({"consume_error": str(msg.error())})
        break
    producer.produce(out_topic, key=msg.key(), value=b'x-' + msg.value(), on_delivery=report)
    consumed += 1
positions = consumer.position(consumer.assignment())
producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
producer.commit_transaction(30)
high = {str(p): consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1] for p in partitions}
consumer.close()
emit({"phase": "eos", "consumed": consumed, "positions": {str(tp.partition): tp.offset for tp in positions}, "high": high})

# Fencing: a new instance with the same transactional id while a transaction is open.
producer.begin_transaction()
producer.produce(topic, value=b'zombie', on_delivery=report)
producer.flush(30)
successor = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'compat-txn'})
successor.init_transactions(30)
fenced = None
try:
    producer.commit_transaction(30)
    fenced = "commit succeeded"
except KafkaException as e:
    err = e.args[0]
    fenced = {"fatal": err.fatal(), "name": err.name(), "abortable": err.txn_requires_abort()}
emit({"fenced": fenced})
successor.begin_transaction()
successor.produce(topic, value=b'successor', on_delivery=report)
successor.commit_transaction(30)


def read_all(name, isolation):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader-' + isolation, 'enable.auto.commit': False,
                  'auto.offset.reset': 'earliest', 'isolation.level': isolation, 'enable.partition.eof': True})
    md = c.list_topics(name, timeout=30)
    parts = sorted(md.topics[name].partitions.keys())
    c.assign([TopicPartition(name, p, 0) for p in parts])
    done = set()
    values = []
    while len(done) < len(parts):
        m = c.poll(15)
        if m is None:
            values.append("<timeout>")
            break
        if m.error():
            if m.error().code() == -191:
                done.add(m.partition())
                continue
            values.append("<error %s>" % m.error())
            break
        values.append(m.value().decode())
    c.close()
    return values


emit({"rc": read_all(topic, 'read_committed'), "ru": len(read_all(topic, 'read_uncommitted'))})
emit({"out": read_all(out_topic, 'read_committed')})
admin_consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'compat-eos'})
committed = admin_consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=30)
admin_consumer.close()
emit({"committed": {str(tp.partition): tp.offset for tp in committed}, "delivery_errors": errors[:10]})
