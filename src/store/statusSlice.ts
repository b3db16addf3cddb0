import type { StateCreator } from 'zustand';
import type { AppState } from './appStore.ts';
import { addMessage, restartFades, withoutFaded, withoutTopic } from './messageList.ts';
import type { NewAppMessage, Progress, SaveState } from './types.ts';

export interface StatusSlice {
  /** Shows a message, or counts a repeat of one already shown; returns its id. */
  pushMessage: (m: NewAppMessage) => number;
  dismissMessage: (id: number) => void;
  /** Drops the information whose time is up (`now` in ms since epoch). */
  fadeMessages: (now: number) => void;
  /** Starts the fade of every fading message again (the user was reading them). */
  holdMessages: (now: number) => void;
  /** Drops what the last run of a topic said (its errors, its older warnings); `now` in ms since epoch. */
  clearMessageTopic: (topic: string, now: number) => void;
  setSaveState: (save: SaveState) => void;
  setProgress: (progress: Progress | null) => void;
}

let nextMessageId = 1;

export const createStatusSlice: StateCreator<AppState, [], [], StatusSlice> = (set) => ({
  pushMessage: (m) => {
    let id = 0;
    set((s) => {
      const added = addMessage(s.messages, m, nextMessageId, Date.now());
      if (added.id === nextMessageId) nextMessageId++;
      id = added.id;
      return { messages: added.list };
    });
    return id;
  },
  dismissMessage: (id) => set((s) => ({ messages: s.messages.filter((m) => m.id !== id) })),
  fadeMessages: (now) =>
    set((s) => {
      const kept = withoutFaded(s.messages, now);
      return kept.length === s.messages.length ? s : { messages: kept };
    }),
  holdMessages: (now) => set((s) => ({ messages: restartFades(s.messages, now) })),
  clearMessageTopic: (topic, now) =>
    set((s) => {
      const kept = withoutTopic(s.messages, topic, now);
      return kept.length === s.messages.length ? s : { messages: kept };
    }),
  setSaveState: (save) => set({ save }),
  setProgress: (progress) => set({ progress }),
});
