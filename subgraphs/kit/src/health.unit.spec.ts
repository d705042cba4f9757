import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from './env';
import { EventLoopWatchdog, livenessMaxEventLoopDelayFromEnv } from './health';

describe('EventLoopWatchdog (fake timers)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stays live while the heartbeat ticks on time, however long it runs', () => {
    vi.useFakeTimers();
    const watchdog = new EventLoopWatchdog({ maxDelayMs: 5000, now: () => Date.now() });
    vi.advanceTimersByTime(60_000);
    expect(watchdog.state()).toEqual({ live: true, stallMs: 0 });
    watchdog.stop();
  });

  it('is not live while a stall over the threshold is under a threshold old, then live again', () => {
    vi.useFakeTimers();
    const watchdog = new EventLoopWatchdog({ maxDelayMs: 5000, now: () => Date.now() });
    vi.advanceTimersByTime(3000);
    // The loop is blocked 7 s: the clock moves, no timer runs.
    vi.setSystemTime(Date.now() + 7000);
    expect(watchdog.state().live).toBe(false); // a probe served before the late tick
    vi.advanceTimersByTime(1000); // the late tick runs and records the stall
    const stalled = watchdog.state();
    expect(stalled.live).toBe(false);
    expect(stalled.stallMs).toBeGreaterThan(5000);
    vi.advanceTimersByTime(5000);
    expect(watchdog.state()).toEqual({ live: true, stallMs: 0 });
    watchdog.stop();
  });

  it('ignores a stall shorter than the threshold', () => {
    vi.useFakeTimers();
    const watchdog = new EventLoopWatchdog({ maxDelayMs: 5000, now: () => Date.now() });
    vi.setSystemTime(Date.now() + 4000);
    vi.advanceTimersByTime(1000);
    expect(watchdog.state().live).toBe(true);
    watchdog.stop();
  });
});

describe('LIVENESS_MAX_EVENT_LOOP_DELAY_MS', () => {
  it('defaults to 5000 ms and reads a number of ms', () => {
    expect(livenessMaxEventLoopDelayFromEnv({})).toBe(5000);
    expect(livenessMaxEventLoopDelayFromEnv({ LIVENESS_MAX_EVENT_LOOP_DELAY_MS: '2500' })).toBe(2500);
  });

  it('refuses text, fractions and values under 100 ms, naming the variable', () => {
    for (const value of ['5s', '1.5', '50', '-1']) {
      expect(() => livenessMaxEventLoopDelayFromEnv({ LIVENESS_MAX_EVENT_LOOP_DELAY_MS: value })).toThrow(ConfigError);
      expect(() => livenessMaxEventLoopDelayFromEnv({ LIVENESS_MAX_EVENT_LOOP_DELAY_MS: value })).toThrow(/LIVENESS_MAX_EVENT_LOOP_DELAY_MS/);
    }
  });
});
