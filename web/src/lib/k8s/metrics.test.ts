import { describe, expect, test } from 'vitest';
import {
  BYTE_STEPS,
  axisMax,
  formatBytes,
  formatCpu,
  formatPercent,
  hasSamples,
  metricsTarget,
  pickRange,
  plotData,
  usageCellOf,
  type CurrentUsage,
  type Series,
} from './metrics';

function series(overrides: Partial<Series> = {}): Series {
  return {
    source: 'metricsServer',
    resolutionSeconds: 30,
    start: 1_700_000_000,
    end: 1_700_000_090,
    timestamps: [1_700_000_000, 1_700_000_030, 1_700_000_060, 1_700_000_090],
    cpu: [0.2, null, 0.25, 0.3],
    memory: [100 * 2 ** 20, 110 * 2 ** 20, null, 120 * 2 ** 20],
    ...overrides,
  };
}

const current: CurrentUsage = {
  cpu: { usage: 0.3, requests: 0.5, limits: 1, allocatable: null, capacity: null },
  memory: { usage: 120 * 2 ** 20, requests: 128 * 2 ** 20, limits: null, allocatable: null, capacity: null },
  timestamp: '2023-11-14T22:14:50Z',
};

describe('formatCpu', () => {
  test.each([
    [0.25, '250m'],
    [0.0005, '0.5m'],
    [0.0123, '12.3m'],
    [0.999, '999m'],
    [1, '1 core'],
    [1.5, '1.5 cores'],
    [12.345, '12.3 cores'],
    [0, '0'],
  ])('%s cores reads %s', (cores, text) => {
    expect(formatCpu(cores)).toBe(text);
  });

  test('uses the unit word it is given and a dash for an unknown value', () => {
    expect(formatCpu(2, (n) => `${n} 核`)).toBe('2 核');
    expect(formatCpu(null)).toBe('—');
    expect(formatCpu(Number.NaN)).toBe('—');
  });
});

describe('formatBytes', () => {
  test.each([
    [512, '512 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [128 * 2 ** 20, '128 MiB'],
    [104_857_600, '100 MiB'],
    [1.5 * 2 ** 30, '1.5 GiB'],
    [12.34 * 2 ** 30, '12.3 GiB'],
    [2 * 2 ** 40, '2 TiB'],
  ])('%s bytes reads %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  test('an unknown value is a dash, not zero', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(undefined)).toBe('—');
  });
});

test('percentages keep a decimal only below ten', () => {
  expect(formatPercent(4.26)).toBe('4.3%');
  expect(formatPercent(48.4)).toBe('48%');
  expect(formatPercent(130)).toBe('130%');
  expect(formatPercent(null)).toBe('—');
});

test('memory axis steps are powers of two in binary units, so ticks read 64 MiB or 1 GiB', () => {
  expect(BYTE_STEPS).toContain(64 * 2 ** 20);
  expect(BYTE_STEPS).toContain(2 ** 30);
  expect(BYTE_STEPS).not.toContain(100 * 2 ** 20);
  for (const step of BYTE_STEPS) expect(formatBytes(step)).toMatch(/^\d+ (B|KiB|MiB|GiB|TiB)$/);
});

