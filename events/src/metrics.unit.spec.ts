import { describe, expect, it } from 'vitest';
import { register } from 'prom-client';
import { cachedFor, ScrapedGauge } from './metrics';

/** The gauge's samples as a scrape of the default registry shows them: `labels → value`. */
async function scrape(name: string): Promise<Record<string, number>> {
  const metric = await register.getSingleMetric(name)!.get();
  return Object.fromEntries(metric.values.map((v) => [JSON.stringify(v.labels), v.value]));
}

describe('ScrapedGauge', () => {
  it('shows, at each scrape, what every watched source reports now; a failing source is left out, an unwatched one is gone', async () => {
    const gauge = new ScrapedGauge('unit_scraped_things', 'test gauge', ['context']);
    let rental = 3;
    const stopRental = gauge.watch(async () => [{ labels: { context: 'rental' }, value: rental }]);
    let paymentFails = false;
    gauge.watch(() => {
      if (paymentFails) throw new Error('database down');
      return [{ labels: { context: 'payment' }, value: 7 }];
    });

    expect(await scrape('unit_scraped_things')).toEqual({ '{"context":"rental"}': 3, '{"context":"payment"}': 7 });
    rental = 0;
    paymentFails = true;
    expect(await scrape('unit_scraped_things')).toEqual({ '{"context":"rental"}': 0 });
    stopRental();
    expect(await scrape('unit_scraped_things')).toEqual({});
  });

  it('a second gauge of the same name (a module loaded twice) feeds the same metric', async () => {
    const first = new ScrapedGauge('unit_scraped_shared', 'test gauge', ['k']);
    const second = new ScrapedGauge('unit_scraped_shared', 'test gauge', ['k']);
    first.watch(() => [{ labels: { k: 'a' }, value: 1 }]);
    second.watch(() => [{ labels: { k: 'b' }, value: 2 }]);
    expect(await scrape('unit_scraped_shared')).toEqual({ '{"k":"a"}': 1, '{"k":"b"}': 2 });
  });
});

describe('cachedFor', () => {
  it('reuses a result within the period, asks again after it, and does not keep a failure', async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const read = cachedFor(
      1_000,
      async () => {
        calls += 1;
        if (fail) throw new Error('boom');
        return calls;
      },
      () => now,
    );
    expect(await read()).toBe(1);
    now = 999;
    expect(await read()).toBe(1);
    now = 1_000;
    fail = true;
    await expect(read()).rejects.toThrow('boom');
    fail = false;
    expect(await read()).toBe(3);
    expect(calls).toBe(3);
  });
});
