/**
 * Pinning a process to the n-th WebGPU adapter: what `svd sweep --devices` gives a webgpu job
 * (SVD_WEBGPU_DEVICE=n). Dawn's Node bindings choose an adapter only by its name (the `adapter=`
 * flag: the first adapter whose name contains the text), and have no call that lists adapters;
 * asked for a name no adapter has, they answer with the list ("Available adapters: * backend:
 * 'vulkan', name: '...'"), in the order they choose from. svd reads that list and turns index n
 * into the name of adapter n. Adapters with the same name (several GPUs of one model) cannot be
 * told apart that way: pinning to the second of them is refused, saying so, rather than letting
 * two jobs share the first.
 */
import { adapterFlags } from './webgpu-adapter.js';

/** Environment variable of a sweep job pinned to an adapter: its index in Dawn's list (0, 1, ...). */
export const DEVICE_ENV = 'SVD_WEBGPU_DEVICE';

/** A name no adapter has, which makes Dawn answer with its list of adapters. */
export const LIST_FLAG = 'adapter=\u0000svd: list the adapters';

/** One adapter of Dawn's list. */
export interface ListedAdapter {
  /** Dawn's backend for it, e.g. `vulkan`. */
  backend: string;
  /** Its name as Dawn matches it (Vulkan's deviceName), e.g. `NVIDIA H100 80GB HBM3`. */
  name: string;
}

/** What pinning to an index comes to: Dawn's flag for that adapter, or why it cannot be had. */
export type Pinned = { ok: true; index: number; flags: string[]; adapter: ListedAdapter } | { ok: false; why: string };

/** The adapters in Dawn's answer to a name it does not have (`message` of the error of requestAdapter), in Dawn's order. */
export function parseAdapterList(message: string): ListedAdapter[] {
  return [...message.matchAll(/^\s*\* backend: '([^']*)', name: '(.*)'\s*$/gm)].map((m) => ({ backend: m[1]!, name: m[2]! }));
}

/** `adapters` as one line for messages: `0 llvmpipe (LLVM 15.0.6, 256 bits) (vulkan), 1 ...`, or `none`. */
export function describeList(adapters: ListedAdapter[]): string {
  return adapters.length === 0 ? 'none' : adapters.map((a, i) => `${i} ${a.name} (${a.backend})`).join(', ');
}

/**
 * Dawn's flags for adapter `device` (SVD_WEBGPU_DEVICE, an index) of `adapters`, counted among
 * those whose name contains `nameFilter` (SVD_WEBGPU_ADAPTER) when it is set. Refused: an id
 * that is not an index, an index past the list, and an adapter Dawn's `adapter=` flag cannot
 * reach because an earlier one's name contains its name (identical GPUs).
 */
export function pinAdapter(adapters: ListedAdapter[], device: string, nameFilter: string | null): Pinned {
  const where = `${DEVICE_ENV}=${device}`;
  if (!/^\d+$/.test(device)) {
    return { ok: false, why: `${where}: webgpu pins a job to an adapter by its index in Dawn's list (0, 1, ...), not by a GPU UUID; adapters found: ${describeList(adapters)}` };
  }
  const candidates = nameFilter === null ? adapters : adapters.filter((a) => a.name.includes(nameFilter));
  const index = Number(device);
  const scope = nameFilter === null ? '' : ` whose name contains "${nameFilter}" (SVD_WEBGPU_ADAPTER)`;
  const adapter = candidates[index];
  if (adapter === undefined) {
    return { ok: false, why: `${where}: no adapter ${index}${scope}: Dawn found ${candidates.length} (${describeList(candidates)})${scope ? `; all adapters: ${describeList(adapters)}` : ''}` };
  }
  const first = adapters.findIndex((a) => a.name.includes(adapter.name));
  const own = adapters.indexOf(adapter);
  if (first !== own) {
    return {
      ok: false,
      why: `${where}: adapter ${own} ("${adapter.name}") cannot be chosen apart from adapter ${first} ("${adapters[first]!.name}"): Dawn's Node bindings choose an adapter by name only; adapters found: ${describeList(adapters)} (give each job its GPU outside svd instead, e.g. a container per GPU with NVIDIA_VISIBLE_DEVICES)`,
    };
  }
  return { ok: true, index, flags: [`adapter=${adapter.name}`], adapter };
}

/** The part of the `webgpu` package's create() this module calls. */
export type DawnCreate = (flags: string[]) => { requestAdapter(options?: { powerPreference?: string }): Promise<unknown> };

/**
 * Dawn's list of adapters, asked by requesting one with a name none has (an empty list when it
 * answers otherwise), with the power preference svd requests its adapter with: Dawn lists the
 * adapters it then chooses among, in the order it tries them.
 */
export async function listAdapters(create: DawnCreate): Promise<ListedAdapter[]> {
  try {
    await create([LIST_FLAG]).requestAdapter({ powerPreference: 'high-performance' });
    return [];
  } catch (err) {
    return parseAdapterList(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Dawn's create() flags for this process: adapter `device` of Dawn's list when it is pinned
 * (SVD_WEBGPU_DEVICE), else the adapter named by `adapterName` (SVD_WEBGPU_ADAPTER), else none.
 */
export async function chooseAdapter(create: DawnCreate, adapterName: string | null, device: string | null): Promise<{ ok: true; flags: string[]; index: number | null } | { ok: false; why: string }> {
  if (device === null) return { ok: true, flags: adapterFlags(adapterName), index: null };
  const pinned = pinAdapter(await listAdapters(create), device, adapterName);
  return pinned.ok ? { ok: true, flags: pinned.flags, index: pinned.index } : pinned;
}
