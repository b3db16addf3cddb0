import { metaData } from '@cornerstonejs/core';

/**
 * Our images live only in memory, so we answer cornerstone's metadata queries for them ourselves. The
 * priority is above cornerstone's generic provider so our exact geometry wins over its defaults.
 */
const modulesByImageId = new Map<string, Record<string, unknown>>();
let installed = false;

export function installMetadataProvider(): void {
  if (installed) return;
  metaData.addProvider((type: string, imageId: string) => modulesByImageId.get(imageId)?.[type], 10_000);
  installed = true;
}

export function setImageMetadata(imageId: string, modules: Record<string, unknown>): void {
  modulesByImageId.set(imageId, modules);
}

export function forgetImageMetadata(imageIds: readonly string[]): void {
  for (const id of imageIds) modulesByImageId.delete(id);
}
