/**
 * A generic named registry (after mmengine's Registry): entries are registered once by name and
 * looked up by name. An unknown name is an error naming the registry, the value and the known
 * names; a second registration of a name is an error naming where the first came from.
 */
import { SvdError } from './errors.js';

/** A name -> entry map with helpful errors. */
export class Registry<T> {
  private readonly entries = new Map<string, { entry: T; origin: string }>();

  /** @param kind what the registry holds, in words ("layer type", "dataset"). */
  constructor(readonly kind: string) {}

  /**
   * Registers `entry` under `name` and returns the registry (registrations chain); `origin` says
   * where it comes from, for the error a duplicate gets.
   */
  register(name: string, entry: T, origin = `the ${this.kind} registry`): this {
    const first = this.entries.get(name);
    if (first) {
      throw new SvdError('E_REGISTRY_DUPLICATE', `${this.kind} '${name}' is already registered (by ${first.origin}); cannot register it again from ${origin}`);
    }
    this.entries.set(name, { entry, origin });
    return this;
  }

  /** The entry for `name`, or an E_REGISTRY_UNKNOWN error listing the known names. */
  get(name: string): T {
    const found = this.entries.get(name);
    if (!found) {
      throw new SvdError('E_REGISTRY_UNKNOWN', `unknown ${this.kind} '${name}'; known: ${this.names().join(', ')}`);
    }
    return found.entry;
  }

  /** True when `name` is registered. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Registered names in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** [name, entry] pairs in registration order. */
  list(): Array<[string, T]> {
    return [...this.entries].map(([name, { entry }]) => [name, entry]);
  }
}
