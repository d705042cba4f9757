import { describe, expect, it } from 'vitest';
import { partitionLag } from './consumer-lag';

describe('partitionLag', () => {
  it('is the end offset minus the committed one per partition; a partition never committed counts from its earliest offset', () => {
    const ends = [
      { partition: 0, high: '120', low: '0' },
      { partition: 1, high: '40', low: '10' },
      { partition: 2, high: '7', low: '0' },
    ];
    const commits = [
      { partition: 0, offset: '100' },
      { partition: 1, offset: '-1' },
      { partition: 2, offset: '7' },
    ];
    expect(partitionLag('rental-view.projection', 'rental.events', ends, commits)).toEqual([
      { labels: { group: 'rental-view.projection', topic: 'rental.events', partition: 0 }, value: 20 },
      { labels: { group: 'rental-view.projection', topic: 'rental.events', partition: 1 }, value: 30 },
      { labels: { group: 'rental-view.projection', topic: 'rental.events', partition: 2 }, value: 0 },
    ]);
  });

  it('is never negative (a commit read after a newer end offset) and covers partitions the group has no commit entry for', () => {
    expect(
      partitionLag(
        'g',
        't',
        [
          { partition: 0, high: '5', low: '0' },
          { partition: 1, high: '3', low: '1' },
        ],
        [{ partition: 0, offset: '6' }],
      ).map((s) => s.value),
    ).toEqual([0, 2]);
  });
});
