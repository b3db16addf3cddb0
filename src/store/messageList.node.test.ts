import { describe, expect, it } from 'vitest';
import { createAppStore } from './appStore.ts';
import { addMessage, FADE_AFTER_MS, nextFade, restartFades, tidyMessage, withoutFaded, withoutTopic } from './messageList.ts';
import type { AppMessage } from './types.ts';

const T0 = 1_000_000;

describe('message list', () => {
  // Four stacked copies of one message once covered a button; a repeat must count, not stack.
  it('merges a repeat into one entry with a count, keeping its place and id', () => {
    let list: AppMessage[] = [];
    list = addMessage(list, { severity: 'error', subject: 'a.nii', text: 'cannot be read' }, 1, T0).list;
    list = addMessage(list, { severity: 'info', subject: null, text: 'Saved' }, 2, T0).list;
    const again = addMessage(list, { severity: 'error', subject: 'a.nii', text: 'cannot be read' }, 3, T0 + 500);
    expect(again.id).toBe(1);
    expect(again.list).toHaveLength(2);
    expect(again.list[0]).toMatchObject({ id: 1, count: 2, at: T0 + 500 });
    const third = addMessage(again.list, { severity: 'error', subject: 'a.nii', text: 'cannot be read' }, 4, T0 + 900);
    expect(third.list[0]!.count).toBe(3);
  });

  it('keeps messages apart when subject, severity or text differ', () => {
    let list: AppMessage[] = [];
    list = addMessage(list, { severity: 'error', subject: 'a.nii', text: 'cannot be read' }, 1, T0).list;
    list = addMessage(list, { severity: 'error', subject: 'b.nii', text: 'cannot be read' }, 2, T0).list;
    list = addMessage(list, { severity: 'warning', subject: 'a.nii', text: 'cannot be read' }, 3, T0).list;
    expect(list.map((m) => m.count)).toEqual([1, 1, 1]);
  });

  // Information is read at a glance and must leave on its own; an error asks for action and must stay.
  it('fades information after its time; warnings and errors stay until dismissed', () => {
    let list: AppMessage[] = [];
    list = addMessage(list, { severity: 'info', subject: null, text: 'The demo closed' }, 1, T0).list;
    list = addMessage(list, { severity: 'warning', subject: null, text: 'Changes here are not saved' }, 2, T0).list;
    list = addMessage(list, { severity: 'error', subject: null, text: 'Broken' }, 3, T0).list;
    const info = FADE_AFTER_MS.info!;
    expect(info).toBeGreaterThanOrEqual(5_000);
    expect(info).toBeLessThanOrEqual(10_000);
    expect(withoutFaded(list, T0 + info - 1)).toHaveLength(3);
    expect(withoutFaded(list, T0 + info).map((m) => m.severity)).toEqual(['warning', 'error']);
    expect(withoutFaded(list, T0 + 3_600_000).map((m) => m.severity)).toEqual(['warning', 'error']);
    expect(nextFade(list)).toBe(T0 + info);
    expect(nextFade(withoutFaded(list, T0 + info))).toBeNull();
  });

  it('restarts the fade of a repeat and of messages the user was reading', () => {
    let list: AppMessage[] = addMessage([], { severity: 'info', subject: null, text: 'Saved' }, 1, T0).list;
    list = addMessage(list, { severity: 'info', subject: null, text: 'Saved' }, 2, T0 + 5_000).list;
    expect(withoutFaded(list, T0 + FADE_AFTER_MS.info! + 1)).toHaveLength(1);
    const held = restartFades(list, T0 + 20_000);
    expect(withoutFaded(held, T0 + 20_000 + FADE_AFTER_MS.info! - 1)).toHaveLength(1);
  });

  it('says a file name once when the reader already started its sentence with it', () => {
    expect(tidyMessage({ severity: 'error', subject: 'notes.txt', text: 'notes.txt: is not an image' }).text).toBe('is not an image');
    expect(tidyMessage({ severity: 'error', subject: 'folder/notes.txt', text: 'notes.txt: is empty' }).text).toBe('is empty');
    expect(tidyMessage({ severity: 'error', subject: 'notes.txt', text: 'notes.txt is fine' }).text).toBe('notes.txt is fine');
  });

  it('puts raw engine text of an error behind details and says what to do', () => {
    const m = tidyMessage({ severity: 'error', subject: 'Training', text: 'training worker error: Aborted(). Build with -sASSERTIONS for more info.' });
    expect(m.text).not.toMatch(/ASSERTIONS|Aborted/);
    expect(m.text).toMatch(/press Start/);
    expect(m.details).toMatch(/ASSERTIONS/);
    // Raw text up front with the raw text as details too: said plainly, the given details kept.
    const crash = tidyMessage({
      severity: 'error',
      subject: 'Training',
      text: "The training worker stopped: TypeError: Cannot read properties of undefined (reading 'x')",
      details: 'stack…',
    });
    expect(crash.text).toMatch(/internal engine error/);
    expect(crash.details).toBe('stack…');
    // Already explained where it was raised: left as it is.
    const explained = tidyMessage({ severity: 'error', subject: 'Training', text: 'Training ran out of memory.', details: 'Aborted()' });
    expect(explained.text).toBe('Training ran out of memory.');
  });

  // A new run's status beside the last run's errors read as if the new run had failed.
  it("clears the last run of a topic: its errors and old warnings, not the new run's own notes", () => {
    let list: AppMessage[] = addMessage([], { severity: 'error', subject: 'Training', text: 'Out of memory' }, 1, T0).list;
    list = addMessage(list, { severity: 'error', subject: 'scan.nii', text: 'cannot be read' }, 2, T0).list;
    list = addMessage(list, { severity: 'warning', subject: 'Training', text: 'Stop took too long' }, 3, T0).list;
    const start = T0 + 60_000;
    list = addMessage(list, { severity: 'warning', subject: 'Training', text: '1 volume is left out of this run' }, 4, start - 10).list;
    list = addMessage(list, { severity: 'info', subject: 'Training', text: 'This run starts afresh' }, 5, start - 5).list;
    expect(list[0]!.topic).toBe('training');
    expect(withoutTopic(list, 'training', start).map((m) => m.text)).toEqual(['cannot be read', '1 volume is left out of this run', 'This run starts afresh']);
  });
});

describe('status slice', () => {
  it('counts repeats and fades through the store', () => {
    const store = createAppStore();
    const a = store.getState().pushMessage({ severity: 'info', subject: 'Review', text: 'Not ready yet' });
    const b = store.getState().pushMessage({ severity: 'info', subject: 'Review', text: 'Not ready yet' });
    expect(b).toBe(a);
    expect(store.getState().messages).toHaveLength(1);
    expect(store.getState().messages[0]!.count).toBe(2);
    store.getState().pushMessage({ severity: 'error', subject: 'Training', text: 'Stopped' });
    store.getState().fadeMessages(Date.now() + FADE_AFTER_MS.info! + 1);
    expect(store.getState().messages.map((m) => m.severity)).toEqual(['error']);
    store.getState().clearMessageTopic('training', Date.now());
    expect(store.getState().messages).toHaveLength(0);
  });
});
