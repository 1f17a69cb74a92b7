// The duplex demo page: plain DOM and the browser's WebSocket, no libraries.
"use strict";

const $ = (id) => document.getElementById(id);
const states = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"];

function wsURL(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return scheme + "//" + location.host + path;
}

function time() {
  return new Date().toLocaleTimeString([], { hour12: false });
}

// prepend adds a row at the top of a log list (newest first) and keeps at most 200 rows.
function prepend(list, tag, text, cls) {
  const li = document.createElement("li");
  if (cls) li.className = cls;
  const t = document.createElement("span");
  t.className = "tag";
  t.textContent = tag;
  const body = document.createElement("span");
  body.className = "body";
  body.textContent = text;
  li.append(t, body);
  list.prepend(li);
  while (list.children.length > 200) list.lastElementChild.remove();
  return li;
}

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function closeText(ev) {
  let s = "code " + ev.code;
  if (ev.reason) s += " \u201c" + ev.reason + "\u201d";
  return s + (ev.wasClean ? " (clean)" : " (not clean)");
}

// ---- echo ---------------------------------------------------------------------------
let echo = null;

function showEcho() {
  const rs = echo ? states[echo.readyState] : "CLOSED";
  const el = $("ready-state");
  el.textContent = echo ? rs + " (" + echo.readyState + ")" : "CLOSED (no socket)";
  el.className = "state-" + rs;
  $("buffered").textContent = echo ? String(echo.bufferedAmount) : "0";
  const open = echo !== null && echo.readyState === WebSocket.OPEN;
  $("connect").disabled = echo !== null;
  $("close").disabled = !open;
  $("send").disabled = !open;
  $("send-binary").disabled = !open;
  $("endpoint").disabled = echo !== null;
  $("subprotocol").disabled = echo !== null;
}

function connectEcho() {
  const path = $("endpoint").value;
  const proto = $("subprotocol").value.trim();
  const ws = proto ? new WebSocket(wsURL(path), [proto]) : new WebSocket(wsURL(path));
  ws.binaryType = "arraybuffer";
  echo = ws;
  $("url").textContent = ws.url;
  $("protocol").textContent = "\u2013";
  $("extensions").textContent = "\u2013";
  ws.onopen = () => {
    $("protocol").textContent = ws.protocol || "(none)";
    $("extensions").textContent = ws.extensions || "(none)";
    prepend($("received"), "open", ws.url, "sys");
    showEcho();
    refreshStatus();
  };
  ws.onmessage = (ev) => {
    let li;
    if (typeof ev.data === "string") {
      li = prepend($("received"), "text", ev.data);
      li.dataset.type = "text";
    } else {
      li = prepend($("received"), "binary", ev.data.byteLength + " B: " + hex(ev.data));
      li.dataset.type = "binary";
    }
    li.title = time();
  };
  ws.onclose = (ev) => {
    $("last-close").textContent = closeText(ev);
    prepend($("received"), "close", closeText(ev), "sys");
    if (echo === ws) echo = null;
    showEcho();
    refreshStatus();
  };
  ws.onerror = () => prepend($("received"), "error", "the connection failed", "sys");
  showEcho();
}

$("connect").onclick = connectEcho;
$("close").onclick = () => { if (echo) echo.close(1000, "bye from the page"); showEcho(); };
$("send").onclick = () => { if (echo) echo.send($("message").value); showEcho(); };
$("send-binary").onclick = () => {
  if (echo) echo.send(new TextEncoder().encode($("message").value));
  showEcho();
};
$("message").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !$("send").disabled) $("send").click();
});
// readyState and bufferedAmount change without events: sample them.
setInterval(showEcho, 100);

// ---- plain HTTP on the Accept route -------------------------------------------------
$("http-get").onclick = async () => {
  const out = $("http-result");
  const url = "/hello?message=" + encodeURIComponent($("http-message").value);
  try {
    const resp = await fetch(url);
    out.textContent = "GET " + url + "\n" + resp.status + " " + resp.statusText + "\n" + (await resp.text());
  } catch (err) {
    out.textContent = "GET " + url + " failed: " + err;
  }
};

