/**
 * A structure to segment. `value` is the voxel value in label maps and exported files; it never changes when
 * a class is renamed or reordered, so labels stay valid. The text fields feed text guidance later (TAK's
 * name, position and shape prompts; PromptSSL/DuSSS class prompts).
 */
export interface ClassDef {
  value: number;
  name: string;
  color: [number, number, number];
  /** Where the structure lies, e.g. "medial temporal lobe, anterior to the posterior hippocampus". */
  position: string;
  /** What it looks like, e.g. "curved, elongated, comma-shaped". */
  shape: string;
}

/** Distinct colours that stay visible over grey MR/CT and H&E pink (Tableau-like). */
export const CLASS_PALETTE: [number, number, number][] = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
  [0, 128, 128],
  [170, 110, 40],
];

export const MAX_CLASS_VALUE = 255;

export function nextClassValue(classes: readonly ClassDef[]): number {
  const used = new Set(classes.map((c) => c.value));
  for (let v = 1; v <= MAX_CLASS_VALUE; v++) if (!used.has(v)) return v;
  throw new Error('all 255 class values are in use');
}

export function defaultClassColor(value: number): [number, number, number] {
  return [...(CLASS_PALETTE[(value - 1) % CLASS_PALETTE.length] as [number, number, number])];
}

export function makeClass(value: number, name?: string): ClassDef {
  return { value, name: name ?? `Class ${value}`, color: defaultClassColor(value), position: '', shape: '' };
}

export function hexColor(c: [number, number, number]): string {
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export function parseHexColor(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!m) throw new Error(`not a colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}
