import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { Inventory } from '@vigil/contracts';
import { readHostFacts } from './host-facts';

/** This host's facts against what its own tools say (util-linux's lsblk, Node's os). */
describe('readHostFacts on this host', () => {
  it('reads the facts lsblk and the os module report, in a valid inventory', async () => {
    const facts = await readHostFacts();
    expect(facts.cpu.cores).toBe(os.cpus().length);
    expect(facts.cpu.physicalCores).toBeGreaterThan(0);
    expect(facts.cpu.physicalCores).toBeLessThanOrEqual(facts.cpu.cores);
    expect(facts.memoryBytes).toBe(os.totalmem());
    expect(facts.os.kernel).toBe(os.release());
    expect(facts.os.distro).not.toBe('');

    // Every disk lsblk lists with a size, but the virtual ones (zram, loop, ram), and no other.
    const lsblk = execFileSync('lsblk', ['-d', '-b', '-n', '-o', 'NAME,SIZE,TYPE'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([name, size, type]) => type === 'disk' && Number(size) > 0 && !/^(zram|loop|ram)/.test(name))
      .map(([name, size]) => ({ device: `/dev/${name}`, sizeBytes: Number(size) }));
    expect(facts.disks.map(({ device, sizeBytes }) => ({ device, sizeBytes }))).toEqual(
      lsblk.sort((a, b) => a.device.localeCompare(b.device)),
    );

    const external = Object.entries(os.networkInterfaces()).filter(([, list]) => list?.some((a) => !a.internal));
    for (const [name, list] of external) {
      expect(facts.interfaces).toContainEqual(
        expect.objectContaining({ name, ipv4: list!.filter((a) => a.family === 'IPv4').map((a) => a.address) }),
      );
    }
    expect(facts.interfaces.map((i) => i.name)).not.toContain('lo');

    const inventory = {
      nodeId: 'node-1',
      collectedAt: new Date().toISOString(),
      hostname: os.hostname(),
      agentVersion: '0.0.0',
      ...facts,
    };
    expect(Inventory.safeParse(inventory).success).toBe(true);
  });
});
