// A chat over wshost's `rooms` plugin (plugins/rooms/README.md), plain JS:
// one WebSocket to the page's own host, JSON requests with a requestId,
// replies matched by it, and the plugin's events (joined, left, message).
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  status: $("status"), joinForm: $("join-form"), name: $("name"), room: $("room"),
  join: $("join"), leave: $("leave"), roomTitle: $("room-title"), members: $("members"),
  log: $("log"), sayForm: $("say-form"), text: $("text"), error: $("error"),
};

let ws = null;          // the WebSocket, once a name was picked
let opening = null;     // a Promise while it connects
let myConnection = null; // our connection id, from the join reply
let currentRoom = null; // the room we are in
let nextId = 1;
const pending = new Map(); // requestId -> {resolve, reject}
const members = new Map(); // connection id -> display name

function label(who) {
  if (who.name) return who.name;
  if (who.user) return "user " + who.user;
  return "guest #" + who.connection;
}

function setStatus(text, online) {
  ui.status.textContent = text;
  ui.status.className = "status " + (online ? "online" : "offline");
}

function addLine(kind, who, text) {
  const li = document.createElement("li");
  li.className = kind;
  if (who !== null) {
    const w = document.createElement("span");
    w.className = "who";
    w.textContent = who;
    li.appendChild(w);
  }
  li.appendChild(document.createTextNode(text));
  ui.log.appendChild(li);
  ui.log.scrollTop = ui.log.scrollHeight;
}

// The server's error envelope: {"status":"error","error":{"code","message"},"requestId"}.
function showError(reply) {
  const e = reply.error || {};
  ui.error.replaceChildren();
  const code = document.createElement("code");
  code.textContent = e.code || "error";
  ui.error.append(code, ": " + (e.message || "request refused"));
  if (reply.requestId) ui.error.append(" (request " + reply.requestId + ")");
  ui.error.hidden = false;
}

function clearError() { ui.error.hidden = true; ui.error.replaceChildren(); }

function renderMembers() {
  ui.members.replaceChildren();
  for (const [conn, name] of [...members].sort((a, b) => Number(a[0]) - Number(b[0]))) {
    const li = document.createElement("li");
    li.textContent = name + (conn === myConnection ? " (you)" : "");
    li.dataset.connection = conn;
    if (conn === myConnection) li.className = "me";
    ui.members.appendChild(li);
  }
  ui.roomTitle.textContent = currentRoom || "—";
}

function connect() {
  if (ws && ws.readyState === WebSocket.OPEN) return Promise.resolve();
  if (opening) return opening;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const tags = encodeURIComponent(JSON.stringify({ name: ui.name.value.trim() }));
  const socket = new WebSocket(scheme + "://" + location.host + "/?tags=" + tags);
  opening = new Promise((resolve, reject) => {
    socket.onopen = () => {
      ws = socket;
      opening = null;
      ui.name.disabled = true; // the name is a tag chosen at connect time
      setStatus("connected as " + ui.name.value.trim(), true);
      resolve();
    };
    socket.onerror = () => reject(new Error("cannot connect"));
  });
  socket.onmessage = (ev) => onFrame(ev.data);
  socket.onclose = (ev) => {
    const wasOpen = ws === socket;
    ws = null; opening = null; currentRoom = null; myConnection = null;
    members.clear(); renderMembers();
    ui.name.disabled = false; ui.join.disabled = false; ui.leave.disabled = true;
    for (const p of pending.values()) p.reject(new Error("connection closed"));
    pending.clear();
    setStatus("disconnected (" + ev.code + (ev.reason ? " " + ev.reason : "") + ")", false);
    if (wasOpen) addLine("notice", null, "Connection closed with code " + ev.code + ".");
  };
  return opening;
}

// Sends one request; resolves with the success payload, rejects with the
// error reply (shown to the user).
function request(action, payload) {
  const requestId = "r" + nextId++;
  ws.send(JSON.stringify({ action, payload, requestId }));
  return new Promise((resolve, reject) => pending.set(requestId, { resolve, reject }));
}

function onFrame(data) {
  let msg;
  try { msg = JSON.parse(data); } catch { return; }
  if (msg.status && msg.requestId && pending.has(msg.requestId)) {
    const p = pending.get(msg.requestId);
    pending.delete(msg.requestId);
    if (msg.status === "success") p.resolve(msg.payload);
    else { showError(msg); p.reject(msg); }
    return;
  }
  if (msg.status === "error") { showError(msg); return; } // an error without a request of ours
  if (!msg.event || msg.room !== currentRoom) return;
  if (msg.event === "message") {
    addLine("message", label(msg.from), msg.text);
  } else if (msg.event === "joined") {
    members.set(msg.connection, label(msg));
    renderMembers();
    addLine("notice", null, label(msg) + " joined " + msg.room + ".");
  } else if (msg.event === "left") {
    members.delete(msg.connection);
    renderMembers();
    addLine("notice", null, label(msg) + " left " + msg.room + ".");
  }
}

async function join(room) {
  clearError();
  await connect();
  if (currentRoom && currentRoom !== room) await leave();
  const joined = await request("join", { room });
  myConnection = joined.connection;
  currentRoom = room;
  const list = await request("members", { room });
  members.clear();
  for (const m of list.members) members.set(m.connection, label(m));
  renderMembers();
  ui.leave.disabled = false;
  addLine("notice", null, "You joined " + room + " (" + list.members.length + " here).");
}

async function leave() {
  clearError();
  const room = currentRoom;
  await request("leave", { room });
  currentRoom = null;
  members.clear();
  renderMembers();
  ui.leave.disabled = true;
  addLine("notice", null, "You left " + room + ".");
}

async function say(text) {
  clearError();
  await connect();
  // Sent even outside a room: the server answers not_in_room, shown as an error.
  await request("say", { room: currentRoom || ui.room.value.trim(), text });
  addLine("message mine", ui.name.value.trim(), text);
}

ui.joinForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  join(ui.room.value.trim()).catch((e) => { if (e instanceof Error) setStatus(e.message, false); });
});
ui.leave.addEventListener("click", () => { leave().catch(() => {}); });
ui.sayForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const text = ui.text.value;
  if (!text || !ui.name.value.trim()) return;
  say(text).then(() => { ui.text.value = ""; }).catch((e) => { if (e instanceof Error) setStatus(e.message, false); });
});
