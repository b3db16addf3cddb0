import type { Volume } from '../../volume/Volume.ts';
import { fileNameOf, folderOf } from '../detectFormat.ts';
import type { Problem } from '../types.ts';
import { descriptionKey, type DescriptionTable } from './readDescriptionsCsv.ts';

/** A volume with the path it was opened from (for a DICOM series, its folder). */
export interface OpenedVolume {
  volume: Volume;
  path: string;
}

/** At most this many names in one message; the rest are counted. */
const NAMES_SHOWN = 5;

export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  return names.length > NAMES_SHOWN ? `${shown} and ${names.length - NAMES_SHOWN} more` : shown;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A CSV speaks for the images in and below its own folder; one at the top of a drop speaks for all of them. */
function inScope(table: DescriptionTable, path: string): boolean {
  const folder = folderOf(table.file);
  return folder === '' || path.startsWith(`${folder}/`);
}

/** The names a volume answers to in a CSV: its file (or series folder) name and the name the list shows. */
function keysOf(v: OpenedVolume): string[] {
  return [...new Set([descriptionKey(fileNameOf(v.path)), descriptionKey(v.volume.name)])];
}

interface Matched {
  /** The description each matched volume gets. */
  assigned: Map<Volume, string>;
  /** Per CSV: the images it names that are not among the volumes, and how many of its rows matched. */
  outcomes: { table: DescriptionTable; missing: string[]; matched: number }[];
}

/** Rows to volumes by name; the CSV nearest to an image wins (when `scoped`, a CSV reaches only below its folder). */
function matchDescriptions(tables: readonly DescriptionTable[], volumes: readonly OpenedVolume[], scoped: boolean): Matched {
  const nearestFirst = [...tables].sort((a, b) => b.file.split('/').length - a.file.split('/').length);
  const assigned = new Map<Volume, string>();
  const byKey = new Map<string, OpenedVolume[]>();
  for (const v of volumes) for (const k of keysOf(v)) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  const outcomes = nearestFirst.map((table) => {
    const missing: string[] = [];
    let matched = 0;
    for (const [key, row] of table.byName) {
      const targets = (byKey.get(key) ?? []).filter((v) => !scoped || inScope(table, v.path));
      if (targets.length === 0) {
        missing.push(row.image);
        continue;
      }
      matched++;
      for (const t of targets) if (!assigned.has(t.volume)) assigned.set(t.volume, row.description);
    }
    return { table, missing, matched };
  });
  return { assigned, outcomes };
}

/**
 * Sets `description` on each volume that a CSV opened with it names, matching by image name (folder, extension
 * and case aside); a CSV reaches the images in and below its folder, and the nearest one wins. Returns warnings
 * naming each CSV: the images it describes that were not opened, and the images beside it it has no row for.
 * The volumes are the fresh objects io just made, so they are written in place.
 */
export function attachDescriptions(tables: readonly DescriptionTable[], opened: readonly OpenedVolume[]): Problem[] {
  const { assigned, outcomes } = matchDescriptions(tables, opened, true);
  for (const [volume, description] of assigned) volume.description = description;
  const problems: Problem[] = [];
  for (const { table, missing, matched } of outcomes) {
    const name = fileNameOf(table.file);
    if (missing.length > 0) {
      problems.push({
        file: table.file,
        severity: 'warning',
        message: `${name}: describes ${plural(missing.length, 'image')} that ${missing.length === 1 ? 'was' : 'were'} not opened: ${listNames(missing)}`,
      });
    }
    // Only a CSV that fits the images at all is taken to speak for the ones it leaves out.
    const beside = opened.filter((v) => inScope(table, v.path));
    const undescribed = beside.filter((v) => !assigned.has(v.volume)).map((v) => v.volume.name);
    if (matched > 0 && undescribed.length > 0) {
      problems.push({
        file: table.file,
        severity: 'warning',
        message: `${name}: has no description for ${undescribed.length} of the ${plural(beside.length, 'image')} opened with it: ${listNames(undescribed)}`,
      });
    }
  }
  return problems;
}

/**
 * For CSVs opened on their own: the description each already open volume gets (by name, whatever folder the
 * CSV came from), and a message per CSV saying how many images it described and which it names that are not
 * open. Nothing is written; the caller sets the descriptions through the store.
 */
export function describeOpenVolumes(
  tables: readonly DescriptionTable[],
  volumes: readonly Volume[],
): { descriptions: { volumeId: string; description: string }[]; problems: Problem[]; summaries: { file: string; text: string }[] } {
  const opened = volumes.map((volume) => ({
    volume,
    path: volume.source.format === 'nifti' || volume.source.format === 'image' ? volume.source.fileName : volume.name,
  }));
  const { assigned, outcomes } = matchDescriptions(tables, opened, false);
  const problems: Problem[] = [];
  const summaries: { file: string; text: string }[] = [];
  for (const { table, missing, matched } of outcomes) {
    const name = fileNameOf(table.file);
    if (matched === 0) {
      problems.push({
        file: table.file,
        severity: 'warning',
        message: `${name}: names none of the open images (${listNames([...table.byName.values()].map((r) => r.image))}); no description was set`,
      });
      continue;
    }
    summaries.push({ file: table.file, text: `${name}: descriptions set for ${plural(matched, 'open image')}.` });
    if (missing.length > 0) {
      problems.push({
        file: table.file,
        severity: 'warning',
        message: `${name}: describes ${plural(missing.length, 'image')} that ${missing.length === 1 ? 'is' : 'are'} not open: ${listNames(missing)}`,
      });
    }
  }
  return { descriptions: [...assigned].map(([v, description]) => ({ volumeId: v.id, description })), problems, summaries };
}
