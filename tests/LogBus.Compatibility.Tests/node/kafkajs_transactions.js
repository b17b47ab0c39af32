// kafkajs 2.2.4 transactions against the LogBus broker. Prints JSON lines; the test checks them.
//
// 1. A transactional producer runs TRANSACTIONS transactions of PER_TXN messages over every partition:
//    even ones commit ("c-T-I"), odd ones abort ("a-T-I").
// 2. A transaction with sendOffsets: the group's offsets are invisible before the commit, visible after.
// 3. Fencing: a second producer with the same transactionalId connects while the first has an open
//    transaction; the first one's commit fails.
// 4. A non-transactional "END" record goes to every partition; read_committed and read_uncommitted
//    consumer groups read until they saw END everywhere.
//
// Usage: node kafkajs_transactions.js BOOTSTRAP TOPIC PARTITIONS TRANSACTIONS PER_TXN
const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic, partitionsArg, transactionsArg, perTxnArg] = process.argv.slice(2)
const partitions = Number(partitionsArg)
const transactions = Number(transactionsArg)
const perTxn = Number(perTxnArg)
const out = obj => process.stdout.write(JSON.stringify(obj) + '\n')

async function readAll(kafka, groupId, readUncommitted) {
  const consumer = kafka.consumer({ groupId, readUncommitted, sessionTimeout: 10000, heartbeatInterval: 1000 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const values = []
  const ended = new Set()
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${groupId}: END not seen on every partition within 60 s (${ended.size})`)), 60000)
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        const v = message.value.toString()
        if (v === 'END') {
          ended.add(partition)
          if (ended.size === partitions) {
            clearTimeout(timer)
            resolve()
          }
        } else {
          values.push(v)
        }
      },
    }).catch(reject)
  })
  await consumer.disconnect()
  return values
}

async function main() {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'logbus-compat-txn', logLevel: logLevel.NOTHING, retry: { retries: 5 } })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })

  const producer = kafka.producer({ transactionalId: 'js-txn', maxInFlightRequests: 1, idempotent: true })
  await producer.connect()
  for (let t = 0; t < transactions; t++) {
    const txn = await producer.transaction()
    const prefix = t % 2 === 0 ? 'c' : 'a'
    const messages = []
    for (let i = 0; i < perTxn; i++) messages.push({ key: `k${i}`, value: `${prefix}-${t}-${i}` })
    await txn.send({ topic, messages })
    if (t % 2 === 0) await txn.commit()
    else await txn.abort()
  }
  out({ phase: 'produced' })

  // Offsets sent to a transaction: invisible until the commit.
  const txn = await producer.transaction()
  await txn.send({ topic, messages: [{ key: 'k0', value: 'with-offsets' }] })
  await txn.sendOffsets({ consumerGroupId: 'js-eos', topics: [{ topic, partitions: [{ partition: 0, offset: '42' }] }] })
  const before = await admin.fetchOffsets({ groupId: 'js-eos', topics: [topic] })
  await txn.commit()
  const after = await admin.fetchOffsets({ groupId: 'js-eos', topics: [topic] })
  const offsetOf = r => r[0].partitions.find(p => p.partition === 0).offset
  out({ offsetsBefore: offsetOf(before), offsetsAfter: offsetOf(after) })

  // Fencing.
  const zombieTxn = await producer.transaction()
  await zombieTxn.send({ topic, messages: [{ key: 'k1', value: 'zombie' }] })
  const successor = kafka.producer({ transactionalId: 'js-txn', maxInFlightRequests: 1, idempotent: true })
  await successor.connect()
  const next = await successor.transaction() // kafkajs sends InitProducerId(transactionalId) here
  let fenced
  try {
    await zombieTxn.commit()
    fenced = 'commit succeeded'
  } catch (e) {
    fenced = { type: e.type || e.name, message: e.message }
  }
  out({ fenced })
  await next.send({ topic, messages: [{ key: 'k2', value: 'successor' }] })
  await next.commit()
  await successor.disconnect()
  await producer.disconnect().catch(() => {})

  const plain = kafka.producer()
  await plain.connect()
  for (let p = 0; p < partitions; p++) await plain.send({ topic, acks: -1, messages: [{ partition: p, value: 'END' }] })
  await plain.disconnect()

  out({ rc: await readAll(kafka, 'js-reader-rc', false) })
  out({ ru: (await readAll(kafka, 'js-reader-ru', true)).length })
  await admin.disconnect()
  out({ done: true })
}

main().catch(e => {
  out({ error: String(e && e.stack || e) })
  process.exit(1)
})
