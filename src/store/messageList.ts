import { explainRawEngineText } from '../train/engineFailure.ts';
import type { AppMessage, MessageSeverity, NewAppMessage } from './types.ts';

/*
 * The message list as pure functions: what a message says once tidied, how repeats merge, when information fades.
 * statusSlice applies them; Messages.tsx only shows the result and runs the clock.
 */

/**
 * How long each kind of message stays after it was last raised. Information is read at a glance and goes; warnings
 * and errors stay until dismissed, because they ask for something to be done ("this tab's changes are not saved",
 * "export the model to keep it") and a user away from the screen must still find them. Repeats merge and a new
 * training run clears its topic, so staying does not mean stacking up.
 */
export const FADE_AFTER_MS: Record<MessageSeverity, number | null> = { info: 7_000, warning: null, error: null };

/** Keeps the list bounded; an app that errors in a loop must not grow without end. */
export const MAX_MESSAGES = 50;

/** Subjects whose messages belong to a training run; a new run clears them (see clearTopic). */
const TRAINING_SUBJECTS = new Set(['Training', 'Memory', 'GPU memory', 'Text encoder']);

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The message as it should read. Readers of files start their sentences with the file's name ("notes.txt: is
 * empty") while the caller also names the file as the subject, which showed "notes.txt: notes.txt: …"; the repeat is
 * dropped. Raw engine text ("Aborted(). Build with -sASSERTIONS…") in an error is said in plain words with the raw
 * text behind Details. Training subjects get the 'training' topic unless one was given.
 */
export function tidyMessage(m: NewAppMessage): NewAppMessage {
  let text = m.text;
  if (m.subject) {
    for (const name of new Set([m.subject, baseName(m.subject)])) {
      if (name && text.startsWith(`${name}: `)) {
        text = text.slice(name.length + 2);
        break;
      }
    }
  }
  let details = m.details;
  if (m.severity === 'error') {
    // Also when details were given: "The training worker stopped: TypeError: …" still shows raw text up front.
    const plain = explainRawEngineText(text, m.subject);
    if (plain) {
      text = plain.message;
      details = details ?? plain.details;
    }
  }
  const topic = m.topic ?? (m.subject && TRAINING_SUBJECTS.has(m.subject) ? 'training' : undefined);
  return { severity: m.severity, subject: m.subject, text, ...(details !== undefined ? { details } : {}), ...(topic !== undefined ? { topic } : {}) };
}

function sameMessage(a: NewAppMessage, b: NewAppMessage): boolean {
  return a.severity === b.severity && a.subject === b.subject && a.text === b.text && a.topic === b.topic;
}

/**
 * Adds a message, or counts a repeat of one already shown (same severity, subject, text and topic): it keeps its
 * place and id, its count goes up and its fade starts again. Returns the new list and the id the message has.
 */
export function addMessage(list: readonly AppMessage[], raw: NewAppMessage, newId: number, now: number): { list: AppMessage[]; id: number } {
  const m = tidyMessage(raw);
  const existing = list.find((e) => sameMessage(e, m));
  if (existing) {
    return {
      list: list.map((e) => (e === existing ? { ...e, count: e.count + 1, at: now, ...(m.details !== undefined ? { details: m.details } : {}) } : e)),
      id: existing.id,
    };
  }
  return { list: [...list, { ...m, id: newId, count: 1, at: now }].slice(-MAX_MESSAGES), id: newId };
}

/** When the message goes on its own; null for those that stay until dismissed. */
export function fadesAt(m: AppMessage): number | null {
  const after = FADE_AFTER_MS[m.severity];
  return after === null ? null : m.at + after;
}

/** The list without the messages whose time is up. */
export function withoutFaded(list: readonly AppMessage[], now: number): AppMessage[] {
  return list.filter((m) => {
    const t = fadesAt(m);
    return t === null || t > now;
  });
}

/** The earliest moment a message in the list fades; null when none will. */
export function nextFade(list: readonly AppMessage[]): number | null {
  let next: number | null = null;
  for (const m of list) {
    const t = fadesAt(m);
    if (t !== null && (next === null || t < next)) next = t;
  }
  return next;
}

/**
 * Gives every fading message a full period again from `now`: a message the user was reading (the pointer over the
 * message area) must not vanish the moment the pointer leaves.
 */
export function restartFades(list: readonly AppMessage[], now: number): AppMessage[] {
  return list.map((m) => (fadesAt(m) === null ? m : { ...m, at: now }));
}

/**
 * How recent a warning must be to belong to the run now starting: the run's own checks ("2 volumes of another kind
 * are left out of this run") are said a moment before it reports starting.
 */
export const SAME_RUN_MS = 5_000;

/**
 * The list without what the last run of a topic said that no longer holds: its errors, and its warnings older than
 * SAME_RUN_MS. Information is left to fade (a new run's own note, "this run starts afresh", must still be read).
 */
export function withoutTopic(list: readonly AppMessage[], topic: string, now: number): AppMessage[] {
  return list.filter((m) => m.topic !== topic || m.severity === 'info' || (m.severity === 'warning' && m.at >= now - SAME_RUN_MS));
}
