#!/usr/bin/env node
// Drives the trendwatch dashboard in Debian's headless Chromium (playwright-core,
// never a downloaded browser) and prints what it saw as one JSON object, for
// tests/server/dashboard_browser_test.cpp to assert on.
//
//   node dashboard_check.js URL PLAN_JSON
//
// PLAN_JSON (every key optional):
//   token            the dashboard's token: first shows that the page without it
//                    is refused, then opens URL?token=TOKEN
//   thumbnail        appearance id whose evidence thumbnail must load
//   confirm          appearance id whose Confirm button is clicked
//   hostile_video    video id whose page is opened to see how its title renders
//   timeline_video   video id whose timeline is opened (a bar is clicked)
//   screenshots      folder for latest.png, targets.png, target.png, video.png, sources.png
//   target           target name for target.png (default "jesper")
// Every wait is bounded; the whole run is killed after 90 s.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const WAIT_MS = 15000;
const url = process.argv[2];
const plan = JSON.parse(process.argv[3] || '{}');
if (!url) {
  console.error('usage: dashboard_check.js URL [PLAN_JSON]');
  process.exit(2);
}
const watchdog = setTimeout(() => {
  console.error('dashboard_check: gave up after 90 s');
  process.exit(3);
}, 90000);

function pageUrl(hash) {
  const base = new URL(url);
  base.hash = hash || '';
  return base.href;
}

async function waitReady(page, name) {
  await page.waitForFunction((want) => document.body.dataset.ready === want || document.body.dataset.ready === 'error',
    name, { timeout: WAIT_MS });
  const ready = await page.evaluate(() => document.body.dataset.ready);
  if (ready !== name) {
    const status = await page.textContent('#status');
    throw new Error('page ' + name + ' failed: ' + status);
  }
}

async function open(page, hash, name) {
  await page.evaluate(() => { document.body.dataset.ready = ''; });
  await page.evaluate((h) => { location.hash = h; }, hash);
  await waitReady(page, name);
}

async function settleImages(page) {
  // Wait (bounded) until every thumbnail has either loaded or failed.
  await page.waitForFunction(() => [...document.querySelectorAll('#view img')]
    .every((img) => img.classList.contains('broken') || (img.complete && img.getAttribute('src'))),
  null, { timeout: WAIT_MS });
}

