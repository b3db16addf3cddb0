import { expect, test } from '@playwright/test';
import { gunzipSync, gzipSync, strFromU8, unzipSync } from 'fflate';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { activeSummary, ARTIFACTS, DATASETS, paintStroke, REPO, shot, waitForSaved, waitForViewer } from './helpers.ts';

const PYTHON = '/usr/bin/python3';

/*
 * Labels out to nnU-Net and predictions back: paint a few slices of the demo, download the workspace as an nnU-Net
 * dataset and check its listing, dataset.json and ignore label; then import a prediction for a volume (as
 * nnU-Net's output folder holds it, with its dataset.json), review it and accept one slice, which becomes labels
 * marked imported. A file that fits no open volume is refused with a sentence. Reject another slice and reload: the
 * imported layer comes back as it was left, that slice still rejected.
 */
test('nnU-Net dataset export, then predictions imported and reviewed', async ({ page }) => {
  test.setTimeout(6 * 60_000);
  await page.goto('/');
  await waitForViewer(page);

  // Paint two slices of the first demo volume (it opens on a labeled slice; move to fresh ones first).
  for (let n = 0; n < 4; n++) await page.keyboard.press('ArrowUp');
  await paintStroke(page, 'viewport-axial');
  for (let n = 0; n < 3; n++) await page.keyboard.press('ArrowUp');
  await paintStroke(page, 'viewport-axial', [0.4, 0.45], [0.55, 0.5]);
  const painted = await activeSummary(page);
  expect(painted.labeledK.length).toBeGreaterThanOrEqual(2);

  // Export → nnU-Net dataset (.zip).
  await page.getByTestId('export-labels').click();
  await expect(page.getByTestId('export-nnunet')).toBeVisible();
  await expect(page.getByTestId('export-nnunet-pseudo')).toBeChecked();
  await page.getByTestId('export-nnunet-id').fill('42');
  await page.getByTestId('export-nnunet-name').fill('Liver demo');
  await shot(page, 'nnunet-export-menu');
  const download = page.waitForEvent('download');
  await page.getByTestId('export-nnunet').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('Dataset042_Liverdemo.zip');
  const zipPath = join(ARTIFACTS, 'Dataset042_Liverdemo.zip');
  await file.saveAs(zipPath);
  const files = unzipSync(readFileSync(zipPath));
  const names = Object.keys(files).sort();
  const json = JSON.parse(strFromU8(files['Dataset042_Liverdemo/dataset.json']!));
  const labelsTr = names.filter((n) => n.includes('/labelsTr/'));
  expect(json.numTraining).toBe(labelsTr.length);
  expect(json.file_ending).toBe('.nii.gz');
  const values = Object.values(json.labels as Record<string, number>).sort((a, b) => a - b);
  expect(values).toEqual(values.map((_, n) => n));
  expect(json.labels.ignore).toBe(Math.max(...values));
  for (const l of labelsTr) expect(names).toContain(l.replace('/labelsTr/', '/imagesTr/').replace('.nii.gz', '_0000.nii.gz'));
  // The painted volume is a training case; its label file is ignore outside the labeled slices.
  const caseName = painted.name.replace(/[^A-Za-z0-9_-]+/g, '_');
  const labelFile = gunzipSync(files[`Dataset042_Liverdemo/labelsTr/${caseName}.nii.gz`]!);
  const [ni, nj, nk] = painted.dims;
  const voxels = labelFile.subarray(352);
  const per = ni * nj;
  const unlabeled = [...Array(nk).keys()].find((k) => !painted.labeledK.includes(k))!;
  expect(voxels.subarray(unlabeled * per, (unlabeled + 1) * per).every((v) => v === json.labels.ignore)).toBe(true);
  const k0 = painted.labeledK[0]!;
  expect(voxels.subarray(k0 * per, (k0 + 1) * per).some((v) => v === json.labels.ignore)).toBe(false);
  writeFileSync(join(ARTIFACTS, 'nnunet-export-listing.txt'), `${names.join('\n')}\n\n${JSON.stringify(json, null, 2)}\n`);
  // The downloaded folder, unzipped, passes nnU-Net's integrity rules as nibabel reads it.
  if (spawnSync(PYTHON, ['-c', 'import nibabel']).status === 0) {
    const unzipped = join(ARTIFACTS, 'nnunet-export');
    rmSync(unzipped, { recursive: true, force: true });
    for (const [name, bytes] of Object.entries(files)) {
      mkdirSync(dirname(join(unzipped, name)), { recursive: true });
      writeFileSync(join(unzipped, name), bytes);
    }
    const check = spawnSync(PYTHON, [join(REPO, 'src/io/nnunet/testing/verify_nnunet_dataset.py'), join(unzipped, 'Dataset042_Liverdemo')], {
      encoding: 'utf8',
    });
    expect(check.stdout.trim()).toBe(`ok ${labelsTr.length}`);
  }

  // nnU-Net's answer for that case: class 1 in a square on every slice, same header (same grid), in an output folder.
  const prediction = labelFile.slice();
  const pv = prediction.subarray(352);
  pv.fill(0);
  for (let k = 0; k < nk; k++) for (let j = 30; j < 60; j++) pv.fill(1, k * per + j * ni + 30, k * per + j * ni + 60);
  const predDir = join(ARTIFACTS, 'nnunet-predictions');
  mkdirSync(predDir, { recursive: true });
  writeFileSync(join(predDir, `${caseName}.nii.gz`), gzipSync(prediction));
  writeFileSync(join(predDir, 'dataset.json'), JSON.stringify(json));
  await page.getByTestId('import-predictions').setInputFiles([join(predDir, `${caseName}.nii.gz`), join(predDir, 'dataset.json')]);
  await expect(page.getByTestId('app-message').filter({ hasText: 'Shown as the pseudo-label layer' })).toHaveCount(1);

  // Review: on an unlabeled slice the imported prediction can be accepted; it becomes labels marked imported.
  for (let n = 0; n < 5; n++) await page.keyboard.press('ArrowUp');
  const k = Number(await page.getByTestId('slice-scroller-axial').getAttribute('data-current'));
  expect(painted.labeledK).not.toContain(k);
  const review = page.getByText('Prediction imported from');
  if (!(await review.isVisible())) await page.getByRole('button', { name: 'Review' }).click();
  await expect(review).toBeVisible();
  await expect(page.getByTestId('accept-slice')).toBeEnabled();
  await shot(page, 'nnunet-imported-prediction');
  await page.getByTestId('accept-slice').click();
  const accepted = await page.evaluate((slice) => {
    const s = window.__pseudolab!.store.getState();
    const e = s.volumes[s.activeVolumeId!]!;
    const per = e.labels.dims[0] * e.labels.dims[1];
    return { provenance: e.labels.slices[2][slice], class1: e.committed.subarray(slice * per, (slice + 1) * per).filter((v) => v === 1).length };
  }, k);
  expect(accepted).toEqual({ provenance: 3, class1: 900 });
  await shot(page, 'nnunet-accepted-slice');

  // A label map of another grid and name fits no open volume: refused, with the reason.
  const foreign = join(DATASETS, 'hippocampus', 'labelsTr', 'hippocampus_001.nii.gz');
  if (existsSync(foreign)) {
    await page.getByTestId('import-predictions').setInputFiles(foreign);
    await expect(page.getByTestId('app-error').filter({ hasText: 'hippocampus_001.nii.gz' })).toContainText('no open volume has its grid');
    await shot(page, 'nnunet-prediction-refused');
  }

  // Reject another unlabeled slice, wait until storage holds the layer with that rejection, and reload.
  await page.keyboard.press('ArrowUp');
  const rejectedK = Number(await page.getByTestId('slice-scroller-axial').getAttribute('data-current'));
  expect([...painted.labeledK, k]).not.toContain(rejectedK);
  await page.getByTestId('reject-slice').click();
  await expect(page.getByText('No pseudo-label for this slice yet.')).toBeVisible();
  const volumeId = painted.id;
  const storedRejections = (): Promise<number[] | null> =>
    page.evaluate(
      (id) =>
        new Promise<number[] | null>((resolve) => {
          const open = indexedDB.open('pseudolab');
          open.onsuccess = () => {
            const get = open.result.transaction('runLayers').objectStore('runLayers').get(['imported', id, 'pseudo']);
            get.onsuccess = () => {
              open.result.close();
              resolve((get.result as { rejected?: number[] } | undefined)?.rejected ?? null);
            };
          };
        }),
      volumeId,
    );
  await expect.poll(storedRejections, { timeout: 20_000 }).toEqual([rejectedK]);
  await waitForSaved(page);
  await page.reload();
  await waitForViewer(page);
  const layerOf = (): Promise<{ imported: string | null; rejected: number[]; class1: number } | null> =>
    page.evaluate((id) => {
      const l = window.__pseudolab!.store.getState().training.predictions[id];
      return l ? { imported: l.imported ?? null, rejected: l.rejected, class1: l.labels.filter((v) => v === 1).length } : null;
    }, volumeId);
  // Every slice's square but the rejected one's: 900 voxels each.
  await expect.poll(layerOf, { timeout: 30_000 }).toEqual({ imported: `${caseName}.nii.gz`, rejected: [rejectedK], class1: 900 * (nk - 1) });
  // On screen: an unreviewed slice shows the imported layer again, the rejected one shows none.
  const goTo = async (target: number): Promise<void> => {
    for (let n = 0; n < 2 * nk; n++) {
      const at = Number(await page.getByTestId('slice-scroller-axial').getAttribute('data-current'));
      if (at === target) return;
      await page.keyboard.press(at < target ? 'ArrowUp' : 'ArrowDown');
    }
  };
  if (!(await review.isVisible())) await page.getByRole('button', { name: 'Review' }).click();
  const unreviewed = [...Array(nk).keys()].find((x) => Math.abs(x - rejectedK) <= 4 && ![...painted.labeledK, k, rejectedK].includes(x))!;
  await goTo(unreviewed);
  await expect(page.getByText(`Prediction imported from ${caseName}.nii.gz.`)).toBeVisible();
  await shot(page, 'nnunet-imported-after-reload');
  await goTo(rejectedK);
  await expect(page.getByText('No pseudo-label for this slice yet.')).toBeVisible();
  await shot(page, 'nnunet-rejected-after-reload');
});
