import { describe, expect, test } from 'vitest';
import { isolatedSamples, newest } from './MetricsChart';

describe('the chart', () => {
  test('a sample with gaps on both sides is drawn as a point; samples in a run are not', () => {
    expect(isolatedSamples([null, 5, null, 1, 2, null, 7])).toEqual([1, 6]);
    expect(isolatedSamples([3])).toEqual([0]);
    expect(isolatedSamples([1, 2, 3])).toBeNull();
    expect(isolatedSamples([])).toBeNull();
  });

  test('away from the chart the legend shows the newest sample, and nothing when the newest time is a gap', () => {
    expect(newest([1, 2, 3])).toBe(3);
    expect(newest([1, 2, null])).toBeNull();
    expect(newest([])).toBeNull();
  });
});
