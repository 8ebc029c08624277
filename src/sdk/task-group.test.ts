import { test, describe } from 'node:test';
import { strict as assert } from 'node:assert';
import { isUpdraftError } from '../common/errors.js';
import { dag } from './dag.js';
import { chain } from './dependencies.js';
import { EmptyOperator } from './operators/empty-operator.js';
import { taskGroup, isTaskGroup } from './task-group.js';
import { task } from './taskflow.js';

const ids = (set: ReadonlySet<string>): string[] => [...set].sort();
const empty = (taskId: string): EmptyOperator => new EmptyOperator({ taskId });

describe('task groups', () => {
  test('ids are prefixed, groups nest, prefixGroupId false keeps plain ids', () => {
    const d = dag({ dagId: 'groups' }, () => {
      taskGroup('extract', () => {
        empty('a');
        taskGroup('inner', () => { empty('b'); });
      });
      taskGroup({ groupId: 'flat', prefixGroupId: false }, () => { empty('c'); });
    });
    assert.deepEqual([...d.tasks.keys()], ['extract.a', 'extract.inner.b', 'c']);
    assert.deepEqual(d.getTask('extract.inner.b').taskGroupIds, ['extract', 'extract.inner']);
    assert.deepEqual(d.getTask('c').taskGroupIds, ['flat']);
    assert.deepEqual([...d.taskGroups.keys()], ['extract', 'extract.inner', 'flat']);
  });

  test('group defaultArgs sit between the DAG defaultArgs and the task options', () => {
    const d = dag({ dagId: 'g_args', defaultArgs: { retries: 1, queue: 'q1', owner: 'dag' } }, () => {
      taskGroup({ groupId: 'g', defaultArgs: { retries: 2, queue: 'q2' } }, () => {
        taskGroup({ groupId: 'h', defaultArgs: { retries: 3 } }, () => {
          new EmptyOperator({ taskId: 't', retries: 4 });
          empty('u');
        });
      });
    });
    const t = d.getTask('g.h.t').resolved;
    const u = d.getTask('g.h.u').resolved;
    assert.deepEqual([t.retries, t.queue, t.owner], [4, 'q2', 'dag']);
    assert.deepEqual([u.retries, u.queue, u.owner], [3, 'q2', 'dag']);
  });

  test('as upstream a group is its leaves, as downstream its roots', () => {
    const d = dag({ dagId: 'g_deps' }, () => {
      const start = empty('start');
      const g = taskGroup('g', () => {
        const a = empty('a');
        const b = empty('b');
        const c = empty('c');
        a.setDownstream([b, c]);
      });
      const end = empty('end');
      start.setDownstream(g);
      g.setDownstream(end);
      assert.ok(isTaskGroup(g));
      assert.deepEqual(g.roots.map((t) => t.taskId), ['g.a']);
      assert.deepEqual(g.leaves.map((t) => t.taskId), ['g.b', 'g.c']);
    });
    assert.deepEqual(ids(d.getTask('start').downstreamTaskIds), ['g.a']);
    assert.deepEqual(ids(d.getTask('end').upstreamTaskIds), ['g.b', 'g.c']);
  });

  test('duplicate group ids and group/task id clashes are rejected', () => {
    assert.throws(() => dag({ dagId: 'g_dup' }, () => {
      taskGroup('g', () => undefined);
      taskGroup('g', () => undefined);
    }), (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_DUPLICATE_TASK') && /task group with id "g"/.test((e as Error).message));
    assert.throws(() => dag({ dagId: 'g_clash' }, () => {
      empty('g');
      taskGroup('g', () => undefined);
    }), (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_DUPLICATE_TASK'));
  });

  test('taskGroup outside a DAG, bad options and async bodies are rejected', () => {
    assert.throws(() => taskGroup('g', () => undefined), (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_TASK_OUTSIDE_DAG'));
    assert.throws(() => dag({ dagId: 'g_bad' }, () => { taskGroup({ groupId: 'g', tooltp: 'x' } as never, () => undefined); }),
      /unknown option "tooltp" \(did you mean "tooltip"\?\)/);
    assert.throws(() => dag({ dagId: 'g_async' }, () => { taskGroup('g', (async () => undefined) as () => void); }),
      /body returned a Promise/);
  });
});

describe('chain()', () => {
  test('links each element to the next; lists fan out and in', () => {
    const d = dag({ dagId: 'chain' }, () => {
      chain(empty('a'), empty('b'), [empty('c'), empty('d')], empty('e'));
    });
    assert.deepEqual(ids(d.getTask('a').downstreamTaskIds), ['b']);
    assert.deepEqual(ids(d.getTask('b').downstreamTaskIds), ['c', 'd']);
    assert.deepEqual(ids(d.getTask('e').upstreamTaskIds), ['c', 'd']);
  });

  test('adjacent lists are linked pairwise and must have equal lengths', () => {
    const d = dag({ dagId: 'pairs' }, () => {
      chain([empty('a'), empty('b')], [empty('c'), empty('d')]);
    });
    assert.deepEqual(ids(d.getTask('a').downstreamTaskIds), ['c']);
    assert.deepEqual(ids(d.getTask('b').downstreamTaskIds), ['d']);
    assert.throws(() => dag({ dagId: 'uneven' }, () => {
      chain([empty('a'), empty('b')], [empty('c'), empty('d'), empty('e')]);
    }), (e: unknown) => isUpdraftError(e, 'UPDRAFT_ERR_INVALID_ARGUMENT')
      && /adjacent lists of different lengths \(2 at position 0, 3 at position 1\)/.test((e as Error).message));
  });

  test('accepts XComArgs and groups, and rejects anything else', () => {
    const make = task('make', () => 1);
    const d = dag({ dagId: 'chain_mixed' }, () => {
      chain(make(), taskGroup('g', () => { empty('x'); }), empty('end'));
    });
    assert.deepEqual(ids(d.getTask('make').downstreamTaskIds), ['g.x']);
    assert.deepEqual(ids(d.getTask('end').upstreamTaskIds), ['g.x']);
    assert.throws(() => dag({ dagId: 'chain_bad' }, () => { chain(empty('a'), 'b' as never); }),
      /chain\(\) got "b"; pass a task, the result of a TaskFlow call, a task group, or an array of them/);
  });
});
