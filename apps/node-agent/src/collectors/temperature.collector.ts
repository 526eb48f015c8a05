import path from 'node:path';
import { type Labels, NodeMetric, type Sample } from '@vigil/contracts';
import { FailureStreaks } from '../failure-streaks';
import type { Collector, CollectorDeps } from './collector';
import type { FileReader } from './file-reader';
import { MissingSource } from './missing-source';

const HWMON = 'class/hwmon';
const THERMAL = 'class/thermal';

/** A temperature input under /sys and the sample it becomes. */
export interface TemperatureSensor {
  path: string;
  name: string;
  labels: Labels;
}

export interface HwmonChip {
  /** `hwmon3` */
  dir: string;
  /** The driver's name for the chip: `coretemp`, `nvme`, `k10temp`. */
  name: string;
  /** The device the chip belongs to (`nvme0`), where it has one. */
  device?: string;
}

/** Parses a sysfs temperature, in millidegrees Celsius (`45000\n`). */
export function parseMillidegrees(text: string): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new Error(`unexpected temperature: "${trimmed}"`);
  return Number(trimmed) / 1000;
}

/**
 * The `chip` label of each hwmon directory: the chip's name, followed by its device where
 * several chips share a name (two NVMe drives: `nvme_nvme0`, `nvme_nvme1`). hwmonN numbers follow
 * probe order, which can change between boots, so they stand in only for a chip without device.
 */
export function chipLabels(chips: readonly HwmonChip[]): Map<string, string> {
  const sharing = new Map<string, number>();
  for (const chip of chips) sharing.set(chip.name, (sharing.get(chip.name) ?? 0) + 1);
  return new Map(chips.map((c) => [c.dir, sharing.get(c.name) === 1 ? c.name : `${c.name}_${c.device ?? c.dir}`]));
}

/** Every temp<N>_input of every hwmon chip, labelled with its temp<N>_label (or `temp<N>`). */
async function discoverHwmon(sys: FileReader, dirs: readonly string[]): Promise<TemperatureSensor[]> {
  const chips = await Promise.all(
    dirs.map(async (dir) => {
      const at = `${HWMON}/${dir}`;
      const [name, device, entries] = await Promise.all([
        sys.read(`${at}/name`),
        sys.readLink(`${at}/device`),
        sys.list(at),
      ]);
      return { dir, name: name?.trim() || dir, device: device && path.basename(device), entries: entries ?? [] };
    }),
  );
  const chipLabel = chipLabels(chips);
  const sensors: TemperatureSensor[] = [];
  for (const chip of chips) {
    for (const entry of chip.entries) {
      const input = /^temp(\d+)_input$/.exec(entry);
      if (!input) continue;
      const label = await sys.read(`${HWMON}/${chip.dir}/temp${input[1]}_label`);
      sensors.push({
        path: `${HWMON}/${chip.dir}/${entry}`,
        name: NodeMetric.hwmonTempCelsius,
        labels: { chip: chipLabel.get(chip.dir) ?? chip.name, sensor: label?.trim() || `temp${input[1]}` },
      });
    }
  }
  return sensors;
}

/** The temp of every thermal_zone<N>, labelled with the zone number and its type. */
function discoverThermalZones(sys: FileReader, dirs: readonly string[]): Promise<TemperatureSensor[]> {
  return Promise.all(
    dirs.map(async (dir) => ({
      path: `${THERMAL}/${dir}/temp`,
      name: NodeMetric.thermalZoneTempCelsius,
      labels: {
        zone: dir.slice('thermal_zone'.length),
        type: (await sys.read(`${THERMAL}/${dir}/type`))?.trim() || dir,
      },
    })),
  );
}

/**
 * node_hwmon_temp_celsius{chip,sensor} and node_thermal_zone_temp_celsius{zone,type}, where the
 * host exposes them (bare metal mostly; VMs and containers usually not: no samples, no error).
 * Sensors are found again only when the lists of chips or zones change, so a run reads one
 * directory listing each and the values.
 */
export class TemperatureCollector implements Collector {
  readonly name = 'temperature';
  private sensors: TemperatureSensor[] = [];
  private discoveredFrom?: string;
  private readonly unreadable = new FailureStreaks();
  private readonly missing: MissingSource;

  constructor(private readonly deps: Pick<CollectorDeps, 'sys' | 'logger'>) {
    this.missing = new MissingSource(deps.logger, this.name);
  }

  async collect(): Promise<Sample[]> {
    const { sys } = this.deps;
    const chips = (await sys.list(HWMON)) ?? [];
    const zones = ((await sys.list(THERMAL)) ?? []).filter((dir) => /^thermal_zone\d+$/.test(dir));
    const listing = `${chips.join(',')}|${zones.join(',')}`;
    if (listing !== this.discoveredFrom) {
      this.sensors = [...(await discoverHwmon(sys, chips)), ...(await discoverThermalZones(sys, zones))];
      this.discoveredFrom = listing;
    }
    if (this.sensors.length === 0) return this.missing.noSamples('/sys/class/hwmon, /sys/class/thermal');
    const samples = await Promise.all(this.sensors.map((sensor) => this.read(sensor)));
    return samples.filter((sample) => sample !== undefined);
  }

  /**
   * A sensor that cannot be read right now (EIO or ENODATA from a drive asleep or a sensor not
   * ready, EINVAL from a disabled zone) is skipped, with one debug line per streak.
   */
  private async read(sensor: TemperatureSensor): Promise<Sample | undefined> {
    try {
      const text = await this.deps.sys.read(sensor.path);
      if (text === undefined) return undefined;
      const value = parseMillidegrees(text);
      this.unreadable.succeeded(sensor.path);
      return { name: sensor.name, labels: sensor.labels, value };
    } catch (e) {
      if (this.unreadable.failed(sensor.path))
        this.deps.logger.debug({ sensor: sensor.path, err: e }, 'temperature sensor unreadable; skipped');
      return undefined;
    }
  }
}
