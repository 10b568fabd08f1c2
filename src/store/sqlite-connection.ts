// Adapts Node's built-in node:sqlite (DatabaseSync) to the subset of the better-sqlite3
// interface that Kysely's SqliteDialect uses, so the embedded default needs no native build.

import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

type SqlValue = null | number | bigint | string | NodeJS.ArrayBufferView;

function toSqlValues(parameters: ReadonlyArray<unknown>): SqlValue[] {
  // node:sqlite binds only null, numbers, bigints, strings and buffers; booleans become 0/1.
  return parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : (p as SqlValue)));
}

class NodeSqliteStatement implements SqliteStatement {
  readonly #stmt: StatementSync;
  readonly reader: boolean;
  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    // Plain objects, not null-prototype ones, so rows compare and spread like any other.
    return this.#stmt.all(...toSqlValues(parameters)).map((row) => ({ ...row }));
  }
  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#stmt.run(...toSqlValues(parameters));
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#stmt.iterate(...toSqlValues(parameters)) as IterableIterator<unknown>;
  }
}

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync;
  constructor(path: string) {
    this.#db = new DatabaseSync(path);
    // WAL lets readers and the writer work side by side; busy_timeout rides out brief locks
    // from a second process (the CLI while the server runs).
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;');
  }
  prepare(sql: string): SqliteStatement {
    return new NodeSqliteStatement(this.#db.prepare(sql));
  }
  close(): void {
    this.#db.close();
  }
}
