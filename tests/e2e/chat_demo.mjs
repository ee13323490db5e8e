// e2e: the browser chat demo (demo/) in Debian's Chromium, driven by
// playwright-core (no browser download), against a real wshost serving the
// page from [server] static_dir and the chat through the rooms plugin.
//
//   node chat_demo.mjs --wshost BIN --rooms rooms.so --demo DIR --workdir DIR --screenshot FILE
//
// Two pages join one room, see each other in the member list, exchange
// messages; one leaves and the other sees it; the one that left then sends
// and gets the server's error envelope (not_in_room) on screen. Exit 0 =
// passed, 77 = skipped (Chromium cannot start here: the reason is printed),
// anything else = failed.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: opt } = parseArgs({
  options: {
    wshost: { type: "string" }, rooms: { type: "string" }, demo: { type: "string" },
    workdir: { type: "string" }, screenshot: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});
for (const k of ["wshost", "rooms", "demo", "workdir", "screenshot"])
  if (!opt[k]) { console.error("missing --" + k); process.exit(2); }

const SKIP = 77;
const STEP_MS = 15000; // any one expectation; the ASan build is slower
// Flags for a closed network, as root (README, "Browser test").
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function fail(msg) { throw new Error(msg); }

let playwright;
try {
  playwright = await import("playwright-core");
} catch (e) {
  console.error("playwright-core is not installed: run `npm ci` in tests/e2e (scripts/test does): " + e.message);
  process.exit(1);
}

// ---- the host ------------------------------------------------------------
fs.mkdirSync(opt.workdir, { recursive: true });
const dir = fs.mkdtempSync(path.join(opt.workdir, "chat-"));
const ready = path.join(dir, "ready.json"), logPath = path.join(dir, "wshost.log");
const q = JSON.stringify;
fs.writeFileSync(path.join(dir, "wshost.toml"), [
  "[server]", 'address = "127.0.0.1"', "port = 0", 'path = "/"', "static_dir = " + q(path.resolve(opt.demo)),
  "[control]", "enabled = false",
  "[websocket]", 'client_tags = ["name"]',
  "[[plugin]]", 'name = "rooms"', "path = " + q(path.resolve(opt.rooms)),
  "[plugin.config]", 'name_tag = "name"', ""].join("\n"));

const log = fs.openSync(logPath, "w");
const host = spawn(opt.wshost, ["--config", path.join(dir, "wshost.toml"), "--ready-file", ready],
  { stdio: ["ignore", log, log] });
let hostExit = null;
const exited = new Promise((resolve) => host.on("exit", (code, sig) => { hostExit = { code, sig }; resolve(); }));

async function waitForReady() {
  const deadline = Date.now() + 60000;
  while (!fs.existsSync(ready)) {
    if (hostExit) fail("wshost exited before it was ready: " + q(hostExit) + "\n" + fs.readFileSync(logPath, "utf8"));
    if (Date.now() > deadline) fail("no ready file after 60 s");
    await new Promise((r) => setTimeout(r, 20)); // polling a file with a deadline, not a sync sleep
  }
  return JSON.parse(fs.readFileSync(ready, "utf8")).ws;
}

async function stopHost() {
  if (!hostExit) host.kill("SIGTERM");
  await exited;
  const text = fs.readFileSync(logPath, "utf8");
  if (hostExit.code !== 0) fail("wshost exit " + q(hostExit) + "\n" + text);
  if (/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(text)) fail("sanitizer report:\n" + text);
}

// ---- the browser ---------------------------------------------------------
async function launch() {
  if (!fs.existsSync(opt.chromium)) return { skip: opt.chromium + " not found (Debian package chromium)" };
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "wshost-e2e-profile-")); // a fresh --user-data-dir
  try {
    const context = await playwright.chromium.launchPersistentContext(profile, {
      executablePath: opt.chromium, headless: true, args: CHROMIUM_ARGS, timeout: 60000,
    });
    return { context, profile };
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    return { skip: "Chromium cannot start: " + e.message.split("\n").slice(0, 3).join(" ") };
  }
}

async function joinAs(page, url, name, room) {
  await page.goto(url);
  await page.locator("#name").fill(name);
  await page.locator("#room").fill(room);
  await page.locator("#join").click();
  await page.locator("#members li.me", { hasText: name + " (you)" }).waitFor({ timeout: STEP_MS });
}

async function expectText(locator, text, what) {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ timeout: STEP_MS });
  } catch {
    fail(what + ": no " + q(text) + " in " + q(await locator.allTextContents()));
  }
}

async function membersOf(page) {
  return (await page.locator("#members li").allTextContents()).map((s) => s.trim());
}

let status = 0;
const port = await waitForReady();
const browser = await launch();
try {
  if (browser.skip) {
    console.log("SKIPPED: " + browser.skip);
    status = SKIP;
  } else {
    const url = "http://127.0.0.1:" + port + "/";
    const alice = await browser.context.newPage();
    const bob = await browser.context.newPage();
    const problems = [];
    for (const p of [alice, bob]) p.on("pageerror", (e) => problems.push(e.message));

    await joinAs(alice, url, "alice", "e2e");
    await joinAs(bob, url, "bob", "e2e");
    await expectText(alice.locator("#log li.notice"), "bob joined e2e.", "alice hears bob join");
    await expectText(alice.locator("#members li"), "bob", "alice sees bob in the member list");
    const bobSees = await membersOf(bob);
    if (bobSees.join("|") !== "alice|bob (you)") fail("bob's member list: " + q(bobSees));

    await alice.locator("#text").fill("hello from alice");
    await alice.locator("#send").click();
    await expectText(bob.locator("#log li.message"), "hello from alice", "bob gets alice's message");
    await bob.locator("#text").fill("hi alice, bob here");
    await bob.locator("#send").click();
    await expectText(alice.locator("#log li.message"), "hi alice, bob here", "alice gets bob's message");
    await expectText(alice.locator("#log li.mine"), "hello from alice", "alice's own line");

    await bob.locator("#leave").click();
    await expectText(alice.locator("#log li.notice"), "bob left e2e.", "alice hears bob leave");
    const aliceSees = await membersOf(alice);
    if (aliceSees.join("|") !== "alice (you)") fail("alice's member list after bob left: " + q(aliceSees));

    // Outside the room the server refuses: the error envelope is shown.
    await bob.locator("#text").fill("am I still here?");
    await bob.locator("#send").click();
    await bob.locator("#error").waitFor({ state: "visible", timeout: STEP_MS });
    const error = (await bob.locator("#error").textContent()).trim();
    if (!/^not_in_room: This connection is not in room 'e2e'\. \(request r\d+\)$/.test(error))
      fail("bob's error box: " + q(error));
    const aliceLines = await alice.locator("#log li.message").allTextContents();
    if (aliceLines.some((s) => s.includes("am I still here?"))) fail("a refused message reached alice");

    await alice.screenshot({ path: opt.screenshot, fullPage: true });
    await bob.screenshot({ path: opt.screenshot.replace(/\.png$/, "") + "-refused.png", fullPage: true });
    if (problems.length) fail("page errors: " + q(problems));
    console.log("PASSED: two pages chatted in room e2e; screenshots " + opt.screenshot);
  }
} catch (e) {
  console.error("FAILED: " + (e && e.stack ? e.stack : e));
  status = 1;
} finally {
  if (browser.context) await browser.context.close().catch(() => {});
  if (browser.profile) fs.rmSync(browser.profile, { recursive: true, force: true });
  try {
    await stopHost();
  } catch (e) {
    console.error("FAILED: " + e.message);
    status = 1;
  }
  if (status !== 1) fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
