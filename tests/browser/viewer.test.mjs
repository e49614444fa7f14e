// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

// The web viewer (SPEC §9) in a real browser: Debian's chromium driven by playwright-core.
// One `trail serve` on a free loopback port with its own data directory; events seeded over
// the API; then what a person does: sign in, search, page, open an event, export, watch the
// live tail, sign out — and what the host application's users see in the embedded history
// (owner, maintainer, stranger, expired token), with audit data that tries to run script.
// Screenshots go to tests/artifacts/browser/ (TRAIL_BROWSER_ARTIFACTS overrides).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = process.env.TRAIL_SOURCE_DIR || path.resolve(HERE, '../..');
const TRAIL = process.env.TRAIL_BIN || path.join(ROOT, 'build/trail');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const EVENTS = path.join(ROOT, 'examples/warehouse/events.toml');
const ARTIFACTS = process.env.TRAIL_BROWSER_ARTIFACTS || path.join(ROOT, 'tests/artifacts/browser');
const XSS_IMG = '<img src=x onerror="window.__pwned=1;alert(1)">';
const XSS_SCRIPT = '<script>window.__pwned=2;alert(2)</script>';

let server;
let data;
let base;
let key;
let secret;
let browser;
let consoleContext;
let consolePage;

// --- the server ---

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer() {
  data = fs.mkdtempSync(path.join(os.tmpdir(), 'trail-browser-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(data, 'serve.log'), 'a');
  // The e2e.pg variant: a PostgreSQL database of its own (tests/browser/run.sh makes it).
  const store = process.env.TRAIL_TEST_STORE_URL ? ['--store', process.env.TRAIL_TEST_STORE_URL] : [];
  server = spawn(TRAIL, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, '--events', EVENTS, ...store],
    { stdio: ['ignore', log, log] });
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) break;
    try {
      if ((await fetch(`${base}/healthz`)).ok) {
        key = fs.readFileSync(path.join(data, 'admin.key'), 'utf8').trim();
        secret = fs.readFileSync(path.join(data, 'viewer.secret')).toString().trim();
        return;
      }
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`trail serve did not start: ${fs.readFileSync(path.join(data, 'serve.log'), 'utf8')}`);
}

