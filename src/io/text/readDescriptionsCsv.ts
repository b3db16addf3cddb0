import Papa from 'papaparse';
import { fileNameOf } from '../detectFormat.ts';
import type { Problem } from '../types.ts';

/** One described image as the CSV names it. */
export interface DescriptionRow {
  /** The image name as written in the CSV ("TCGA-21-5784-01Z-00-DX1.png"). */
  image: string;
  description: string;
  /** Row in the file as a spreadsheet numbers it: the header is row 1. */
  row: number;
}

export interface DescriptionTable {
  /** Path of the CSV as the user named it (problems and messages cite it). */
  file: string;
  /** descriptionKey(image) → the row; the first row wins when an image is named twice. */
  byName: Map<string, DescriptionRow>;
  problems: Problem[];
}

/** Column headers (compared without case, spaces or underscores) that name the image and hold the text. */
const IMAGE_HEADERS = new Set(['image', 'imagename', 'images', 'file', 'filename', 'name']);
const DESCRIPTION_HEADERS = new Set(['description', 'descriptions', 'text', 'caption', 'sentence', 'report']);
/** Excel writes ';' where the decimal separator is a comma, and TSV is common; the header line decides. */
const DELIMITERS = [',', ';', '\t'] as const;
/** Extensions a CSV may or may not write after an image name: "a.png", "a" and "a.PNG" all mean one image. */
const IMAGE_EXTENSION = /\.(nii\.gz|nii|png|jpe?g|tiff?|bmp|dcm)$/i;

/**
 * What an image is matched on: its file name without folders, image extension or case, so a CSV row "a",
 * "A.png" or "img/a.png" describes a.png.
 */
export function descriptionKey(name: string): string {
  return fileNameOf(name.trim().replace(/\\/g, '/')).replace(IMAGE_EXTENSION, '').toLowerCase();
}

const headerKey = (h: string): string =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');

function columnsOf(header: readonly string[]): { image: number; description: number } | null {
  const keys = header.map(headerKey);
  const image = keys.findIndex((k) => IMAGE_HEADERS.has(k));
  const description = keys.findIndex((k) => DESCRIPTION_HEADERS.has(k));
  return image >= 0 && description >= 0 && image !== description ? { image, description } : null;
}

const isBlank = (row: readonly string[]): boolean => row.every((f) => f.trim() === '');

/**
 * A CSV of per-image descriptions (LViT's MoNuSeg/QaTa `*_text.csv`: columns Image, Description) as a map from
 * image name to text. Quoting, commas and line breaks inside quotes and a BOM are the parser's (papaparse);
 * the delimiter (',' ';' or tab) is the one that splits the header into an image and a description column.
 * Never throws: a file without those columns, or a malformed row, becomes a problem naming the file and the
 * row, and every good row is kept.
 */
export function readDescriptionsCsv(content: string | Uint8Array, path: string): DescriptionTable {
  const name = fileNameOf(path);
  const table: DescriptionTable = { file: path, byName: new Map(), problems: [] };
  const problem = (message: string, severity: Problem['severity'] = 'warning'): void => {
    table.problems.push({ file: path, severity, message: `${name}: ${message}` });
  };
  // TextDecoder drops a UTF-8 BOM; a string may still start with one.
  const text = (typeof content === 'string' ? content : new TextDecoder().decode(content)).replace(/^\uFEFF/, '');

  let delimiter: string | null = null;
  let columns: { image: number; description: number } | null = null;
  for (const d of DELIMITERS) {
    const header = Papa.parse<string[]>(text, { delimiter: d, preview: 1 }).data[0] ?? [];
    columns = columnsOf(header);
    if (columns) {
      delimiter = d;
      break;
    }
  }
  if (!delimiter || !columns) {
    problem(
      'has no image column (Image, File or Filename) and description column (Description or Text) in its first row; no descriptions were read from it',
      'error',
    );
    return table;
  }

  const parsed = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: false });
  const badRows = new Map<number, string>();
  for (const e of parsed.errors) {
    if (e.row === undefined) continue;
    const why = e.code === 'MissingQuotes' ? 'a quoted field is never closed, so the rest of the file reads as one field' : e.message.toLowerCase();
    if (!badRows.has(e.row)) badRows.set(e.row, why);
  }
  const width = Math.max(columns.image, columns.description) + 1;
  const header = parsed.data[0] ?? [];
  for (let r = 1; r < parsed.data.length; r++) {
    const fields = parsed.data[r]!;
    const row = r + 1;
    if (isBlank(fields)) continue;
    const broken = badRows.get(r);
    if (broken) {
      problem(`row ${row}: ${broken}; the row was skipped`);
      continue;
    }
    if (fields.length < width) {
      problem(`row ${row}: has ${fields.length} field${fields.length === 1 ? '' : 's'} where the header has ${header.length}; the row was skipped`);
      continue;
    }
    const image = fields[columns.image]!.trim();
    let description = fields[columns.description]!;
    if (fields.length > header.length && columns.description === header.length - 1) {
      // An unquoted comma inside the last column: keep the whole sentence, but say how to write it.
      description = fields.slice(columns.description).join(delimiter);
      problem(
        `row ${row}: has ${fields.length} fields where the header has ${header.length}; the description was read up to the end of the row (put descriptions that contain "${delimiter}" in double quotes)`,
      );
    }
    description = description.trim();
    if (image === '') {
      problem(`row ${row}: names no image; the row was skipped`);
      continue;
    }
    if (description === '') continue; // an image listed without text is simply undescribed
    const key = descriptionKey(image);
    const first = table.byName.get(key);
    if (first) {
      if (first.description !== description) problem(`row ${row}: describes ${image} again (first in row ${first.row}); the first description is kept`);
      continue;
    }
    table.byName.set(key, { image, description, row });
  }
  return table;
}