async function main() {
  const result = { dialogs: [], page_errors: [], console_errors: [] };
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'trendwatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    timeout: 30000,
    viewport: { width: 1280, height: 860 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    context.setDefaultTimeout(WAIT_MS);
    const page = context.pages()[0] || await context.newPage();
    page.on('dialog', async (dialog) => {
      result.dialogs.push({ type: dialog.type(), message: dialog.message() });
      await dialog.dismiss().catch(() => {});
    });
    page.on('pageerror', (error) => result.page_errors.push(String(error)));
    page.on('console', (message) => { if (message.type() === 'error') result.console_errors.push(message.text()); });

    if (plan.token) {
      // Without the token: the page is refused, and so is the API.
      const refused = await page.goto(pageUrl(), { timeout: WAIT_MS });
      result.without_token = {
        page_status: refused.status(),
        heading: await page.textContent('h1'),
        api_status: await page.evaluate(async () => (await fetch('/api/appearances')).status),
      };
      const withToken = new URL(url);
      withToken.searchParams.set('token', plan.token);
      const response = await page.goto(withToken.href, { timeout: WAIT_MS });
      result.with_token = { page_status: response.status() };
    } else {
      await page.goto(pageUrl(), { timeout: WAIT_MS });
    }
    await waitReady(page, 'latest');
    result.address_after_load = page.url();
    result.rows = await page.$$eval('tr[data-appearance]', (rows) => rows.map((row) => ({
      id: row.dataset.appearance,
      verdict: row.dataset.verdict,
      target: row.querySelector('a.target').textContent,
      title: row.querySelector('.video-title').textContent,
      author: row.querySelector('.author').textContent,
      when: row.querySelector('.when').textContent,
      score: row.querySelector('.score').textContent,
    })));
    await settleImages(page);

    if (plan.thumbnail) {
      const row = `tr[data-appearance="${plan.thumbnail}"]`;
      await page.waitForFunction((selector) => {
        const img = document.querySelector(selector + ' img.thumb');
        return img && (img.naturalWidth > 0 || img.classList.contains('broken'));
      }, row, { timeout: WAIT_MS });
      result.thumbnail = await page.$eval(row + ' img.thumb', (img) => ({
        natural_width: img.naturalWidth, natural_height: img.naturalHeight, src_scheme: img.src.split(':')[0],
      }));
    }

    if (plan.confirm) {
      const row = `tr[data-appearance="${plan.confirm}"]`;
      const response = page.waitForResponse((r) => r.url().includes('/verdict'), { timeout: WAIT_MS });
      await page.click(row + ' button.confirm');
      result.confirm_response_status = (await response).status();
      await page.waitForFunction((selector) => document.querySelector(selector).dataset.verdict === 'confirmed',
        row, { timeout: WAIT_MS });
      result.confirm = await page.$eval(row, (tr) => ({
        verdict: tr.dataset.verdict,
        badge: tr.querySelector('.badge').textContent,
        pressed: tr.querySelector('button.confirm').getAttribute('aria-pressed'),
      }));
    }

    if (plan.screenshots) {
      fs.mkdirSync(plan.screenshots, { recursive: true });
      await page.screenshot({ path: path.join(plan.screenshots, 'latest.png'), fullPage: true });
      await open(page, '#/targets', 'targets');
      await page.screenshot({ path: path.join(plan.screenshots, 'targets.png'), fullPage: true });
      await open(page, '#/target/' + encodeURIComponent(plan.target || 'jesper'), 'target');
      await settleImages(page);
      await page.screenshot({ path: path.join(plan.screenshots, 'target.png'), fullPage: true });
      await open(page, '#/sources', 'sources');
      await page.screenshot({ path: path.join(plan.screenshots, 'sources.png'), fullPage: true });
    }

    if (plan.timeline_video !== undefined) {
      await open(page, '#/video/' + plan.timeline_video, 'video');
      result.timeline = {
        lanes: await page.$$eval('.lane', (lanes) => lanes.map((lane) => ({
          target: lane.querySelector('.lane-label').textContent,
          bars: [...lane.querySelectorAll('.bar')].map((bar) => ({
            left: parseFloat(bar.style.left), width: parseFloat(bar.style.width), verdict: bar.className.replace('bar ', ''),
          })),
        }))),
      };
      await page.click('.lane .bar');
      await page.waitForFunction(() => {
        const img = document.querySelector('.preview img');
        return img && (img.naturalWidth > 0 || img.classList.contains('broken'));
      }, null, { timeout: WAIT_MS });
      result.timeline.preview_width = await page.$eval('.preview img', (img) => img.naturalWidth);
      await settleImages(page);
      if (plan.screenshots) {
        await page.screenshot({ path: path.join(plan.screenshots, 'video.png'), fullPage: true });
      }
    }

    if (plan.hostile_video !== undefined) {
      await open(page, '#/video/' + plan.hostile_video, 'video');
      const title = page.locator('h1.video-title');
      result.hostile = {
        title_text: await title.textContent(),
        title_visible: await title.isVisible(),
        author_text: await page.textContent('#view .sub .author'),
        scripts_in_view: await page.$$eval('#view script', (nodes) => nodes.length),
        images_outside_thumbnails: await page.$$eval('#view img:not(.thumb):not(.frame)', (nodes) => nodes.length),
        links: await page.$$eval('#view a[href]', (links) => links.map((a) => a.getAttribute('href'))),
      };
      // Give an injected script or onerror handler time to fire, had one got in.
      await page.waitForTimeout(500);
    }
    result.dialog_count = result.dialogs.length;
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
  console.error('dashboard_check: ' + (error && error.stack ? error.stack : error));
  process.exit(1);
});
