/**
 * Puts rendered template values on a task for the time of one execute() call. DAG modules are cached
 * per file version, so the task object outlives the attempt: its fields are set, execute runs, and
 * the original (unrendered) values are put back, so the next attempt renders the templates again.
 * Attempts of the same task object in one process (the in-process executor) take turns. When a
 * field cannot be written (a frozen operator), execute runs on an object that inherits from the
 * task and carries the rendered values instead.
 */

const turns = new WeakMap<object, Promise<void>>();

export interface AppliedFields {
  /** The object to call execute on (the task itself, or a stand-in inheriting from it). */
  readonly target: object;
  /** Puts the original values back and lets the next attempt of this task proceed. Idempotent. */
  restore(): void;
}

export async function applyRenderedFields(task: object, rendered: ReadonlyMap<string, unknown>): Promise<AppliedFields> {
  if (rendered.size === 0) return { target: task, restore: () => undefined };
  const previous = turns.get(task) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  turns.set(task, previous.then(() => mine));
  await previous;

  const record = task as Record<string, unknown>;
  const saved: Array<{ field: string; own: PropertyDescriptor | undefined }> = [];
  let writable = true;
  for (const [field, value] of rendered) {
    const own = Object.getOwnPropertyDescriptor(task, field);
    try {
      if (own !== undefined && 'value' in own && own.writable !== true && own.configurable !== true) throw new TypeError('read-only');
      saved.push({ field, own });
      Object.defineProperty(task, field, { value, writable: true, enumerable: own?.enumerable ?? true, configurable: true });
    } catch {
      saved.pop();
      writable = false;
      break;
    }
  }
  const putBack = (): void => {
    for (const { field, own } of saved.reverse()) {
      try {
        if (own === undefined) delete record[field];
        else Object.defineProperty(task, field, own);
      } catch {
        // Restoring what we defined cannot fail unless user code froze the task meanwhile.
      }
    }
    saved.length = 0;
  };
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    putBack();
    release();
  };
  if (writable) return { target: task, restore };
  putBack();
  const standIn = Object.create(task) as Record<string, unknown>;
  for (const [field, value] of rendered) {
    Object.defineProperty(standIn, field, { value, writable: true, enumerable: true, configurable: true });
  }
  return { target: standIn, restore };
}
