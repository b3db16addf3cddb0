import type { StateCreator } from 'zustand';
import type { AppState } from './appStore.ts';
import type { AppMessage, Progress, SaveState } from './types.ts';

export interface StatusSlice {
  pushMessage: (m: Omit<AppMessage, 'id'>) => number;
  dismissMessage: (id: number) => void;
  setSaveState: (save: SaveState) => void;
  setProgress: (progress: Progress | null) => void;
}

let nextMessageId = 1;
/** Keeps the message list bounded; an app that errors in a loop must not grow without end. */
const MAX_MESSAGES = 50;

export const createStatusSlice: StateCreator<AppState, [], [], StatusSlice> = (set) => ({
  pushMessage: (m) => {
    const id = nextMessageId++;
    set((s) => ({ messages: [...s.messages, { ...m, id }].slice(-MAX_MESSAGES) }));
    return id;
  },
  dismissMessage: (id) => set((s) => ({ messages: s.messages.filter((m) => m.id !== id) })),
  setSaveState: (save) => set({ save }),
  setProgress: (progress) => set({ progress }),
});
