import { describe, expect, it } from 'vitest';
import { HOLD_MAX_MS, holdMs, USER_QUIET_MS, UserActivity } from './userActivity.ts';

describe('training yields to the user', () => {
  it('holds until the user has been quiet, never longer than the cap', () => {
    expect(holdMs(1000, -Infinity, 1000)).toBe(0);
    expect(holdMs(1000, 900, 1000)).toBe(USER_QUIET_MS - 100);
    // Input just now, but the hold began long ago: only what is left of the cap.
    expect(holdMs(5000, 5000, 5000 - HOLD_MAX_MS + 30)).toBe(30);
  });

  it('a hold during steady input ends at the cap; Stop ends it at once', async () => {
    let now = 0;
    const activity = new UserActivity(
      () => now,
      async (ms) => {
        now += ms;
        activity.note();
      },
    );
    activity.note();
    await activity.hold(() => false);
    expect(now).toBe(HOLD_MAX_MS);
    const before = now;
    activity.note();
    await activity.hold(() => true);
    expect(now).toBe(before);
  });
});
