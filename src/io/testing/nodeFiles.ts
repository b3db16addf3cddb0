import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { InputFile } from '../types.ts';

/** A file on disk as io sees it; `path` is relative to `root` when given (like a dropped folder). */
export function nodeFile(path: string, root?: string): InputFile {
  const rel = root ? relative(root, path).split('\\').join('/') : basename(path);
  return {
    path: rel,
    name: basename(path),
    size: statSync(path).size,
    read: async () => new Uint8Array(readFileSync(path)),
  };
}

/** Every file under a folder, with paths relative to the folder's parent (the folder name leads, as in a drop). */
export function nodeFolder(dir: string): InputFile[] {
  const root = join(dir, '..');
  const out: InputFile[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(nodeFile(p, root));
    }
  };
  walk(dir);
  return out;
}

/** In-memory bytes as an InputFile (corrupt-file tests). */
export function memoryFile(path: string, bytes: Uint8Array): InputFile {
  return { path, name: basename(path), size: bytes.length, read: async () => bytes };
}
