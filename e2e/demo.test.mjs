// Real-browser test of the duplex demo page (cmd/duplex serve), run by e2e/run.sh:
// Debian's Chromium driven by playwright-core, the server on a loopback port given in
// DUPLEX_URL. Every wait is bounded.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.DUPLEX_URL;
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.resolve("artifacts");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const WAIT = 10_000; // ms, the bound on any single wait

const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

let userDataDir;
let context;
const problems = []; // page errors and console errors: the page must produce none

before(async () => {
  assert.ok(BASE, "DUPLEX_URL must name the running duplex serve (e2e/run.sh sets it)");
  // Wait, bounded, until the server answers.
  const deadline = Date.now() + WAIT;
  for (;;) {
    try {
      const resp = await fetch(new URL("/api/status", BASE));
      if (resp.ok) break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`server at ${BASE} does not answer: ${err}`);
    }
    if (Date.now() > deadline) throw new Error(`server at ${BASE} does not answer`);
    await new Promise((r) => setTimeout(r, 100));
  }
  userDataDir = await mkdtemp(path.join(tmpdir(), "duplex-e2e-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(WAIT);
});

after(async () => {
  if (context) await context.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

async function openPage() {
  const page = await context.newPage();
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  const resp = await page.goto(BASE, { waitUntil: "load" });
  assert.equal(resp.status(), 200);
  return page;
}

// waitText waits until the element matched by sel contains want (a string or RegExp).
async function waitText(page, sel, want) {
  const isRe = want instanceof RegExp;
  try {
    await page.waitForFunction(
      ([sel, src, flags, isRe]) => {
        const el = document.querySelector(sel);
        if (!el) return false;
        return isRe ? new RegExp(src, flags).test(el.textContent) : el.textContent.includes(src);
      },
      [sel, isRe ? want.source : want, isRe ? want.flags : "", isRe],
      { timeout: WAIT },
    );
  } catch (err) {
    const got = await page.locator(sel).first().textContent().catch(() => "(missing)");
    throw new Error(`${sel}: waited for ${want}, have ${JSON.stringify(got)}`);
  }
}

async function items(page, sel) {
  return page.locator(`${sel} > li .body`).allTextContents();
}

async function serverStatus() {
  const resp = await fetch(new URL("/api/status", BASE), { cache: "no-store" });
  assert.equal(resp.status, 200);
  return resp.json();
}

let page1;

test("the demo page loads with its assets and no error", async () => {
  page1 = await openPage();
  assert.equal(await page1.title(), "duplex demo");
  await waitText(page1, "#status-summary", /\d+ open/);
  await waitText(page1, "#ready-state", "CLOSED");
  // The push interval shown comes from the server (run.sh starts it with 100ms).
  await waitText(page1, "#push-interval", "100 ms");
});

test("echo: connect, send text and binary, see the echoes, then close", async (t) => {
  const p = page1;
  await p.selectOption("#endpoint", "/echo");
  await p.fill("#subprotocol", "echo.v1");
  await p.click("#connect");
  await waitText(p, "#ready-state", "OPEN (1)");
  await waitText(p, "#protocol", "echo.v1");

  // Extensions: what the browser shows must be what the server negotiated.
  const st = await serverStatus();
  const echoConns = st.connections.filter((c) => c.route === "/echo");
  assert.equal(echoConns.length, 1, JSON.stringify(st.connections));
  assert.equal(echoConns[0].subprotocol, "echo.v1");
  assert.equal(echoConns[0].state, "OPEN");
  // permessage-deflate (RFC 7692): Chromium always offers it and duplex serve accepts it
  // (-compress is on by default), so both ends must report it, with the same parameters.
  const shown = (await p.textContent("#extensions")).trim();
  assert.equal(st.compression, true);
  assert.match(echoConns[0].extensions, /^permessage-deflate\b/);
  assert.equal(shown, echoConns[0].extensions);
  t.diagnostic(`negotiated: ${shown}`);

  await p.fill("#message", "hello from chromium");
  await p.click("#send");
  await waitText(p, "#received li:first-child", "hello from chromium");
  assert.equal(await p.getAttribute("#received li:first-child", "data-type"), "text");

  await p.fill("#message", "bin");
  await p.click("#send-binary");
  await waitText(p, "#received li:first-child", "3 B: 62 69 6e");
  assert.equal(await p.getAttribute("#received li:first-child", "data-type"), "binary");

  assert.match(await p.textContent("#buffered"), /^\d+$/);

  await p.click("#close");
  await waitText(p, "#last-close", "code 1000");
  await waitText(p, "#last-close", "(clean)");
  await waitText(p, "#ready-state", "CLOSED");
  const bodies = await items(p, "#received");
  // Newest first: close, the two echoes, open.
  assert.deepEqual(bodies.slice(1, 3), ["3 B: 62 69 6e", "hello from chromium"]);
});

test("echo: multi-byte UTF-8 and large messages (deflated) come back unchanged, in a tab of its own", async () => {
  // A separate tab, so that glyphs the machine may lack fonts for stay out of the screenshot.
  const p = await openPage();
  await p.click("#connect");
  await waitText(p, "#ready-state", "OPEN (1)");
  const text = "grüße, 世界 🌍 \u{10FFFF}";
  await p.fill("#message", text);
  await p.click("#send");
  await waitText(p, "#received li:first-child", text);
  await p.click("#send-binary");
  const hex = Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join(" ");
  await waitText(p, "#received li:first-child", hex);
  // Large messages through Chromium's and duplex's deflate: compressible and not.
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(3000)), (b) => String.fromCharCode(33 + (b % 90))).join("");
  for (const big of ["duplex ".repeat(10000), rand]) {
    await p.fill("#message", big);
    await p.click("#send");
    await p.waitForFunction((want) => document.querySelector("#received li:first-child .body")?.textContent === want, big, { timeout: WAIT });
  }
  await p.click("#close");
  await waitText(p, "#last-close", "code 1000");
  await p.close();
});

test("the Accept route answers plain HTTP and WebSocket", async () => {
  const p = page1;
  await p.fill("#http-message", "plain and simple");
  await p.click("#http-get");
  await waitText(p, "#http-result", "200 OK");
  await waitText(p, "#http-result", 'you said "plain and simple" over HTTP');

  await p.selectOption("#endpoint", "/hello");
  await p.fill("#subprotocol", "");
  await p.click("#connect");
  await waitText(p, "#ready-state", "OPEN (1)");
  await waitText(p, "#protocol", "(none)");
  await p.fill("#message", "hi");
  await p.click("#send");
  await waitText(p, "#received li:first-child", 'you said "hi" over WebSocket');
  await p.click("#close");
  await waitText(p, "#last-close", "code 1000");
});

test("push: ten numbered messages, then a close with 1000", async () => {
  const p = page1;
  await p.click("#push-start");
  await waitText(p, "#push-status", "closed after 10 messages");
  await waitText(p, "#push-status", "code 1000");
  await waitText(p, "#push-status", "push complete");
  const got = await items(p, "#push-log");
  const want = Array.from({ length: 10 }, (_, i) => `push ${10 - i} of 10`); // newest first
  assert.deepEqual(got, want);
});

test("chat: two tabs see each other's messages", async () => {
  const ann = page1;
  const bob = await openPage();
  await ann.fill("#chat-name", "ann");
  await ann.click("#chat-join");
  await waitText(ann, "#chat-status", "joined as ann");
  await bob.fill("#chat-name", "bob");
  await bob.click("#chat-join");
  await waitText(bob, "#chat-status", "joined as bob");
  await waitText(ann, "#chat-log", "bob joined");
  await waitText(ann, "#chat-status", "2 in the room");

  await ann.fill("#chat-input", "hi bob");
  await ann.click("#chat-send");
  await waitText(bob, "#chat-log li:first-child", "hi bob");
  await waitText(ann, "#chat-log li:first-child", "hi bob");
  assert.equal(await bob.getAttribute("#chat-log li:first-child", "data-from"), "ann");

  await bob.fill("#chat-input", "hello ann");
  await bob.press("#chat-input", "Enter");
  await waitText(ann, "#chat-log li:first-child", "hello ann");
  await waitText(bob, "#chat-log li:first-child", "hello ann");
  assert.equal(await ann.getAttribute("#chat-log li:first-child", "data-from"), "bob");

  await bob.click("#chat-leave");
  await waitText(bob, "#chat-status", "left: code 1000");
  await waitText(ann, "#chat-log li:first-child", "bob left");
  await bob.close();
});

test("screenshot of the page in use, then everything closes", async () => {
  const p = page1;
  await p.selectOption("#endpoint", "/echo");
  await p.fill("#subprotocol", "echo.v1");
  await p.click("#connect");
  await waitText(p, "#ready-state", "OPEN (1)");
  await p.fill("#message", "hello, duplex");
  await p.click("#send");
  await waitText(p, "#received li:first-child", "hello, duplex");
  await p.fill("#message", "binary too");
  await p.click("#send-binary");
  await waitText(p, "#received li:first-child", "10 B:");
  await p.fill("#message", "hello, duplex");
  await p.click("#status-refresh");
  await waitText(p, "#status-summary", "2 open"); // the echo socket and ann's chat
  await p.screenshot({ path: path.join(ARTIFACTS, "demo.png"), fullPage: true });

  await p.click("#chat-leave");
  await waitText(p, "#chat-status", "left: code 1000");
  await p.click("#close");
  await waitText(p, "#last-close", "code 1000");
  // Bounded wait until the server has seen every socket end.
  const deadline = Date.now() + WAIT;
  let st;
  for (;;) {
    st = await serverStatus();
    if (st.connections.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(st.connections, []);
  assert.ok(st.stats.accepted >= 6, JSON.stringify(st.stats));
  assert.deepEqual(problems, []);
});

test("graceful shutdown: SIGTERM closes the page's socket with 1001", async (t) => {
  const pid = Number(process.env.DUPLEX_PID);
  if (!pid) {
    t.skip("DUPLEX_PID is not set (run.sh sets it)");
    return;
  }
  const p = page1;
  await p.selectOption("#endpoint", "/echo");
  await p.click("#connect");
  await waitText(p, "#ready-state", "OPEN (1)");
  assert.deepEqual(problems, []);
  process.kill(pid, "SIGTERM");
  await waitText(p, "#last-close", "code 1001");
  await waitText(p, "#last-close", "(clean)");
  await waitText(p, "#ready-state", "CLOSED");
  // Once the server is gone, the page's status polling fails to connect: expected.
  const after = problems.filter((m) => !m.includes("ERR_CONNECTION_REFUSED"));
  assert.deepEqual(after, []);
});
