/**
 * Whether each collapsible sidebar section is open, remembered per browser so a clinician who folds away a
 * rarely-used panel does not have to fold it again on every visit. Storage may be unavailable (private mode,
 * quota, a sandboxed frame): then sections simply start at their defaults.
 */
const KEY_PREFIX = 'pseudolab.section.';

export function sectionStorageKey(id: string): string {
  return KEY_PREFIX + id;
}

/** Stored '1' / '0' wins over the default; anything else (absent, garbage) falls back to it. */
export function parseSectionOpen(stored: string | null, defaultOpen: boolean): boolean {
  if (stored === '1') return true;
  if (stored === '0') return false;
  return defaultOpen;
}

export function loadSectionOpen(id: string, defaultOpen: boolean): boolean {
  try {
    return parseSectionOpen(globalThis.localStorage?.getItem(sectionStorageKey(id)) ?? null, defaultOpen);
  } catch {
    return defaultOpen;
  }
}

export function saveSectionOpen(id: string, open: boolean): void {
  try {
    globalThis.localStorage?.setItem(sectionStorageKey(id), open ? '1' : '0');
  } catch {
    // Not remembering a fold is harmless.
  }
}
