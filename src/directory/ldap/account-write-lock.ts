// One write at a time per account. OpenLDAP's ppolicy overlay races when one entry is changed
// concurrently (a second change can fail with 16 noSuchAttribute or lose a history entry), and AD
// behaves better with one writer too. This serialises writes within one Nyckel process; writes to
// different accounts still run in parallel.

export class AccountWriteLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` after every earlier write to the same account has settled. */
  async run<T>(accountKey: string, work: () => Promise<T>): Promise<T> {
    const key = accountKey.toLowerCase();
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    try {
      await previous;
      return await work();
    } finally {
      release();
      // The last writer in the queue removes the entry, so the map doesn't grow with every account.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Accounts with a write queued or running (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
