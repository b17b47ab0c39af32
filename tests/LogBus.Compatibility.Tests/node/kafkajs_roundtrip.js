// kafkajs 2.2.4: admin createTopics, producer (acks all), then a Fetch of the data through kafkajs's own
// protocol stack (its Cluster/Broker objects: the kafkajs consumer needs consumer groups, which this
// broker does not serve yet). Prints JSON lines; the test checks the content.
//
// Usage: node kafkajs_roundtrip.js BOOTSTRAP TOPIC PARTITIONS COUNT
const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic, partitionsArg, countArg] = process.argv.slice(2)
const partitions = Number(partitionsArg)
const count = Number(countArg)
const out = obj => process.stdout.write(JSON.stringify(obj) + '\n')

async function main() {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'logbus-compat', logLevel: logLevel.ERROR, retry: { retries: 5 } })
  const admin = kafka.admin()
  await admin.connect()
  out({ created: await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true }) })
  out({ createdAgain: await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] }) })

  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const acks = []
  for (let start = 0; start < count; start += 500) {
    const messages = []
    for (let i = start; i < Math.min(count, start + 500); i++) {
      messages.push({ key: `key-${i % 13}`, value: `value-${i}`, headers: { n: String(i) } })
    }
    const result = await producer.send({ topic, acks: -1, messages })
    for (const r of result) acks.push({ p: r.partition, base: r.baseOffset, err: r.errorCode })
  }
  out({ acks })
  await producer.disconnect()

  const offsets = await admin.fetchTopicOffsets(topic)
  out({ offsets: offsets.map(o => ({ p: o.partition, high: o.high, low: o.low })) })

  // kafkajs's cluster and broker objects, created the same way its consumer creates them.
  const createCluster = Object.getOwnPropertySymbols(kafka).find(s => s.toString().includes('createCluster'))
  const cluster = kafka[createCluster]({ isolationLevel: 1 })
  await cluster.connect()
  await cluster.addTargetTopic(topic)
  const leaders = cluster.findLeaderForPartitions(topic, offsets.map(o => o.partition))
  for (const [nodeId, leaderPartitions] of Object.entries(leaders)) {
    const broker = await cluster.findBroker({ nodeId })
    const position = {}
    for (const p of leaderPartitions) position[p] = '0'
    const high = Object.fromEntries(offsets.map(o => [o.partition, Number(o.high)]))
    while (leaderPartitions.some(p => Number(position[p]) < high[p])) {
      const response = await broker.fetch({
        isolationLevel: 1, maxWaitTime: 100, minBytes: 1, maxBytes: 1 << 20,
        topics: [{ topic, partitions: leaderPartitions.map(p => ({ partition: p, fetchOffset: position[p], maxBytes: 64 * 1024 })) }],
      })
      for (const t of response.responses) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw new Error(`fetch error ${p.errorCode} on partition ${p.partition}`)
          for (const m of p.messages) {
            if (Number(m.offset) < Number(position[p.partition])) continue // batch started before our offset
            out({ rec: m.value.toString(), k: m.key.toString(), h: m.headers.n.toString(), p: p.partition, o: m.offset, lso: p.lastStableOffset })
            position[p.partition] = String(Number(m.offset) + 1)
          }
        }
      }
    }
  }
  await cluster.disconnect()
  await admin.disconnect()
  out({ done: true })
}

main().catch(e => { out({ error: String(e && e.stack || e) }); process.exit(1) })
