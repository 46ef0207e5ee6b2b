/**
 * A pool of devices (GPU ids) handed out one per job: `acquire` resolves to a device no running
 * job holds, waiting (first come, first served) when all are taken; `release` gives it back.
 */

/** Devices held exclusively, one per holder. */
export class DevicePool {
  private readonly free: string[];
  private readonly waiting: Array<(device: string) => void> = [];
  private readonly held = new Set<string>();

  /** A pool of `devices` (distinct ids). */
  constructor(devices: readonly string[]) {
    if (new Set(devices).size !== devices.length) throw new Error(`device listed twice in ${devices.join(',')}`);
    this.free = [...devices];
  }

  /** A free device, once there is one. */
  acquire(): Promise<string> {
    const device = this.free.shift();
    if (device !== undefined) {
      this.held.add(device);
      return Promise.resolve(device);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives `device` back (to the longest waiter, if any). */
  release(device: string): void {
    if (!this.held.has(device)) throw new Error(`device ${device} is not held`);
    const next = this.waiting.shift();
    if (next) next(device);
    else {
      this.held.delete(device);
      this.free.push(device);
    }
  }
}
