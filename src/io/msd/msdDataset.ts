/**
 * The Medical Segmentation Decathlon layout: dataset.json naming its classes and modalities and listing
 * training cases as image/label path pairs relative to the json, under imagesTr/ and labelsTr/, and test
 * images under imagesTs/. nnU-Net v2's dataset.json (labels as name → value, `channel_names`, no case lists)
 * is read too; its cases are then paired by file name (see openMsdDataset).
 */
export interface MsdCase {
  image: string;
  label: string | null;
}

export interface MsdDataset {
  name: string;
  /** Folder of dataset.json ('' at the root), used to resolve case paths. */
  root: string;
  /** Label values and names, background (0) excluded. */
  classes: { value: number; name: string }[];
  /** Names of the image channels in order (MSD `modality`, nnU-Net `channel_names`), e.g. ["FLAIR", "T1w"]. */
  modalities: string[];
  /** Training cases as listed; empty when the json lists none. */
  cases: MsdCase[];
  /** Test images as listed (relative paths); empty when the json lists none. */
  tests: string[];
}

function dirOf(path: string): string {
  const n = path.lastIndexOf('/');
  return n < 0 ? '' : path.slice(0, n);
}

/** Resolves `relative` ("./imagesTr/x.nii.gz", "../y") against a folder, always with '/'. */
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

/** {"0": "FLAIR", "1": "T1w"} in key order. */
function orderedNames(value: unknown): string[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>)
    .filter(([k]) => /^\d+$/.test(k))
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, v]) => String(v));
}

/** Parses a dataset.json's text. Throws an Error naming dataset.json when it is not a dataset description. */
export function parseMsdDataset(text: string, jsonPath: string): MsdDataset {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`dataset.json: is not valid JSON (${(e as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('dataset.json: does not describe a dataset');
  const j = json as { name?: unknown; labels?: unknown; training?: unknown; test?: unknown; modality?: unknown; channel_names?: unknown };
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
  const tests = Array.isArray(j.test) ? (j.test as unknown[]).filter((t): t is string => typeof t === 'string') : [];
  return {
    name: typeof j.name === 'string' ? j.name : 'dataset',
    root: dirOf(jsonPath),
    classes,
    modalities: orderedNames(j.modality ?? j.channel_names),
    cases,
    tests,
  };
}
