import type { InputFile } from '../io/types.ts';

/** A browser File as io sees it; the relative path keeps folder structure (MSD layouts, DICOM folders). */
export function fromFile(file: File, path?: string): InputFile {
  return {
    path: path ?? (file.webkitRelativePath || file.name),
    name: file.name,
    size: file.size,
    read: async () => new Uint8Array(await file.arrayBuffer()),
  };
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Walks a dropped folder; readEntries returns at most 100 entries per call, so read until it returns none. */
async function walk(entry: FileSystemEntry, prefix: string, out: InputFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    out.push(fromFile(await entryFile(entry as FileSystemFileEntry), path));
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await readEntries(reader);
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, path, out);
  }
}

/** Files and whole folders from a drop, with relative paths. */
export async function filesFromDrop(dt: DataTransfer): Promise<InputFile[]> {
  const out: InputFile[] = [];
  const entries = [...dt.items].filter((i) => i.kind === 'file').map((i) => i.webkitGetAsEntry?.() ?? null);
  if (entries.length > 0 && entries.every((e) => e !== null)) {
    for (const e of entries) await walk(e!, '', out);
    return out;
  }
  return [...dt.files].map((f) => fromFile(f));
}
