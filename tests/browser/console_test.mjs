// The console in a real browser: Debian's Chromium, driven by
// playwright-core, against a real alertgate started here (its own data
// folder, ports chosen by the kernel). The flow a new user follows: sign
// in, open a service's alert sources, see the grey dot, send a test alert
// and see it turn green, rotate and copy the webhook URL, POST real
// Bitbucket deliveries to it with curl, watch the incident appear live,
// acknowledge it, see the merge resolve it, find the deliveries in the
// log, and replay a delivery refused for its signature once the secret is
// fixed. Then the same pages at 360 px, by keyboard, and as a read-only
// user.
//
//   node console_test.mjs --alertgate=BIN --alertctl=BIN --fixtures=DIR
//                         [--screenshots=DIR] [--chromium=/usr/bin/chromium]
//
// Exit 0 when every check passed; each failure is printed.
import {spawn, execFileSync} from 'node:child_process';
import {createHmac} from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {chromium} from 'playwright-core';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => {
  const [key, ...value] = arg.replace(/^--/, '').split('=');
  return [key, value.join('=')];
}));
for (const required of ['alertgate', 'alertctl', 'fixtures']) {
  if (!args[required]) {
    console.error(`console_test: --${required} is required`);
    process.exit(2);
  }
}
const chromiumPath = args.chromium || '/usr/bin/chromium';
if (!fs.existsSync(chromiumPath)) {
  console.error(`console_test: no Chromium at ${chromiumPath} (scripts/setup.sh --for-tests installs it)`);
  process.exit(2);
}

let failures = 0;
let checks = 0;
function check(condition, what) {
  checks += 1;
  if (!condition) {
    failures += 1;
    console.error(`FAIL: ${what}`);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'alertgate-console-'));
const dataDir = path.join(work, 'data');
const portFile = path.join(work, 'ports');
const log = fs.openSync(path.join(work, 'alertgate.log'), 'w');
const server = spawn(args.alertgate, [
  `--data_dir=${dataDir}`, '--grpc_listen=127.0.0.1:0', '--http_listen=127.0.0.1:0',
  '--admin_listen=127.0.0.1:0', '--console_listen=127.0.0.1:0', '--log_deliveries=false',
  `--port_file=${portFile}`,
], {stdio: ['ignore', log, log]});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, probe, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function readPorts() {
  if (!fs.existsSync(portFile)) return null;
  return Object.fromEntries(fs.readFileSync(portFile, 'utf8').trim().split('\n')
    .map((line) => line.split('=')).map(([key, value]) => [key, Number(value)]));
}

// alertctl against this alertgate, as the admin.
function alertctl(ports, ...words) {
  return execFileSync(args.alertctl, [
    `--address=127.0.0.1:${ports.grpc}`, `--token_file=${path.join(dataDir, 'admin-token')}`,
    ...words], {encoding: 'utf8'});
}

// POSTs a fixture with curl, as Bitbucket would; returns {status, body}.
function deliver(url, fixture, event, deliveryId, extraHeaders = []) {
  const body = fs.readFileSync(path.join(args.fixtures, fixture));
  const bodyFile = path.join(work, 'body.json');
  fs.writeFileSync(bodyFile, body);
  const headers = ['-H', 'Content-Type: application/json', '-H', `X-Event-Key: ${event}`,
    '-H', `X-Request-UUID: ${deliveryId}`];
  for (const header of extraHeaders) headers.push('-H', header);
  const out = execFileSync('curl', ['-s', '-w', '\n%{http_code}', ...headers,
    '--data-binary', `@${bodyFile}`, url], {encoding: 'utf8'});
  const lines = out.trimEnd().split('\n');
  const status = Number(lines.pop());
  let json = {};
  try { json = JSON.parse(lines.join('\n')); } catch (e) { /* Not JSON. */ }
  return {status, body: json, raw: body};
}

