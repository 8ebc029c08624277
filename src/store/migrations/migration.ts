/** One schema step. Versions are consecutive integers from 1; a released migration never changes. */
export interface Migration {
  version: number;
  name: string;
  /** SQL script for each dialect (several statements, no parameters). */
  sqlite: string;
  postgres: string;
  /** Tables this migration creates, in creation order (reset drops them in reverse). */
  tables: readonly string[];
}