// ---- push ---------------------------------------------------------------------------
$("push-start").onclick = () => {
  const log = $("push-log");
  const status = $("push-status");
  log.replaceChildren();
  const ws = new WebSocket(wsURL("/push"));
  let n = 0;
  $("push-start").disabled = true;
  status.textContent = "connecting";
  status.className = "status warn";
  ws.onopen = () => { status.textContent = "streaming"; refreshStatus(); };
  ws.onmessage = (ev) => {
    n++;
    prepend(log, time(), ev.data);
    status.textContent = "streaming: " + n + " received";
  };
  ws.onclose = (ev) => {
    status.textContent = "closed after " + n + " messages: " + closeText(ev);
    status.className = "status " + (ev.code === 1000 ? "ok" : "bad");
    $("push-start").disabled = false;
    refreshStatus();
  };
};

// ---- chat ---------------------------------------------------------------------------
let chat = null;
let me = "";

function showChat() {
  const open = chat !== null && chat.readyState === WebSocket.OPEN;
  $("chat-join").disabled = chat !== null;
  $("chat-leave").disabled = !open;
  $("chat-send").disabled = !open;
  $("chat-name").disabled = chat !== null;
}

$("chat-join").onclick = () => {
  const name = $("chat-name").value.trim();
  const ws = new WebSocket(wsURL("/chat" + (name ? "?name=" + encodeURIComponent(name) : "")));
  chat = ws;
  const log = $("chat-log");
  const status = $("chat-status");
  status.textContent = "connecting";
  status.className = "status warn";
  ws.onopen = () => { showChat(); refreshStatus(); };
  ws.onmessage = (ev) => {
    let m;
    try { m = JSON.parse(ev.data); } catch (err) { return; }
    switch (m.type) {
      case "welcome":
        me = m.you;
        status.textContent = "joined as " + me + " \u00b7 " + m.members + " in the room";
        status.className = "status ok";
        break;
      case "join":
      case "leave":
        if (m.from !== me) prepend(log, time(), m.from + (m.type === "join" ? " joined" : " left"), "sys");
        if (me) status.textContent = "joined as " + me + " \u00b7 " + m.members + " in the room";
        break;
      case "message": {
        const li = prepend(log, m.from, m.text, m.from === me ? "me" : "");
        li.dataset.from = m.from;
        li.title = time();
        break;
      }
    }
  };
  ws.onclose = (ev) => {
    status.textContent = "left: " + closeText(ev);
    status.className = "status";
    if (chat === ws) chat = null;
    me = "";
    showChat();
    refreshStatus();
  };
  showChat();
};
$("chat-leave").onclick = () => { if (chat) chat.close(1000, "left the room"); };
$("chat-send").onclick = () => {
  const text = $("chat-input").value;
  if (chat && text) {
    chat.send(text);
    $("chat-input").value = "";
  }
};
$("chat-input").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && !$("chat-send").disabled) $("chat-send").click();
});

// ---- server view --------------------------------------------------------------------
let refreshing = false;

async function refreshStatus() {
  if (refreshing) return;
  refreshing = true;
  try {
    const resp = await fetch("/api/status", { cache: "no-store" });
    const st = await resp.json();
    const body = $("conn-table").tBodies[0];
    body.replaceChildren();
    for (const c of st.connections) {
      const tr = document.createElement("tr");
      for (const v of [c.route, c.remote, c.subprotocol || "\u2013", c.extensions || "\u2013",
        c.state, String(c.buffered), c.open_for]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      body.append(tr);
    }
    $("status-summary").textContent = st.connections.length + " open \u00b7 " +
      st.stats.accepted + " accepted \u00b7 " + st.stats.messages_received + " messages in, " +
      st.stats.messages_sent + " out \u00b7 -compress " + (st.compression ? "on" : "off");
    $("push-interval").textContent = st.push_interval_ms + " ms";
  } catch (err) {
    $("status-summary").textContent = "status unavailable: " + err;
  } finally {
    refreshing = false;
  }
}

$("status-refresh").onclick = refreshStatus;
setInterval(refreshStatus, 2000);
refreshStatus();
showEcho();
showChat();
