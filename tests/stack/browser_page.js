// browser_page.js: the page GET / serves, in a real browser: Debian's Chromium, headless,
// driven by playwright-core. Starts imgcolor-server with API keys on, then: the page
// without a key shows the 401 as a readable error; with the key, examples/3.jpg gives
// swatches whose hex codes are the API's own answer, and the pie chart loads; a file
// that is not an image shows the 422 problem; no Content-Security-Policy violation is
// reported anywhere. Writes a screenshot of the page.
//
// usage: node browser_page.js --server BIN --examples DIR --npm DIR --screenshot FILE
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].slice(2)] = process.argv[i + 1];
const SKIP = 77;
const chromiumPath = process.env.IMGCOLOR_CHROMIUM || '/usr/bin/chromium';

function fail(what) {
  throw new Error(what);
}

async function waitReady(url, proc) {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) fail('the server exited with ' + proc.exitCode);
    try {
      const r = await fetch(url + '/readyz');
      if (r.ok) return;
    } catch (e) { /* not listening yet */ }
    await new Promise((res) => setTimeout(res, 50));
  }
  fail('the server did not become ready');
}

async function main() {
  if (!fs.existsSync(chromiumPath)) {
    console.log('SKIPPED: ' + chromiumPath + ' is missing (Debian: apt-get install chromium)');
    process.exit(SKIP);
  }
  const { chromium } = require(path.join(args.npm, 'node_modules', 'playwright-core'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imgcolor-browser-'));
  let server = null;
  let browser = null;
  try {
    // A key, and the keys file holding its hash.
    const lines = execFileSync(args.server, ['new-key', 'browser']).toString().split('\n');
    const key = lines[0];
    fs.writeFileSync(path.join(tmp, 'keys'), lines[1] + '\n');
    const portFile = path.join(tmp, 'port');
    server = spawn(args.server, ['--port', '0', '--port-file', portFile, '--api-keys',
      path.join(tmp, 'keys')], { stdio: ['ignore', 'ignore', fs.openSync(path.join(tmp, 'log'), 'w')] });
    for (let i = 0; i < 200 && !fs.existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 50));
    const url = 'http://127.0.0.1:' + fs.readFileSync(portFile, 'utf8').split('\n')[0].trim();
    await waitReady(url, server);

    // The API's own answer for the image, to compare the page with.
    const image = path.join(args.examples, '3.jpg');
    const form = new FormData();
    form.append('image', new Blob([fs.readFileSync(image)], { type: 'image/jpeg' }), '3.jpg');
    form.append('k', '6');
    const api = await fetch(url + '/v1/prominent-colors', {
      method: 'POST', body: form, headers: { Authorization: 'Bearer ' + key },
    });
    if (!api.ok) fail('API: ' + api.status);
    const want = (await api.json()).colors.map((c) => c.hex);

    browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
    const page = await browser.newPage({ viewport: { width: 1180, height: 1000 } });
    const problems = [];
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push('console: ' + m.text());
    });
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('requestfailed', (r) => problems.push('request failed: ' + r.url()));
    // A listener before the page's own script: every violation the browser reports.
    await page.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
    });
    const resp = await page.goto(url + '/');
    const csp = resp.headers()['content-security-policy'] || '';
    if (!csp.includes("script-src 'self'") || csp.includes('unsafe')) fail('page CSP: ' + csp);
    const others = [];
    page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('blob:')) others.push(r.url()); });

    // No key: the 401 problem document, readable.
    await page.setInputFiles('#file', image);
    await page.waitForSelector('#error:not([hidden])');
    const noKey = await page.textContent('#error');
    if (!/Unauthorized \(401\)/.test(noKey)) fail('without a key: ' + noKey);

    // With the key: swatches equal to the API's answer, and the pie chart.
    await page.fill('#key', key);
    await page.click('#run');
    await page.waitForSelector('#swatches .swatch');
    await page.waitForFunction(() => {
      const img = document.getElementById('pie-img');
      return img.complete && img.naturalWidth > 0;
    });
    const got = await page.$$eval('#swatches .hex', (els) => els.map((e) => e.textContent));
    if (JSON.stringify(got) !== JSON.stringify(want)) fail('swatches ' + got + ' != API ' + want);
    const pie = await page.$eval('#pie-img', (img) => [img.naturalWidth, img.naturalHeight]);
    if (pie[0] !== 480 || pie[1] !== 360) fail('pie size ' + pie);
    if (!(await page.isHidden('#error'))) fail('an error is shown after success');
    const chip = await page.$eval('#swatches .chip', (e) => getComputedStyle(e).backgroundColor);
    if (chip === 'rgba(0, 0, 0, 0)') fail('swatch colour not applied');
    fs.mkdirSync(path.dirname(args.screenshot), { recursive: true });
    await page.screenshot({ path: args.screenshot, fullPage: true });

    // Not an image: the 422 problem, readable.
    const text = path.join(tmp, 'notes.txt');
    fs.writeFileSync(text, 'these are not pixels\n');
    await page.setInputFiles('#file', text);
    await page.waitForSelector('#error:not([hidden])');
    const bad = await page.textContent('#error');
    if (!/\(422\)/.test(bad) || !/decode|image|format/i.test(bad)) fail('non-image: ' + bad);

    const violations = await page.evaluate(() => window.cspViolations);
    problems.push(...violations.map((v) => 'violation: ' + v));
    if (others.length) problems.push('requests elsewhere: ' + others.join(' '));
    if (problems.length) fail(problems.join('\n'));
    console.log('page: swatches ' + got.join(' ') + ' equal the API, pie ' + pie.join('x') +
      ', 401 and 422 shown as errors, no CSP violation; screenshot ' + args.screenshot);
  } finally {
    if (browser) await browser.close();
    if (server && server.exitCode === null) server.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error('FAILED: ' + e.message);
  process.exit(1);
});
