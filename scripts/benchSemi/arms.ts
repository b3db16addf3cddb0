/*
 * Arms of the comparison: a registered preset as it is ("mean-teacher"), or a variant of one that switches config
 * knobs ("mt-thr=mean-teacher:consistency.kind=pseudo-ce,consistency.threshold=0.9"), so a method switch is
 * measured as an arm of its own against the same seeds.
 */

export interface Arm {
  /** The arm's name in tables and run folders. */
  name: string;
  preset: string;
  /** `path=value` overrides, passed to train as `--set path=value` each (values are JSON, else strings). */
  settings: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const SETTING_START = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*=/;

/**
 * Parses one arm. Settings are split at commas that start a new `path=`, so a JSON value with commas
 * (`aug.scale=[0.9,1.1]`) stays whole.
 */
export function parseArm(text: string, knownPresets: readonly string[]): Arm {
  const eq = text.indexOf('=');
  const colon = text.indexOf(':');
  if (eq < 0 || (colon >= 0 && colon < eq)) {
    if (colon >= 0) throw new Error(`arm "${text}": a variant is NAME=PRESET:path=value,…`);
    return { name: checkName(text, text), preset: checkPreset(text, text, knownPresets), settings: [] };
  }
  const name = checkName(text.slice(0, eq), text);
  const rest = text.slice(eq + 1);
  const c = rest.indexOf(':');
  const preset = checkPreset(c < 0 ? rest : rest.slice(0, c), text, knownPresets);
  const settings: string[] = [];
  if (c >= 0) {
    for (const piece of rest.slice(c + 1).split(',')) {
      if (SETTING_START.test(piece) || settings.length === 0) settings.push(piece);
      else settings[settings.length - 1] += `,${piece}`;
    }
    for (const s of settings) if (!SETTING_START.test(s)) throw new Error(`arm "${text}": "${s}" is not path=value`);
  }
  return { name, preset, settings };
}

/** Every arm of a space-separated list; two arms may not share a name (their runs would share folders). */
export function parseArms(list: string, knownPresets: readonly string[]): Arm[] {
  const arms = list
    .split(/\s+/)
    .filter((s) => s.length > 0)
    .map((s) => parseArm(s, knownPresets));
  if (arms.length === 0) throw new Error('no presets given');
  const seen = new Set<string>();
  for (const a of arms) {
    if (seen.has(a.name)) throw new Error(`two arms are named "${a.name}"`);
    seen.add(a.name);
  }
  return arms;
}

function checkName(name: string, text: string): string {
  if (!NAME.test(name)) throw new Error(`arm "${text}": the name "${name}" must be letters, digits, '-', '_' or '.'`);
  return name;
}

function checkPreset(preset: string, text: string, known: readonly string[]): string {
  if (!known.includes(preset)) throw new Error(`arm "${text}": unknown preset "${preset}" (registered: ${known.join(', ')})`);
  return preset;
}
