import { afterEach, describe, expect, it } from 'vitest';
import { installClock, realClock, SimulatedClock } from '../../../tools/local/clock';

describe('SimulatedClock', () => {
  it('starts at the given instant, runs on, and only jumps forward', async () => {
    const start = Date.UTC(2026, 10, 29, 2, 0, 0);
    const clock = new SimulatedClock(start);
    expect(clock.now() - start).toBeLessThan(50);
    await new Promise((r) => setTimeout(r, 30));
    expect(clock.now() - start).toBeGreaterThanOrEqual(25);
    clock.advanceTo(start + 86_400_000);
    expect(clock.now() - (start + 86_400_000)).toBeLessThan(50);
    clock.advanceTo(start);
    expect(clock.now()).toBeGreaterThanOrEqual(start + 86_400_000);
  });
});

describe('installClock', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  it('makes Date read the simulated clock and leaves explicit dates alone', () => {
    const RealDate = Date;
    const start = Date.UTC(2030, 0, 1, 12, 0, 0);
    restore = installClock(new SimulatedClock(start));
    expect(Math.abs(Date.now() - start)).toBeLessThan(50);
    const now = new Date();
    expect(Math.abs(now.getTime() - start)).toBeLessThan(50);
    expect(now).toBeInstanceOf(RealDate);
    expect(now instanceof Date).toBe(true);
    expect(new Date(0).toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(new Date('2026-03-01T00:00:00Z').getTime()).toBe(Date.UTC(2026, 2, 1));
    expect(Date.parse('2026-03-01T00:00:00Z')).toBe(Date.UTC(2026, 2, 1));
    expect(Date()).toContain('2030');
    restore();
    restore = undefined;
    expect(Date).toBe(RealDate);
    expect(new Date().getFullYear()).toBeLessThan(2030);
  });

  it('does nothing for the real clock and refuses to install two simulated clocks', () => {
    const RealDate = Date;
    installClock(realClock)();
    expect(Date).toBe(RealDate);
    restore = installClock(new SimulatedClock(0));
    expect(() => installClock(new SimulatedClock(0))).toThrow('a simulated clock is already installed in this process');
  });
});