function sign(secret, body) {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

async function shoot(page, name) {
  if (!args.screenshots) return;
  fs.mkdirSync(args.screenshots, {recursive: true});
  // Without the passing notice over the page.
  await page.evaluate(() => { document.getElementById('status').textContent = ''; });
  await page.screenshot({path: path.join(args.screenshots, `${name}.png`), fullPage: true});
}

let browser;
let page;
try {
  const ports = await waitFor('alertgate to start', () => readPorts());
  const consoleUrl = `http://127.0.0.1:${ports.console}/ui/`;
  const adminToken = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  const viewerToken = alertctl(ports, 'tokens', 'create', 'viewer', '--role=read')
    .split('\n').find((line) => line.startsWith('agt_'));
  check(viewerToken, 'alertctl printed the new read token');

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({viewport: {width: 1280, height: 900}});
  page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('dialog', (dialog) => dialog.accept());

  // Sign in.
  await page.goto(consoleUrl);
  await page.getByLabel('API token').fill('agt_not_a_real_token');
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByText('This token is unknown or revoked.').waitFor();
  await shoot(page, 'sign-in');
  await page.getByLabel('API token').fill(adminToken);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByRole('heading', {name: 'Services'}).waitFor();
  const defaultRow = page.locator('tr', {has: page.getByRole('rowheader', {name: 'default'})});
  check(await defaultRow.count() === 1, 'the services page lists the default service');
  check((await page.locator('#who').textContent()).includes('admin'), 'the header names the signed-in token');
  const cookies = await context.cookies();
  const sessionCookie = cookies.find((c) => c.name === 'ag_session');
  check(sessionCookie && sessionCookie.httpOnly && sessionCookie.sameSite === 'Strict',
    'the session cookie is HttpOnly and SameSite=Strict');
  check(await page.evaluate(() => document.cookie) === '', 'scripts cannot read the session cookie');
  await shoot(page, 'services');

  // The alert sources: grey, then green after a test alert.
  await defaultRow.getByRole('link', {name: 'Alert sources'}).click();
  const bitbucket = page.locator('section[data-source="bitbucket"]');
  await bitbucket.waitFor();
  check(await bitbucket.getByText('Not receiving alerts').isVisible(), 'a fresh source shows "Not receiving alerts"');
  check(await bitbucket.locator('.dot.receiving').count() === 0, 'a fresh source has a grey dot');
  check(await bitbucket.getByText('Repository settings > Webhooks').count() > 0,
    'the setup steps come from the plugin');
  await bitbucket.getByRole('button', {name: 'Send test alert'}).click();
  await page.locator('section[data-source="bitbucket"] .dot.receiving').waitFor();
  check(await page.locator('section[data-source="bitbucket"]').getByText('Receiving alerts', {exact: true}).isVisible(),
    'after a test alert the source shows "Receiving alerts"');

  // Rotate and copy the webhook URL.
  await page.locator('section[data-source="bitbucket"]').getByRole('button', {name: 'Rotate webhook URL'}).click();
  const urlField = page.locator('#url-bitbucket');
  await urlField.waitFor();
  const webhookUrl = await urlField.inputValue();
  check(webhookUrl.startsWith(`http://127.0.0.1:${ports.http}/v1/webhooks/bitbucket/`),
    `the issued URL names the front door (${webhookUrl})`);
  await page.locator('section[data-source="bitbucket"]').getByRole('button', {name: 'Copy'}).click();
  await page.locator('#status', {hasText: 'Copied.'}).waitFor();
  await shoot(page, 'alert-sources');

  // A pull request opened: the incident appears live on the incidents page.
  await page.getByRole('link', {name: 'Incidents'}).first().click();
  await page.locator('#live.on').waitFor();
  const opened = deliver(webhookUrl, 'cloud/pullrequest_created.json', 'pullrequest:created', 'br-opened');
  check(opened.status === 200, `the pull request was accepted (${opened.status})`);
  const incidentId = opened.body.alerts && opened.body.alerts[0].incident_id;
  const row = page.locator(`tr[data-incident="${incidentId}"]`);
  await row.waitFor();
  check((await row.textContent()).includes('triggered'), 'the new incident appears live as triggered');
  await shoot(page, 'incidents');

  // Acknowledge it, then the merge resolves it while the page is open.
  await row.getByRole('link').click();
  await page.getByRole('button', {name: 'Acknowledge'}).click();
  await page.locator('#incident-state', {hasText: 'acknowledged'}).waitFor();
  const merged = deliver(webhookUrl, 'cloud/pullrequest_fulfilled.json', 'pullrequest:fulfilled', 'br-merged');
  check(merged.status === 200 && merged.body.alerts[0].incident_id === incidentId,
    'the merge resolves the same incident');
  await page.locator('#incident-state', {hasText: 'resolved'}).waitFor();
  check(await page.getByRole('cell', {name: 'admin'}).count() > 0, 'the timeline names who acknowledged');
  await shoot(page, 'incident');

  // Both deliveries are in the log.
  const serviceId = page.url().length && (await (async () => {
    await page.getByRole('link', {name: 'Services'}).click();
    await defaultRow.getByRole('link', {name: 'Deliveries'}).click();
    return page.url().split('/services/')[1].split('/')[0];
  })());
  for (const id of ['br-opened', 'br-merged']) {
    await page.locator('#deliveries tr', {hasText: id}).waitFor();
    check((await page.locator('#deliveries tr', {hasText: id}).textContent()).includes('accepted'),
      `delivery ${id} is in the log as accepted`);
  }

  // A delivery signed with the right secret while alertgate holds a typo:
  // refused, kept, and replayed once the secret is fixed.
  alertctl(ports, 'services', 'set-secret', 'default', '--source=bitbucket', '--secret=typo');
  await waitFor('the front door to apply the secret', () =>
    deliver(webhookUrl, 'cloud/repo_push.branch.json', 'repo:push', 'probe').status === 401);
  const pushBody = fs.readFileSync(path.join(args.fixtures, 'cloud/repo_push.branch.json'));
  const refused = deliver(webhookUrl, 'cloud/repo_push.branch.json', 'repo:push', 'br-signed',
    [`X-Hub-Signature: ${sign('right', pushBody)}`]);
  check(refused.status === 401, `a delivery signed with another secret is refused (${refused.status})`);
  const refusedRow = page.locator('#deliveries tr', {hasText: 'br-signed'});
  await waitFor('the refused delivery in the log', async () => {
    await page.getByRole('button', {name: 'Refresh'}).click();
    await sleep(100);
    return await refusedRow.count() > 0;
  });
  check((await refusedRow.textContent()).includes('bad signature'), 'the refusal shows as bad signature');
  check((await refusedRow.textContent()).includes('repo:push'), 'the refusal names its event');
  alertctl(ports, 'services', 'set-secret', 'default', '--source=bitbucket', '--secret=right');
  await refusedRow.getByRole('button', {name: 'Replay'}).click();
  await page.locator('#status', {hasText: 'Replayed: accepted'}).waitFor();
  const replays = page.locator('#deliveries tr', {hasText: 'br-signed'});
  await waitFor('the replay in the log', async () =>
    (await replays.allTextContents()).some((text) => text.includes('accepted') && text.includes('replay')));
  await shoot(page, 'deliveries');

  // Rules: one that does not compile is refused with the reason; one that
  // does is saved, reads as written, and a tried alert is suppressed.
  await page.goto(`${consoleUrl}#/services/${serviceId}/rules`);
  await page.getByRole('heading', {name: 'default: rules'}).waitFor();
  check(await page.getByText('No rules.').isVisible(), 'a service starts without rules');
  const rulesJson = page.getByLabel('Rules (JSON)');
  await rulesJson.fill(JSON.stringify({rules: [{name: 'broken',
    when: [{field: 'RULE_FIELD_SUMMARY', op: 'MATCH_OPERATOR_REGEX', value: '('}]}]}));
  await page.getByRole('button', {name: 'Save rules'}).click();
  await page.locator('#status', {hasText: 'not a valid regular expression'}).waitFor();
  await rulesJson.fill(JSON.stringify({rules: [{name: 'quiet renovate pushes',
    when: [{field: 'RULE_FIELD_EVENT', op: 'MATCH_OPERATOR_EQUALS', value: 'repo:push'},
           {field: 'RULE_FIELD_TAG', tag: 'branch', op: 'MATCH_OPERATOR_PREFIX', value: 'renovate/'}],
    then: {suppress: true}}]}));
  await page.getByRole('button', {name: 'Save rules'}).click();
  await page.locator('#status', {hasText: 'Saved: revision 1.'}).waitFor();
  const savedRule = page.locator('li[data-rule="quiet renovate pushes"]');
  await savedRule.waitFor();
  check((await savedRule.textContent()).includes('tag branch prefix "renovate/"'),
    'the saved rule reads as written');
  await page.getByLabel('Event').fill('repo:push');
  await page.getByLabel('Tags').fill('branch=renovate/lodash');
  await page.getByRole('button', {name: 'Try an alert'}).click();
  await page.locator('#rules-trial', {hasText: 'Suppressed by rule "quiet renovate pushes"'}).waitFor();
  check(!(await page.locator('#rules-trial').textContent()).includes('null'),
    'the trial shows only what happened');
  await shoot(page, 'rules');

  // Outbound webhooks: an admin adds one to a receiver started here and
  // sees its secret once; a new incident reaches the receiver, signed with
  // it, and the page lists the message as delivered.
  const received = [];
  const receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      received.push({headers: request.headers, body});
      response.writeHead(200).end('ok');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  await page.getByLabel('Name').fill('team');
  await page.getByLabel('URL').fill(`http://127.0.0.1:${receiver.address().port}/hook`);
  await page.getByRole('button', {name: 'Save webhook'}).click();
  await page.locator('#status', {hasText: 'Webhook saved'}).waitFor();
  await page.locator('li[data-webhook="team"]').waitFor();
  const secretLine = await page.locator('#webhook-secret').textContent();
  const secret = (secretLine.match(/agws_[0-9a-f]+/) || [''])[0];
  check(secret !== '', `the admin sees the new secret once (${secretLine})`);
  alertctl(ports, 'alert', 'trigger', '--service=default', '--dedup_key=console-webhook',
           '--summary=Checkout is down');
  await waitFor('the webhook message at the receiver', async () => received.length >= 1);
  const [t, v1] = received[0].headers['x-alertgate-signature'].replace('t=', '').split(',v1=');
  check(createHmac('sha256', secret).update(`${t}.${received[0].body}`).digest('hex') === v1,
    'the receiver can check the signature with the secret the page showed');
  check(JSON.parse(received[0].body).incident.summary === 'Checkout is down',
    'the message tells of the incident');
  await page.reload();
  const messageRow = page.locator('#webhook-messages tr[data-message]');
  await waitFor('the message listed as delivered', async () => {
    await page.reload();
    await page.locator('#webhook-messages').waitFor();
    return (await messageRow.allTextContents()).some((text) => text.includes('delivered'));
  });
  await shoot(page, 'webhooks');
  receiver.close();

  // A phone's width: nothing wider than the screen but the tables' own
  // scrolling; the dot still has its words.
  await page.setViewportSize({width: 360, height: 740});
  await page.goto(`${consoleUrl}#/services/${serviceId}/sources`);
  await page.locator('section[data-source="bitbucket"]').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 361, `the sources page fits 360 px (${overflow} px wide)`);
  await shoot(page, 'alert-sources-360px');

  // Keyboard: Tab reaches the buttons of the page.
  await page.setViewportSize({width: 1280, height: 900});
  await page.locator('#main').focus();
  const reached = [];
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement.textContent.trim()));
  }
  check(reached.includes('Send test alert') && reached.includes('Rotate webhook URL'),
    'Tab reaches the source buttons');

  // CSRF: a request without the session's token changes nothing.
  const forged = await page.evaluate(async () => (await fetch('/ui/api/rpc/SendTestAlert', {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'})).status);
  check(forged === 403, `a POST without the CSRF token is refused (${forged})`);

  // A read-only user sees the pages but not the buttons that need more.
  const viewer = await (await browser.newContext()).newPage();
  await viewer.goto(consoleUrl);
  await viewer.getByLabel('API token').fill(viewerToken);
  await viewer.getByRole('button', {name: 'Sign in'}).click();
  await viewer.getByRole('heading', {name: 'Services'}).waitFor();
  await viewer.goto(`${consoleUrl}#/services/${serviceId}/sources`);
  const viewerCard = viewer.locator('section[data-source="bitbucket"]');
  await viewerCard.waitFor();
  check(await viewerCard.getByRole('button', {name: 'Send test alert'}).isDisabled(),
    'read: Send test alert is disabled');
  check(await viewerCard.getByText('needs the admin role').isVisible(), 'read: the page says issuing needs admin');
  await viewer.goto(`${consoleUrl}#/services/${serviceId}/rules`);
  await viewer.getByRole('heading', {name: 'default: rules'}).waitFor();
  check(await viewer.getByRole('button', {name: 'Save rules'}).isDisabled(), 'read: Save rules is disabled');
  check(await viewer.getByRole('button', {name: 'Save webhook'}).isDisabled(), 'read: Save webhook is disabled');
  check(!(await viewer.locator('#main').textContent()).includes('agws_'), 'read: no webhook secret on the page');

  // Sign out ends the session.
  await page.getByRole('button', {name: 'Sign out'}).click();
  await page.getByRole('button', {name: 'Sign in'}).waitFor();
  const afterSignOut = await page.evaluate(async () => (await fetch('/ui/api/session')).status);
  check(afterSignOut === 401, 'after sign-out the session is gone');
  check(pageErrors.length === 0, `no script errors (${pageErrors.join('; ')})`);
} catch (error) {
  failures += 1;
  console.error(`FAIL: ${error.stack || error}`);
  if (page) {
    console.error(`page at ${page.url()}:\n${await page.locator('body').innerText().catch(() => '')}`);
    await shoot(page, 'failure').catch(() => {});
  }
  console.error(fs.readFileSync(path.join(work, 'alertgate.log'), 'utf8'));
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => {
    if (server.exitCode !== null) resolve();
    else server.on('exit', resolve);
  });
  fs.rmSync(work, {recursive: true, force: true});
}
console.log(`console_test: ${checks - Math.min(failures, checks)} of ${checks} checks passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
