// Screenshots of TensorBoard tabs that need clicks (scripts/screenshot.sh takes
// the ones that do not). Needs playwright-core (npm) and Debian's chromium:
//   cd /tmp/pw && npm install playwright-core@1
//   NODE_PATH=/tmp/pw/node_modules node scripts/screenshot_tabs.js URL MODE OUT.png
// URL is a running TensorBoard (http://127.0.0.1:6006). MODE:
// - hparams: the HParams table, hiding constant hyperparameters and per-class AP
//   columns and showing macro F1, balanced accuracy, mAP and loss (the tab shows
//   the first five metric columns by tag order otherwise);
// - delta: the Images tab filtered to confusion_matrix/delta at actual size.
// docs/tensorboard-hparams.png: three `train_digits --lr {0.001,0.004,0.02}` runs
// under one logdir; docs/tensorboard-delta.png: `train_digits --epochs 3`, run val.
const { chromium } = require('playwright-core');
(async () => {
  const [url, mode, out] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1720, height: 500 } });
  if (mode === 'hparams') {
    await page.goto(url + '/#hparams');
    await page.waitForSelector('text=TABLE VIEW', { timeout: 30000 });
    await page.waitForSelector('text=Trial ID', { timeout: 30000 });
    const toggle = async (label, want) => {
      const box = page.locator('paper-checkbox', { hasText: new RegExp('^\\s*' + label.replace(/[./]/g, '\\$&') + '\\s*$') }).first();
      const checked = (await box.getAttribute('aria-checked')) === 'true';
      if (checked !== want) await box.click();
    };
    for (const ap of ['0', '1', '2', '3']) await toggle('confusion_matrix/ap/' + ap, false);
    for (const hp of ['hidden_units', 'lr_decay', 'epochs']) await toggle(hp, false);
    for (const m of ['confusion_matrix/macro_f1', 'confusion_matrix/balanced_accuracy', 'confusion_matrix/map', 'loss']) await toggle(m, true);
    await page.locator('text=Hyperparameters').first().scrollIntoViewIfNeeded();
    await page.waitForTimeout(2500);
  } else {
    await page.setViewportSize({ width: 1500, height: 980 });
    await page.goto(url + '/#images&tagFilter=confusion_matrix%2Fdelta');
    await page.waitForTimeout(6000);
    const filter = page.locator('input[placeholder*="Filter tags"]').first();
    if (await filter.count()) { await filter.fill('confusion_matrix/delta$'); }
    await page.locator('paper-checkbox', { hasText: 'Show actual image size' }).first().click();
    await page.waitForTimeout(4000);
  }
  await page.screenshot({ path: out });
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
