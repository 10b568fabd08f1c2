// Adapts Node's built-in node:sqlite (DatabaseSync) to the subset of the better-sqlite3
// interface that Kysely's SqliteDialect uses, so the embedded default needs no native build.

import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

type SqlValue = null | number | bigint | string | NodeJS.ArrayBufferView;

function toSqlValues(parameters: ReadonlyArray<unknown>): SqlValue[] {
  // node:sqlite binds only null, numbers, bigints, strings and buffers; booleans become 0/1.
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : (p as SqlValue)));
}

/** Distinct SQL texts kept prepared; beyond it, statements are prepared per use (queries are built from a bounded set of shapes). */
const STATEMENT_CACHE_SIZE = 1000;
/** How long a statement waits for another process's lock (ms), synchronously. */
const BUSY_TIMEOUT_MS = 5000;
const SQLITE_BUSY = 5;

/** True for SQLITE_BUSY ("database is locked"): another connection holds the lock. */
export function isSqliteBusy(error: unknown): boolean {
  const e = error as { errcode?: unknown; message?: unknown };
  return (typeof e.errcode === 'number' && (e.errcode & 0xff) === SQLITE_BUSY) || /database is locked/i.test(String(e.message));
}

/** Plain statements inside a synchronous write transaction (NodeSqliteDatabase.tryWriteTransaction). */
export interface SyncWriter {
  all(sql: string, parameters?: ReadonlyArray<unknown>): Record<string, unknown>[];
  run(sql: string, parameters?: ReadonlyArray<unknown>): void;
}

class NodeSqliteStatement implements SqliteStatement {
  readonly #stmt: StatementSync;
  readonly #prepareFresh: () => StatementSync;
  readonly reader: boolean;
  constructor(stmt: StatementSync, reader: boolean, prepareFresh: () => StatementSync) {
    this.#stmt = stmt;
    this.reader = reader;
    this.#prepareFresh = prepareFresh;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    // Plain objects, not null-prototype ones, so rows compare and spread like any other.
    return this.#stmt.all(...toSqlValues(parameters)).map((row) => ({ ...row }));
  }
  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#stmt.run(...toSqlValues(parameters));
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    // A stream outlives this call: it gets a statement of its own, so a second stream (or an
    // all()) of the same SQL can't reset it half-way.
    return this.#prepareFresh().iterate(...toSqlValues(parameters)) as IterableIterator<unknown>;
  }
}

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync;
  // node:sqlite keeps every prepared statement until the database closes, so preparing per
  // query grows memory without bound on a long-running server (and re-parses the SQL each
  // time): statements are prepared once per SQL text. all() and run() finish before they
  // return (the API is synchronous), so sharing one statement between callers is safe.
  readonly #statements = new Map<string, { stmt: StatementSync; reader: boolean }>();
  constructor(path: string) {
    this.#db = new DatabaseSync(path);
    // WAL lets readers and the writer work side by side; busy_timeout rides out brief locks
    // from a second process (the CLI while the server runs).
    this.#db.exec(
      `PRAGMA journal_mode = WAL; PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;`,
    );
  }
  /**
   * Runs `work` in a BEGIN IMMEDIATE transaction from start to commit without ever giving up
   * the thread, so no other query of this process can come in between, and without Kysely's
   * per-query overhead (the audit chain's hot path). Returns null at once, rather than waiting,
   * when another connection holds the write lock: node:sqlite would wait synchronously
   * (busy_timeout) and stall the whole event loop, so the caller waits with timers and retries.
   * The caller must hold Kysely's connection (db.connection()), so no Kysely transaction is open.
   * An error in `work` rolls back and is thrown.
   */
  tryWriteTransaction<T>(work: (writer: SyncWriter) => T): T | null {
    this.#db.exec('PRAGMA busy_timeout = 0');
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      if (isSqliteBusy(error)) return null;
      throw error;
    } finally {
      this.#db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    try {
      const result = work({
        all: (sql, parameters = []) => this.prepare(sql).all(parameters) as Record<string, unknown>[],
        run: (sql, parameters = []) => {
          this.prepare(sql).run(parameters);
        },
      });
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }
  prepare(sql: string): SqliteStatement {
    let cached = this.#statements.get(sql);
    if (cached === undefined) {
      const stmt = this.#db.prepare(sql);
      cached = { stmt, reader: stmt.columns().length > 0 };
      if (this.#statements.size < STATEMENT_CACHE_SIZE) this.#statements.set(sql, cached);
    }
    return new NodeSqliteStatement(cached.stmt, cached.reader, () => this.#db.prepare(sql));
  }
  /** How many SQL texts are kept prepared (for tests). */
  get preparedCount(): number {
    return this.#statements.size;
  }
  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}

const handles = new WeakMap<object, NodeSqliteDatabase>();

/** Remembers which node:sqlite database a Kysely instance runs on (database.ts, when it opens one). */
export function registerSqliteHandle(db: object, database: NodeSqliteDatabase): void {
  handles.set(db, database);
}

/** The node:sqlite database under a Kysely instance opened by database.ts, if it is one. */
export function sqliteHandleOf(db: object): NodeSqliteDatabase | undefined {
  return handles.get(db);
}
