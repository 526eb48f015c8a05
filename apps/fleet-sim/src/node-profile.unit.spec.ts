import { NodeId } from '@vigil/contracts';
import { createNodeProfile } from './node-profile';

const opts = { seed: 42, namePrefix: 'sim' };

describe('createNodeProfile', () => {
  it('derives id and hostname from seed, prefix and index', () => {
    const profile = createNodeProfile(opts, 7);
    expect(profile.nodeId).toBe('sim-42-0007');
    expect(profile.hostname).toMatch(/^sim-(web|api|db|cache|batch)-07$/);
    expect(NodeId.safeParse(profile.nodeId).success).toBe(true);
  });

  it('is the same for the same seed and different for another seed', () => {
    expect(createNodeProfile(opts, 3)).toEqual(createNodeProfile(opts, 3));
    expect(createNodeProfile({ ...opts, seed: 43 }, 3).key).not.toBe(createNodeProfile(opts, 3).key);
  });

  it('makes every 5th node a GPU node, the first of them hot, and fills the data disk of some nodes', () => {
    const fleet = Array.from({ length: 20 }, (_, i) => createNodeProfile(opts, i));
    expect(fleet.filter((p) => p.gpuCount > 0).map((p) => p.index)).toEqual([4, 9, 14, 19]);
    expect(fleet.filter((p) => p.hotGpu).map((p) => p.index)).toEqual([4]);
    expect(fleet.find((p) => p.index === 4)?.hostname).toBe('sim-gpu-04');
    expect(fleet.filter((p) => p.dataDisk.fill).map((p) => p.index)).toEqual([2, 6, 10, 14, 18]);
    expect(new Set(fleet.map((p) => p.region)).size).toBeGreaterThan(2);
  });
});
