/**
 * The Medical Segmentation Decathlon layout: dataset.json naming its classes and listing training cases as
 * image/label path pairs relative to the json, under imagesTr/ and labelsTr/. nnU-Net v2's dataset.json (labels
 * as name → value, no case list) is read too: its cases are paired by file name.
 */
export interface MsdCase {
  image: string;
  label: string | null;
}

export interface MsdDataset {
  name: string;
  /** Folder of dataset.json ('' at the root), used to resolve case paths. */
  root: string;
  classes: { value: number; name: string }[];
  cases: MsdCase[];
}

function dirOf(path: string): string {
  const n = path.lastIndexOf('/');
  return n < 0 ? '' : path.slice(0, n);
}

export function joinPath(root: string, relative: string): string {
  const parts = (root ? `${root}/${relative}` : relative).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return out.join('/');
}

export function parseMsdDataset(text: string, jsonPath: string): MsdDataset {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`dataset.json is not valid JSON (${(e as Error).message})`);
  }
  if (!json || typeof json !== 'object') throw new Error('dataset.json does not describe a dataset');
  const j = json as { name?: unknown; labels?: unknown; training?: unknown };
  const classes: { value: number; name: string }[] = [];
  if (j.labels && typeof j.labels === 'object') {
    for (const [k, v] of Object.entries(j.labels as Record<string, unknown>)) {
      // MSD: {"1": "Anterior"}; nnU-Net v2: {"Anterior": 1} (regions as arrays are not label values).
      const value = /^\d+$/.test(k) ? Number(k) : typeof v === 'number' ? v : NaN;
      const name = /^\d+$/.test(k) ? String(v) : k;
      if (Number.isInteger(value) && value > 0 && value <= 255) classes.push({ value, name });
    }
  }
  classes.sort((a, b) => a.value - b.value);
  const cases: MsdCase[] = [];
  if (Array.isArray(j.training)) {
    for (const t of j.training as unknown[]) {
      if (t && typeof t === 'object' && typeof (t as { image?: unknown }).image === 'string') {
        const label = (t as { label?: unknown }).label;
        cases.push({ image: (t as { image: string }).image, label: typeof label === 'string' ? label : null });
      }
    }
  }
  return { name: typeof j.name === 'string' ? j.name : 'dataset', root: dirOf(jsonPath), classes, cases };
}
