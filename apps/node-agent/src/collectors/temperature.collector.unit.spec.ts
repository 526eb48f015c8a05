import pino from 'pino';
import { fixtureFileReader, type FileReader } from './file-reader';
import { SYS_TEMPERATURE_FILES, SYS_TEMPERATURE_LINKS } from './fixtures/sys.fixtures';
import { chipLabels, parseMillidegrees, TemperatureCollector } from './temperature.collector';

const logger = pino({ level: 'silent' });

describe('parseMillidegrees', () => {
  it('reads millidegrees as degrees Celsius', () => {
    expect(parseMillidegrees('45000\n')).toBe(45);
    expect(parseMillidegrees('-5500')).toBe(-5.5);
  });

  it('rejects anything else', () => {
    expect(() => parseMillidegrees('\n')).toThrow(/unexpected/);
    expect(() => parseMillidegrees('45.0')).toThrow(/unexpected/);
  });
});

describe('chipLabels', () => {
  it('names a chip by its name, adding the device (or else the hwmon directory) where names repeat', () => {
    const labels = chipLabels([
      { dir: 'hwmon1', name: 'coretemp', device: 'coretemp.0' },
      { dir: 'hwmon2', name: 'nvme', device: 'nvme0' },
      { dir: 'hwmon3', name: 'nvme', device: 'nvme1' },
      { dir: 'hwmon4', name: 'acpitz' },
      { dir: 'hwmon5', name: 'acpitz' },
    ]);
    expect([...labels.values()]).toEqual(['coretemp', 'nvme_nvme0', 'nvme_nvme1', 'acpitz_hwmon4', 'acpitz_hwmon5']);
  });
});

describe('TemperatureCollector', () => {
  it('reports every hwmon input and thermal zone, labelled', async () => {
    const sys = fixtureFileReader(SYS_TEMPERATURE_FILES, SYS_TEMPERATURE_LINKS);
    const samples = await new TemperatureCollector({ sys, logger }).collect();
    expect(samples).toEqual([
      { name: 'node_hwmon_temp_celsius', labels: { chip: 'acpitz', sensor: 'temp1' }, value: 27.8 },
      { name: 'node_hwmon_temp_celsius', labels: { chip: 'coretemp', sensor: 'Package id 0' }, value: 45 },
      { name: 'node_hwmon_temp_celsius', labels: { chip: 'coretemp', sensor: 'Core 0' }, value: 43 },
      { name: 'node_hwmon_temp_celsius', labels: { chip: 'nvme_nvme0', sensor: 'Composite' }, value: 38.85 },
      { name: 'node_hwmon_temp_celsius', labels: { chip: 'nvme_nvme0', sensor: 'Sensor 1' }, value: 38.85 },
      { name: 'node_hwmon_temp_celsius', labels: { chip: 'nvme_nvme1', sensor: 'Composite' }, value: 41.85 },
      { name: 'node_thermal_zone_temp_celsius', labels: { zone: '0', type: 'acpitz' }, value: 27.8 },
      { name: 'node_thermal_zone_temp_celsius', labels: { zone: '1', type: 'x86_pkg_temp' }, value: 45 },
    ]);
  });

  it('skips a sensor that cannot be read and discovers sensors only when the chips change', async () => {
    const fixture = fixtureFileReader(SYS_TEMPERATURE_FILES, SYS_TEMPERATURE_LINKS);
    const reads: string[] = [];
    const sys: FileReader = {
      ...fixture,
      read: async (p) => {
        reads.push(p);
        if (p === 'class/thermal/thermal_zone0/temp') throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
        return fixture.read(p);
      },
    };
    const collector = new TemperatureCollector({ sys, logger });
    const first = await collector.collect();
    expect(first.filter((s) => s.labels.zone === '0')).toEqual([]);
    expect(first).toHaveLength(7);
    reads.length = 0;
    await collector.collect();
    expect(reads.every((p) => p.endsWith('_input') || p.endsWith('/temp'))).toBe(true);
  });

  it('reports nothing, without error, where the host exposes no sensors', async () => {
    const emptyThermalClass = fixtureFileReader(
      {},
      { 'class/thermal/cooling_device0': '../../devices/virtual/thermal/cooling_device0' },
    );
    expect(await new TemperatureCollector({ sys: emptyThermalClass, logger }).collect()).toEqual([]);
  });
});