describe('plotData', () => {
  test('keeps missing samples as gaps and adds flat request and limit lines', () => {
    const data = plotData(series(), current, 'cpu');
    expect(data.timestamps).toEqual([1_700_000_000, 1_700_000_030, 1_700_000_060, 1_700_000_090]);
    expect(data.lines.map((l) => l.id)).toEqual(['usage', 'requests', 'limits']);
    expect(data.lines[0]?.values).toEqual([0.2, null, 0.25, 0.3]);
    expect(data.lines[0]?.dashed).toBe(false);
    expect(data.lines[1]).toEqual({ id: 'requests', values: [0.5, 0.5, 0.5, 0.5], dashed: true });
    expect(data.lines[2]).toEqual({ id: 'limits', values: [1, 1, 1, 1], dashed: true });
  });

  test('leaves out levels that are not set instead of drawing them at zero', () => {
    const data = plotData(series(), current, 'memory');
    expect(data.lines.map((l) => l.id)).toEqual(['usage', 'requests']);
    expect(data.lines[0]?.values).toEqual([100 * 2 ** 20, 110 * 2 ** 20, null, 120 * 2 ** 20]);
    expect(plotData(series(), null, 'memory').lines.map((l) => l.id)).toEqual(['usage']);
  });

  test('pads a short value list with gaps so every line matches the times', () => {
    const data = plotData(series({ cpu: [0.1] }), null, 'cpu');
    expect(data.lines[0]?.values).toEqual([0.1, null, null, null]);
  });

  test('a node draws its allocatable line', () => {
    const node: CurrentUsage = { ...current, cpu: { usage: 1, requests: 2, limits: null, allocatable: 4, capacity: 4 } };
    const data = plotData(series(), node, 'cpu');
    expect(data.lines.map((l) => l.id)).toEqual(['usage', 'requests', 'allocatable']);
    expect(data.lines[2]?.values).toEqual([4, 4, 4, 4]);
  });

  test("several containers get their own lines, aligned to the pod's times", () => {
    const data = plotData(series(), current, 'cpu', [
      { name: 'app', current: null, series: series({ cpu: [0.15, null, 0.2, 0.25] }) },
      { name: 'sidecar', current: null, series: series({ timestamps: [1_700_000_030, 1_700_000_090], cpu: [0.04, 0.05] }) },
    ]);
    expect(data.lines.map((l) => l.id)).toEqual(['usage', 'container:app', 'container:sidecar', 'requests', 'limits']);
    expect(data.lines[1]?.values).toEqual([0.15, null, 0.2, 0.25]);
    expect(data.lines[2]?.values).toEqual([null, 0.04, null, 0.05]);
  });

  test('one container adds no line of its own (it would repeat the total)', () => {
    const data = plotData(series(), current, 'cpu', [{ name: 'app', current: null, series: series() }]);
    expect(data.lines.map((l) => l.id)).toEqual(['usage', 'requests', 'limits']);
  });

  test('the axis leaves headroom above the highest line and never collapses to zero', () => {
    expect(axisMax(plotData(series(), current, 'cpu'), 'cpu')).toBeCloseTo(1.15);
    expect(axisMax(plotData(series({ cpu: [null, null, null, null] }), null, 'cpu'), 'cpu')).toBeGreaterThan(0);
  });
});

test('a series of gaps only has no samples', () => {
  expect(hasSamples(series())).toBe(true);
  expect(hasSamples(series({ cpu: [null, null, null, null], memory: [null, null, null, null] }))).toBe(false);
  expect(hasSamples(null)).toBe(false);
});

describe('usageCellOf', () => {
  test('measures against requests first, then limits, then allocatable', () => {
    expect(usageCellOf(current.cpu)).toEqual({ usage: 0.3, requests: 0.5, limits: 1, percent: 60, of: 'requests' });
    expect(usageCellOf({ usage: 0.5, requests: null, limits: 2, allocatable: null, capacity: null })?.of).toBe('limits');
    expect(usageCellOf({ usage: 1, requests: null, limits: null, allocatable: 4, capacity: null })).toMatchObject({ percent: 25, of: 'allocatable' });
    expect(usageCellOf({ usage: 1, requests: null, limits: null, allocatable: null, capacity: null })).toMatchObject({ percent: null, of: null });
  });

  test('no sample is no cell', () => {
    expect(usageCellOf({ usage: null, requests: 1, limits: 1, allocatable: null, capacity: null })).toBeNull();
    expect(usageCellOf(null)).toBeNull();
  });
});

test('pickRange prefers the asked range, then 1h, then the shortest', () => {
  const short = { id: '15m', seconds: 900, source: 'metricsServer' } as const;
  const long = { id: '6h', seconds: 21_600, source: 'prometheus' } as const;
  const ranges = [short, { id: '1h', seconds: 3600, source: 'metricsServer' } as const, long];
  expect(pickRange(ranges, '6h')?.id).toBe('6h');
  expect(pickRange(ranges, '7d')?.id).toBe('1h');
  expect(pickRange([long, short], null)?.id).toBe('15m');
  expect(pickRange([], null)).toBeNull();
});

test('metricsTarget names the API path of the kinds that have metrics', () => {
  expect(metricsTarget({ group: '', resource: 'pods' }, 'web-1', 'shop')).toBe('pods/shop/web-1');
  expect(metricsTarget({ group: '', resource: 'nodes' }, 'worker-1', null)).toBe('nodes/worker-1');
  expect(metricsTarget({ group: 'apps', resource: 'deployments' }, 'web', 'shop')).toBe('workloads/deployments/shop/web');
  expect(metricsTarget({ group: 'batch', resource: 'jobs' }, 'backup', 'ops')).toBe('workloads/jobs/ops/backup');
  expect(metricsTarget({ group: '', resource: 'configmaps' }, 'x', 'shop')).toBeNull();
  expect(metricsTarget({ group: 'batch', resource: 'cronjobs' }, 'x', 'shop')).toBeNull();
});
