// Network zones: named sets of CIDR ranges from the configuration (`networkZones`), and the
// question "is this client address in one of these zones?". Used for the first registration
// of a method (only from trusted networks) and for route groups such as the helpdesk pages.

import { CidrSet } from './client-ip.ts';

export class NetworkZones {
  readonly #zones = new Map<string, CidrSet>();

  /** Throws with the zone's name when a range is not valid (the config schema only checks the shape). */
  constructor(zones: Readonly<Record<string, readonly string[]>>) {
    for (const [name, cidrs] of Object.entries(zones)) {
      try {
        this.#zones.set(name, new CidrSet(cidrs));
      } catch (error) {
        throw new Error(`networkZones.${name}: ${(error as Error).message}`);
      }
    }
  }

  get names(): string[] {
    return [...this.#zones.keys()];
  }

  has(name: string): boolean {
    return this.#zones.has(name);
  }

  /** The names of every zone containing `ip`. */
  zonesOf(ip: string): string[] {
    return [...this.#zones].filter(([, set]) => set.has(ip)).map(([name]) => name);
  }

  /** True when `ip` is in at least one of `names`. An unknown name matches nothing (deny by default). */
  isInAny(ip: string, names: readonly string[]): boolean {
    return names.some((name) => this.#zones.get(name)?.has(ip) === true);
  }
}
