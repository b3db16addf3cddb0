import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import type { InputFile } from '../types.ts';

/** io paths always use '/', as browsers report them. */
function slashes(path: string): string {
  return path.split(sep).join('/');
}

/**
 * A file on disk as io sees it. `path` is relative to `root` when given (as a dropped folder reports it),
 * else the bare name. Bytes are read when asked for, never before.
 */
export function nodeFile(path: string, root?: string): InputFile {
  return {
    path: root ? slashes(relative(root, path)) : basename(path),
    name: basename(path),
    size: statSync(path).size,
    read: async () => {
      const b = readFileSync(path);
      // A view of exactly this file's bytes: Node may hand out a slice of a larger pooled buffer.
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
  };
}

/**
 * Every file under a folder, recursively and in sorted order, with paths relative to the folder's parent so
 * the folder's own name leads ("Task04/imagesTr/x.nii.gz"), as when a folder is dropped in the browser.
 */
export function nodeFolder(dir: string): InputFile[] {
  const root = dirname(resolve(dir));
  const out: InputFile[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = resolve(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(nodeFile(p, root));
    }
  };
  walk(resolve(dir));
  return out;
}

/** Command-line style arguments: each path is a file (opened by name) or a folder (walked). */
export function nodeInputs(paths: string[]): InputFile[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? nodeFolder(p) : [nodeFile(p)]));
}

/** In-memory bytes as an InputFile, for damaged-file tests. */
export function memoryFile(path: string, bytes: Uint8Array): InputFile {
  return { path, name: path.slice(path.lastIndexOf('/') + 1), size: bytes.length, read: async () => bytes };
}
