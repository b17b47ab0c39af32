// One kafkajs consumer-group member for the LogBus compatibility tests. Prints one JSON object per
// line: "join" (GROUP_JOIN: member id, leader, assignment), "msg" per message, "exit". Commits
// automatically (kafkajs autoCommit, every 100 ms) and on disconnect. Stops on SIGTERM (disconnect ->
// LeaveGroup) or after MAX_SECONDS.
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, groupId, topic, name] = process.argv.slice(2);
const maxSeconds = Number(process.env.MAX_SECONDS || 120);
const emit = (ev, fields) => process.stdout.write(JSON.stringify({ ev, m: name, ...fields }) + '\n');

const kafka = new Kafka({ clientId: name, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 20 } });
const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000, rebalanceTimeout: 20000 });
consumer.on(consumer.events.GROUP_JOIN, (e) => emit('join', {
  memberId: e.payload.memberId,
  leaderId: e.payload.leaderId,
  assignment: e.payload.memberAssignment,
}));
consumer.on(consumer.events.CRASH, (e) => emit('crash', { error: String(e.payload.error) }));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await consumer.disconnect();
  } finally {
    emit('exit', {});
    process.exit(0);
  }
}
process.on('SIGTERM', stop);
setTimeout(stop, maxSeconds * 1000).unref();

(async () => {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommitInterval: 100,
    eachMessage: async ({ partition, message }) => {
      emit('msg', { p: partition, o: Number(message.offset), v: message.value.toString() });
    },
  });
  emit('start', {});
})().catch((e) => {
  emit('crash', { error: String(e) });
  process.exit(1);
});