async function record(events) {
  const r = await fetch(`${base}/v1/events`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  const text = await r.text();
  assert.equal(r.status, 201, text);
  return JSON.parse(text).events;
}

const b64url = (b) => Buffer.from(b).toString('base64url');

// A viewer token as the host application mints it (SPEC §6).
function viewerToken(sub, roles, expiresIn = 3600) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = { sub, exp: Math.floor(Date.now() / 1000) + expiresIn, ...(roles ? { roles } : {}) };
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

const ev = (tag, subject, actor, metadata = {}, extra = {}) => ({ tag, subject, actor, metadata, ...extra });

async function seed() {
  const bulk = [];
  for (let i = 0; i < 70; i++) bulk.push(ev('project:release:add', 'project:p1', 'carol', { version: `1.${i}.0` }));
  for (let i = 0; i < 10; i++) bulk.push(ev('project:release:add', 'project:p2', 'dave', { version: `2.${i}.0` }));
  await record(bulk);
  await record([
    ev('project:role:add', 'project:p1', 'alice', { target_user: 'bob', role_name: 'Maintainer', ticket: 'TCK-4242' },
      { ip: '203.0.113.10' }),
    ev('project:release:add', 'project:p1', 'bob', { version: '1.99.0' }, { ip: '198.51.100.77', user_agent: 'bob-agent/7' }),
    ev('project:api_token:added', 'project:p1', 'alice', { token_name: 'p1-deploy-token' }),
    ev('project:role:add', 'project:p1', 'mallory', { target_user: XSS_IMG, role_name: XSS_SCRIPT, note: XSS_IMG }),
    ev('project:role:add', 'project:p2', 'dave', { target_user: 'erin', role_name: 'Owner' }),
  ]);
}

// --- helpers for pages ---

async function newPage(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.dialogs = [];
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  return page;
}

const rowTexts = (page) => page.locator('table.events tbody tr').allInnerTexts();

async function shot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

// A raw request (node's fetch would not send a foreign Origin as given).
function rawRequest(method, urlPath, headers, body = '') {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${urlPath}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

before(async () => {
  await startServer();
  await seed();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  consoleContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  consolePage = await newPage(consoleContext);
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  if (data) fs.rmSync(data, { recursive: true, force: true });
});

// --- the admin console ---

test('without a sign-in the console shows a form and no events', async () => {
  const page = consolePage;
  const r = await page.goto(`${base}/ui/`);
  assert.equal(r.status(), 200);
  assert.equal(await page.locator('form.login input#key[type=password]').count(), 1);
  assert.equal(await page.locator('table.events').count(), 0);
  assert.doesNotMatch(await page.content(), /released 1\.99\.0/);
  const csp = r.headers()['content-security-policy'];
  assert.match(csp, /default-src 'none'; script-src 'self'; style-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
});

test('sign in with an API key: an HttpOnly, SameSite=Strict session cookie, the key in no URL', async () => {
  const page = consolePage;
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/ui/`);
  assert.ok((await rowTexts(page)).length > 10);
  assert.match(await page.locator('header .who').innerText(), /Signed in as key/);
  const cookies = await consoleContext.cookies();
  const session = cookies.find((c) => c.name === 'trail_session');
  assert.ok(session, `cookies: ${cookies.map((c) => c.name)}`);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.ok(!session.value.includes(key));
  assert.ok(!page.url().includes(key));
  assert.ok(!(await page.content()).includes(key));
  await shot(page, 'console.png');
});

test('a wrong key is refused with a message', async () => {
  const context = await browser.newContext();
  const page = await newPage(context);
  await page.goto(`${base}/ui/`);
  await page.getByLabel('API key').fill('not-a-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.error').waitFor();
  assert.match(await page.locator('.error').innerText(), /not valid/);
  assert.equal(await page.locator('table.events').count(), 0);
  await context.close();
});

test('search: the q syntax filters on the server', async () => {
  const page = consolePage;
  await page.goto(`${base}/ui/`);
  await page.getByLabel('Search').fill('actor:bob');
  await page.getByLabel('Search').press('Enter');
  await page.waitForURL(/q=actor/);
  let rows = await rowTexts(page);
  assert.equal(rows.length, 1);
  assert.match(rows[0], /bob released 1\.99\.0/);
  await page.getByLabel('Search').fill('-tag:project:release:* "added bob"');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/added/);
  rows = await rowTexts(page);
  assert.equal(rows.length, 1);
  assert.match(rows[0], /alice added bob as Maintainer/);
  // A filter control: the subject field.
  await page.goto(`${base}/ui/`);
  await page.getByLabel('Subject').fill('project:p2');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/subject=project(:|%3A)p2/);
  rows = await rowTexts(page);
  assert.equal(rows.length, 11);
  assert.ok(rows.every((r) => r.includes('project:p2')));
});

test('paging: older pages continue without repeats and lead back to the newest', async () => {
  const page = consolePage;
  await page.goto(`${base}/ui/`);
  const ids = async () => page.locator('table.events td.tag a').evaluateAll((as) => as.map((a) => a.href));
  const first = await ids();
  assert.equal(first.length, 50);
  await page.getByRole('link', { name: /Older events/ }).click();
  await page.waitForURL(/cursor=/);
  const second = await ids();
  assert.ok(second.length > 0);
  assert.ok(second.every((h) => !first.includes(h)));
  await page.getByRole('link', { name: /Newest events/ }).click();
  await page.waitForURL((u) => !u.search.includes('cursor='));
  assert.deepEqual(await ids(), first);
  assert.equal(await page.locator('figure.chart svg').count(), 1);
});

test('an event: its metadata, leaf hash and verified inclusion proof', async () => {
  const page = consolePage;
  await page.goto(`${base}/ui/?q=${encodeURIComponent('"added bob as Maintainer"')}`);
  await page.locator('table.events td.tag a').first().click();
  await page.waitForURL(/\/ui\/events\//);
  for (let i = 0; i < 20 && /pending/.test(await page.locator('main').innerText()); i++) {
    await new Promise((r) => setTimeout(r, 250));  // the checkpoint is signed right after the commit
    await page.reload();
  }
  const text = await page.locator('main').innerText();
  assert.match(text, /TCK-4242/);
  assert.match(text, /203\.0\.113\.10/);
  assert.match(text, /Content\s+verified: every field shown, ip, user agent and location included hash to the leaf hash/);
  assert.match(text, /Inclusion proof\s+verified/);
  await shot(page, 'event.png');
});

test('export: CSV and NDJSON of the current filter, with the session cookie', async () => {
  const page = consolePage;
  await page.goto(`${base}/ui/?actor=carol`);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  const lines = fs.readFileSync(await csv.path(), 'utf8').trim().split('\r\n');
  assert.match(lines[0], /^seq,id,recorded_at/);
  assert.equal(lines.length, 71);
  assert.ok(lines.slice(1).every((l) => l.includes(',carol,')));
  const [nd] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export NDJSON' }).click()]);
  const events = fs.readFileSync(await nd.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.length, 70);
  assert.ok(events.every((e) => e.actor === 'carol'));
});

test('live tail: an event recorded while the page is open appears at the top', async () => {
  const page = consolePage;
  await page.goto(`${base}/ui/`);
  const button = page.getByRole('button', { name: 'Start live tail' });
  await button.click();
  await page.locator('.live-status', { hasText: 'Live' }).waitFor();
  const version = `live-${randomUUID().slice(0, 8)}`;
  await record([ev('project:release:add', 'project:p1', 'zed', { version })]);
  const first = page.locator('table.events tbody tr').first();
  await first.filter({ hasText: `zed released ${version}` }).waitFor();
  assert.match(await page.locator('.live-status').innerText(), /1 new event/);
  await page.getByRole('button', { name: 'Stop live tail' }).click();
});

test('audit data cannot run: script and markup in metadata render as text', async () => {
  const page = consolePage;
  await page.evaluate(() => { window.__pwned = 0; });
  const r = await page.goto(`${base}/ui/?actor=mallory`);
  assert.match(r.headers()['content-security-policy'], /script-src 'self'/);
  const rows = await rowTexts(page);
  assert.equal(rows.length, 1);
  assert.ok(rows[0].includes(`mallory added ${XSS_IMG} as ${XSS_SCRIPT}`), rows[0]);
  assert.equal(await page.locator('main img, main script').count(), 0);
  await page.locator('table.events td.tag a').first().click();
  await page.waitForURL(/\/ui\/events\//);
  assert.ok((await page.locator('main').innerText()).includes(`note\n${XSS_IMG}`));
  assert.equal(await page.locator('main img, main script').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned || 0), 0);
  assert.deepEqual(page.dialogs, []);
});

test('pages work without JavaScript (a proxy adding the key as Bearer)', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, extraHTTPHeaders: { Authorization: `Bearer ${key}` } });
  const page = await newPage(context);
  await page.goto(`${base}/ui/?q=actor:bob`);
  assert.equal((await rowTexts(page)).length, 1);
  assert.equal(await page.getByRole('button', { name: 'Start live tail' }).isVisible(), false);
  assert.equal(await page.locator('figure.chart svg rect').count() > 0, true);
  await context.close();
});

// --- the embedded history ---

async function openEmbed(token, subject = 'project:p1', style = '') {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await newPage(context);
  const q = new URLSearchParams({ ...(subject ? { subject } : {}), ...(style ? { style } : {}), token });
  const response = await page.goto(`${base}/embed/history?${q}`);
  return { context, page, response };
}

test('embed as the owner: the owner events, others\' ip redacted, the token gone from the address', async () => {
  const { context, page, response } = await openEmbed(viewerToken('alice', { 'project:p1': ['owner'] }));
  assert.equal(response.status(), 200);
  assert.ok(!page.url().includes('token='), page.url());
  assert.ok(page.url().includes('subject=project:p1'));
  const text = await page.locator('main').innerText();
  for (const want of ['alice added bob as Maintainer', 'bob released 1.99.0', 'alice created API token p1-deploy-token']) {
    assert.ok(text.includes(want), want);
  }
  assert.ok(text.includes('203.0.113.10'));  // alice's own ip
  assert.ok(!text.includes('198.51.100.77') && !text.includes('bob-agent'));  // bob's, redacted
  assert.ok(!text.includes('project:p2') && !text.includes('dave'));
  assert.equal(await page.locator('main img, main script').count(), 0);
  assert.deepEqual(page.dialogs, []);
  const cookie = (await context.cookies()).find((c) => c.name === 'trail_embed');
  assert.ok(cookie && cookie.httpOnly);
  assert.match(response.headers()['content-security-policy'], /frame-ancestors 'self'/);
  await shot(page, 'embed-owner.png');
  // Paging and filters keep the session: the tag group filter.
  await page.getByLabel('Tag group').selectOption('project:*');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/tag=project/);
  assert.ok((await rowTexts(page)).length > 0);
  await context.close();
});

test('embed as a maintainer: less than the owner', async () => {
  const { context, page } = await openEmbed(viewerToken('bob', { 'project:p1': ['maintainer'] }));
  const text = await page.locator('main').innerText();
  assert.ok(text.includes('alice added bob as Maintainer') && text.includes('bob released 1.99.0'));
  assert.ok(text.includes('198.51.100.77'));  // bob's own ip
  assert.ok(!text.includes('p1-deploy-token'), 'an owner-only event');
  assert.ok(!text.includes('203.0.113.10'), "alice's ip");
  await shot(page, 'embed-maintainer.png');
  await context.close();
});

test('embed as a stranger: 403 and no events; an expired token: 401 and no events', async () => {
  let { context, page, response } = await openEmbed(viewerToken('mallory', { 'project:p2': ['owner'] }));
  assert.equal(response.status(), 403);
  assert.equal(await page.locator('table.events').count(), 0);
  assert.ok(!(await page.content()).includes('released'));
  await context.close();
  ({ context, page, response } = await openEmbed(viewerToken('alice', { 'project:p1': ['owner'] }, -3600)));
  assert.equal(response.status(), 401);
  assert.match(await page.locator('main').innerText(), /expired/);
  assert.ok(!(await page.content()).includes('released'));
  await shot(page, 'embed-expired.png');
  await context.close();
});

test('embed without a subject: the viewer\'s own account; the style hook sets --trail-* variables', async () => {
  await record([ev('account:login:success', 'user:erin', 'erin', { auth_method: 'webauthn' })]);
  const { context, page } = await openEmbed(viewerToken('erin'), '', 'scheme:dark,accent:ff8800');
  assert.match(await page.locator('h1').innerText(), /user:erin/);
  assert.match(await page.locator('main').innerText(), /Logged in with webauthn/);
  const accent = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--trail-accent').trim());
  assert.equal(accent, '#ff8800');
  await context.close();
});

// --- signing out ---

test('sign-out: a cross-site post cannot, the form does, and the old cookie is dead', async () => {
  const page = consolePage;
  const cookie = (await consoleContext.cookies()).find((c) => c.name === 'trail_session');
  const forged = await rawRequest('POST', '/ui/logout', {
    Cookie: `trail_session=${cookie.value}`, Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded',
  }, 'csrf=guess');
  assert.equal(forged.status, 403);
  await page.goto(`${base}/ui/`);
  assert.ok((await rowTexts(page)).length > 0, 'still signed in');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('form.login').waitFor();
  const after = await rawRequest('GET', '/ui/', { Cookie: `trail_session=${cookie.value}` });
  assert.match(after.body, /form class="login"/);
  assert.doesNotMatch(after.body, /table class="events"/);
});
