/**
 * The first-run guide: its steps, which one the user is on, and whether it was dismissed. Pure, apart from the two
 * storage helpers, so the step logic is tested without React.
 */

export interface GuideProgress {
  /** Files of the user's own are open (not only the demo). */
  ownFiles: boolean;
  /** A class exists and is chosen for painting. */
  classChosen: boolean;
  /** At least one slice of the user's files is labeled. */
  labeled: boolean;
  /** Training has been started at least once in this session (any status but idle). */
  trained: boolean;
}

export interface GuideStep {
  title: string;
  text: string;
}

export const GUIDE_STEPS: readonly GuideStep[] = [
  { title: 'Open your files', text: 'Open files (Ctrl+O) or a folder, or drop them here. The demo makes room.' },
  { title: 'Pick a class', text: 'Under Classes, + Add the structure, name it, and choose it (keys 1–9).' },
  { title: 'Paint a few slices', text: 'Brush (B) it on 3–5 slices spread through the volume.' },
  { title: 'Start', text: 'Press Start under Training: the model labels the rest.' },
  { title: 'Review', text: 'Go to the most uncertain slice, accept or correct; Predict all, export.' },
];

/** The index of the first step not yet done; the last step (review) is never done, it is where the work goes on. */
export function currentGuideStep(p: GuideProgress): number {
  const done = [p.ownFiles, p.classChosen, p.ownFiles && p.labeled, p.trained];
  const first = done.findIndex((d) => !d);
  return first === -1 ? GUIDE_STEPS.length - 1 : first;
}

const DISMISSED_KEY = 'pseudolab.guide.dismissed';

/** Shown on a first visit; once dismissed it stays away until asked for again (top bar, or the "?" help). */
export function guideDismissed(): boolean {
  try {
    return globalThis.localStorage?.getItem(DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

export function rememberGuideDismissed(dismissed: boolean): void {
  try {
    if (dismissed) globalThis.localStorage?.setItem(DISMISSED_KEY, '1');
    else globalThis.localStorage?.removeItem(DISMISSED_KEY);
  } catch {
    // Storage unavailable: the guide comes back next visit, which is harmless.
  }
}
