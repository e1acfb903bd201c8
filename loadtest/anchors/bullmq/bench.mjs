// Pushes N no-op jobs through BullMQ on a Redis server with one worker at a given
// concurrency, the way the Generic Corp stack ran its tasks, and prints one JSON line:
// {"jobs", "concurrency", "seconds", "jobs_per_sec"} (from the first add to the last
// completion).
//
//   node bench.mjs <jobs> <concurrency> [redis://127.0.0.1:6379]
import { Queue, Worker, QueueEvents } from "bullmq";

const jobs = Number(process.argv[2] ?? 10000);
const concurrency = Number(process.argv[3] ?? 4);
const url = new URL(process.argv[4] ?? "redis://127.0.0.1:6379");
const connection = { host: url.hostname, port: Number(url.port || 6379) };
const name = `agenthq-anchor-${process.pid}-${Date.now()}`;

const queue = new Queue(name, { connection });
let done = 0;
let finished;
const allDone = new Promise((resolve) => { finished = resolve; });
const worker = new Worker(name, async () => null, { connection, concurrency });
worker.on("completed", () => {
  done += 1;
  if (done === jobs) finished();
});
await worker.waitUntilReady();

const started = process.hrtime.bigint();
for (let i = 0; i < jobs; i += 1000) {
  const batch = [];
  for (let j = i; j < Math.min(jobs, i + 1000); j++) {
    batch.push({ name: "task", data: { title: `Load-test task ${j}` } });
  }
  await queue.addBulk(batch);
}
await allDone;
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(JSON.stringify({ jobs, concurrency, seconds, jobs_per_sec: jobs / seconds }));
await worker.close();
await queue.obliterate({ force: true });
await queue.close();
process.exit(0);
