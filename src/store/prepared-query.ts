// Queries built once with Kysely and then run again and again with new values. The SQL text
// comes from Kysely's own compiler, so it is right for SQLite and PostgreSQL alike and every
// value stays a bound parameter; the hot path (a reset's flow rows, rate limits) skips the query
// builder and the compiler, which on SQLite cost more than running the query itself.

import { type Compilable, CompiledQuery, type QueryResult } from 'kysely';

/** Marks where a named input went among the compiled query's parameters. */
const MARK = '\u0000nyckel-parameter:';

type Slot<Name extends string> = { name: Name } | { value: unknown };

/** Anything that runs a compiled query: a Kysely instance or a transaction. */
interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

export class PreparedQuery<Name extends string, Row> {
  readonly #sql: string;
  readonly #slots: readonly Slot<Name>[];

  /**
   * `build` gets a stand-in for each named input and returns the query; it is called once. Each
   * name must end up as a bound parameter (not inlined into the SQL): checked here, so a query
   * that does not fit fails at the first use, never with values in the wrong places.
   */
  constructor(names: readonly Name[], build: (inputs: Record<Name, never>) => Compilable<Row>) {
    const inputs = Object.fromEntries(names.map((name) => [name, `${MARK}${name}`])) as Record<Name, never>;
    const compiled = build(inputs).compile();
    this.#sql = compiled.sql;
    this.#slots = compiled.parameters.map((value) =>
      typeof value === 'string' && value.startsWith(MARK) ? { name: value.slice(MARK.length) as Name } : { value },
    );
    for (const name of names) {
      if (!this.#slots.some((slot) => 'name' in slot && slot.name === name)) {
        throw new Error(`prepared query: the input "${name}" is not a bound parameter of: ${this.#sql}`);
      }
    }
    if (this.#sql.includes(MARK)) throw new Error(`prepared query: an input was written into the SQL text: ${this.#sql}`);
  }

  execute(db: QueryRunner, inputs: Record<Name, unknown>): Promise<QueryResult<Row>> {
    const parameters = this.#slots.map((slot) => ('name' in slot ? inputs[slot.name] : slot.value));
    return db.executeQuery(CompiledQuery.raw(this.#sql, parameters) as CompiledQuery<Row>);
  }
}
