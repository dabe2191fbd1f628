#!/usr/bin/env node
// Drives the dashboard's trend page in Debian's headless Chromium
// (playwright-core) and prints what it saw as one JSON object, for
// tests/server/trends_browser_test.cpp to assert on.
//
//   node trends_check.js URL PLAN_JSON
//
// PLAN_JSON: target (whose trend page is opened), screenshots (a folder for
// trends.png and trend-list.png; optional).  Every wait is bounded; the whole
// run is killed after 90 s.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const WAIT_MS = 15000;
const url = process.argv[2];
const plan = JSON.parse(process.argv[3] || '{}');
if (!url || !plan.target) {
  console.error('usage: trends_check.js URL {"target": NAME, "screenshots": DIR}');
  process.exit(2);
}
const watchdog = setTimeout(() => {
  console.error('trends_check: gave up after 90 s');
  process.exit(3);
}, 90000);

async function open(page, hash, name) {
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForFunction((want) => ['error', want].includes(document.body.dataset.ready), name, { timeout: WAIT_MS });
  const ready = await page.evaluate(() => document.body.dataset.ready);
  if (ready !== name) throw new Error('page ' + hash + ' failed: ' + await page.textContent('#status'));
}

async function settleImages(page) {
  await page.waitForFunction(() => [...document.querySelectorAll('#view img')]
    .every((img) => img.classList.contains('broken') || (img.complete && img.naturalWidth > 0)),
  null, { timeout: WAIT_MS });
}

async function main() {
  const result = { page_errors: [], console_errors: [] };
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'trendwatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    timeout: 30000,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    context.setDefaultTimeout(WAIT_MS);
    const page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (error) => result.page_errors.push(String(error)));
    page.on('console', (message) => { if (message.type() === 'error') result.console_errors.push(message.text()); });
    await page.goto(url, { timeout: WAIT_MS });
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: WAIT_MS });

    await open(page, '#/trends', 'trends');
    result.list = await page.$$eval('table.trend-targets tbody tr', (rows) => rows.map((row) => ({
      target: row.cells[0].textContent, videos: Number(row.cells[1].textContent), surge: row.cells[3].textContent,
    })));
    if (plan.screenshots) {
      fs.mkdirSync(plan.screenshots, { recursive: true });
      await page.screenshot({ path: path.join(plan.screenshots, 'trend-list.png'), fullPage: true });
    }

    await open(page, '#/trends/' + encodeURIComponent(plan.target), 'trends');
    await settleImages(page);
    result.chart = await page.$eval('svg.trend-chart', (chart) => ({
      bars: [...chart.querySelectorAll('rect.bar-videos')].map((bar) => ({
        start: bar.dataset.start, videos: Number(bar.dataset.videos), height: Number(bar.getAttribute('height')),
        x: Number(bar.getAttribute('x')),
      })),
      surges: [...chart.querySelectorAll('rect.surge')].map((rect) => ({
        id: rect.dataset.surge, x: Number(rect.getAttribute('x')), width: Number(rect.getAttribute('width')),
      })),
      reach_points: (chart.querySelector('path.reach') || { getAttribute: () => '' }).getAttribute('d').split(/[ML]/).filter(Boolean).length,
      width: chart.getBoundingClientRect().width,
    }));
    result.heading = await page.textContent('#view h1');
    result.summary = await page.textContent('#view .sub');
    result.surge_rows = await page.$$eval('table.surges tbody tr', (rows) => rows.map((row) => row.dataset.surge));
    result.top_videos = await page.$$eval('table.top-videos tbody tr', (rows) => rows.map((row) => {
      const img = row.querySelector('img.thumb');
      return {
        video: row.dataset.video,
        link: row.querySelector('a').getAttribute('href'),
        views: row.querySelector('.views').textContent,
        thumbnail_width: img ? img.naturalWidth : 0,
      };
    }));
    if (plan.screenshots) await page.screenshot({ path: path.join(plan.screenshots, 'trends.png'), fullPage: true });

    // A top video's thumbnail leads to its appearances.
    await page.evaluate(() => { document.body.dataset.ready = ''; });
    await page.click('table.top-videos tbody tr a');
    await page.waitForFunction(() => ['video', 'error'].includes(document.body.dataset.ready), null, { timeout: WAIT_MS });
    result.after_click = { ready: await page.evaluate(() => document.body.dataset.ready), hash: await page.evaluate(() => location.hash),
      appearances: await page.$$eval('tr[data-appearance]', (rows) => rows.length) };
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return result;
}

main().then((result) => {
  clearTimeout(watchdog);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}).catch((error) => {
  clearTimeout(watchdog);
  console.error(String(error && error.stack || error));
  process.exit(1);
});
