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
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;');
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
