// The Generic Corp stack's live office, as it was built on Socket.io, for the fan-out
// comparison: W workspaces of A agents; every tick some agents change, and
//   --style full   emits every changed agent's whole object to every client (no rooms),
//                  the way the Generic Corp server did;
//   --style rooms  emits one message per workspace per tick to that workspace's room with
//                  only the changed fields: Socket.io at its best.
// Each message carries server_time (Unix microseconds) for delivery latency. Clients
// join a workspace with the "subscribe" event. --redis <url> adds the Redis adapter.
//
// With --follow <ws://host/ws> --topics <id,id,...> the office is not simulated: the
// anchor follows those AgentHQ workspaces over the JSON protocol and re-emits every
// change in its style (full: each changed agent or task whole, to everyone; rooms: the
// tick's changed fields to the workspace's room, named by its id), so both systems
// carry exactly the same content.
//
//   node server.mjs --port 18100 --workspaces 1 --agents 50 --tick-ms 50 --change 0.5 --style full
//   node server.mjs --port 18100 --style full --follow ws://127.0.0.1:8080/ws --topics <id>
import { createServer } from "node:http";
import { Server } from "socket.io";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const port = Number(arg("port", 18100));
const workspaces = Number(arg("workspaces", 1));
const agents = Number(arg("agents", 50));
const tickMs = Number(arg("tick-ms", 50));
const change = Number(arg("change", 0.5));
const style = arg("style", "full");
const redisUrl = arg("redis", "");
const follow = arg("follow", "");
const topics = arg("topics", "").split(",").filter(Boolean);

const STATUSES = ["idle", "thinking", "working", "awaiting_approval", "blocked"];
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

// A deterministic generator, so runs are comparable.
let seed = 42;
const random = () => {
  seed = (seed * 1664525 + 1013904223) % 4294967296;
  return seed / 4294967296;
};

const offices = [];
for (let w = 0; w < workspaces; w++) {
  const list = [];
  for (let a = 0; a < agents; a++) {
    list.push({
      id: `ws${w}-agent${a}`,
      workspace: `ws${w}`,
      name: `Agent ${a + 1}`,
      personality: "Generalist; helps wherever the queue is longest",
      status: "idle",
      desk: a,
      max_concurrent: 1,
      running: 0,
      queued: 0,
      current_task: null,
      current_task_title: null,
      progress: 0,
      restarts: 0,
      last_activity: "",
    });
  }
  offices.push(list);
}

const http = createServer();
const io = new Server(http, { transports: ["websocket"], perMessageDeflate: false });
if (redisUrl) {
  const { createClient } = await import("redis");
  const { createAdapter } = await import("@socket.io/redis-adapter");
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}
io.on("connection", (socket) => {
  socket.on("subscribe", (workspace) => socket.join(String(workspace)));
});

if (follow) {
  const { WebSocket } = await import("ws");
  for (const id of topics) {
    const agents = new Map();
    const tasks = new Map();
    const socket = new WebSocket(follow, "agenthq.v1.json");
    socket.on("open", () => {
      socket.send(JSON.stringify({ type: "hello" }));
      socket.send(JSON.stringify({ type: "subscribe", topic: `workspace/${id}` }));
      setInterval(() => socket.send(JSON.stringify({ type: "ping" })), 20000);
    });
    socket.on("message", (data) => {
      const message = JSON.parse(data);
      if (message.type === "snapshot") {
        for (const a of Object.values(message.state.agents ?? {})) agents.set(a.id, a);
        for (const t of Object.values(message.state.tasks ?? {})) tasks.set(t.id, t);
        return;
      }
      if (message.type !== "diff") return;
      const serverTime = nowUs();
      if (style !== "full") {
        io.to(id).emit("office:diff", { server_time: serverTime, ops: message.ops });
        return;
      }
      for (const op of message.ops) {
        if (op.op === "agent") {
          const agent = Object.assign(agents.get(op.id) ?? {}, op);
          delete agent.op;
          agents.set(op.id, agent);
          io.emit("agent:update", { ...agent, workspace: id, server_time: serverTime });
        } else if (op.op === "task") {
          const task = Object.assign(tasks.get(op.id) ?? {}, op);
          delete task.op;
          tasks.set(op.id, task);
          io.emit("task:update", { ...task, workspace: id, server_time: serverTime });
        } else if (op.op === "task_removed") {
          tasks.delete(op.id);
          io.emit("task:removed", { id: op.id, workspace: id, server_time: serverTime });
        } else if (op.op === "agent_removed") {
          agents.delete(op.id);
          io.emit("agent:removed", { id: op.id, workspace: id, server_time: serverTime });
        } else if (op.op === "activity" || op.op === "task_event") {
          io.emit(op.op, { ...op, workspace: id, server_time: serverTime });
        }
      }
    });
  }
}

let tick = 0;
setInterval(() => {
  if (follow) return;
  tick += 1;
  const serverTime = nowUs();
  for (const list of offices) {
    const changes = [];
    for (const agent of list) {
      if (random() >= change) continue;
      agent.status = STATUSES[Math.floor(random() * STATUSES.length)];
      agent.progress = Math.floor(random() * 1000);
      agent.running = agent.status === "working" ? 1 : 0;
      agent.current_task = agent.running ? `task-${tick}-${agent.desk}` : null;
      agent.current_task_title = agent.running ? "Load-test task" : null;
      agent.last_activity = `tick ${tick}: ${agent.status}`;
      if (style === "full") {
        io.emit("agent:update", { ...agent, server_time: serverTime });
      } else {
        changes.push({ id: agent.id, status: agent.status, progress: agent.progress });
      }
    }
    if (style !== "full" && changes.length) {
      io.to(list[0].workspace).emit("office:diff", { server_time: serverTime, changes });
    }
  }
}, tickMs);

http.listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
