// SPDX-License-Identifier: BSD-3-Clause
// Mode.Service from GJS: vfunc hooks and promisified start/stop. TAP output.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import Mode from 'gi://Mode?version=1.0';
import System from 'system';

Gio._promisify(Mode.Service.prototype, 'start_async', 'start_finish');
Gio._promisify(Mode.Service.prototype, 'stop_async', 'stop_finish');
Gio._promisify(Mode.Service.prototype, 'restart_async', 'restart_finish');
Gio._promisify(Mode.Service.prototype, 'remove_dependency_async', 'remove_dependency_finish');
Gio._promisify(Mode.Service.prototype, 'wait_any_async', 'wait_any_finish');
Gio._promisify(Mode.Queue.prototype, 'push_value_async', 'push_value_finish');
Gio._promisify(Mode.Queue.prototype, 'pop_value_async', 'pop_value_finish');

const events = [];

const Recorder = GObject.registerClass(class Recorder extends Mode.Service {
    vfunc_on_start(cancellable) {
        events.push(`${this.label}.on_start`);
        return true;
    }

    vfunc_on_stop(cancellable) {
        events.push(`${this.label}.on_stop`);
        return true;
    }
});

const Failing = GObject.registerClass(class Failing extends Mode.Service {
    vfunc_on_start(cancellable) {
        throw new GLib.Error(Mode.error_quark(), Mode.Error.FAILED, 'no port');
    }
});

const Later = GObject.registerClass(class Later extends Mode.Service {
    vfunc_on_start_async(cancellable, task) {
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            events.push('Later.done');
            task.return_boolean(true);
            return GLib.SOURCE_REMOVE;
        });
    }
});

// GJS runs JavaScript on its main thread only: a Mode.ServiceThread is
// driven from JS, but its hooks and thread functions are C (or Vala).
const LazyRecorder = GObject.registerClass(class LazyRecorder extends Mode.ServiceProxy {
    vfunc_create_service() {
        events.push('create');
        return new Recorder({label: 'Lazy'});
    }
});

const tests = [
    ['a JS task that throws fails its service once its task is let go of', async () => {
        const s = new Mode.Service({label: 'Thrower'});
        await s.start_async(null);
        s.spawn('thrower', () => {
            throw new RangeError('boom in a task');
        });
        // GJS logs the exception; the task it held goes with the next
        // collection, and the engine fails the task then
        System.gc();
        const deadline = GLib.get_monotonic_time() + 60 * 1000000;
        while (!s.crashed && GLib.get_monotonic_time() < deadline)
            GLib.MainContext.default().iteration(true);
        if (!s.crashed || !s.crash_reason.matches(Mode.error_quark(), Mode.Error.FAILED) ||
            !s.crash_reason.message.includes('thrower'))
            throw new Error(`not crashed as expected: ${s.crash_reason}`);
        if (s.get_n_tasks() !== 0)
            throw new Error('the task is still counted');
        await s.stop_async(null);
    }],
    ['a JS function for a service thread fails its call, and nothing crashes', async () => {
        // GJS refuses to run JS in the service's thread: the call fails
        // with an error that says why, its closure is freed here
        const t = Mode.ServiceThread.new();
        await t.start_async(null);
        let ran = false;
        const error = await new Promise((resolve, reject) => {
            t.call_async((svc, task) => {
                ran = true;
                task.return_boolean(true);
            }, null, (svc, res) => {
                try {
                    t.call_finish(res);
                    reject(new Error('the call succeeded'));
                } catch (e) {
                    resolve(e);
                }
            });
        });
        if (ran)
            throw new Error('JS ran in the service thread');
        if (!error.matches(Mode.error_quark(), Mode.Error.FAILED) ||
            !error.message.includes('JavaScript'))
            throw new Error(`wrong error: ${error}`);
        // and again: the first one's closure was freed in this thread
        await new Promise(resolve => {
            t.call_async(() => {}, null, (svc, res) => {
                try {
                    t.call_finish(res);
                } catch (e) {
                    resolve();
                }
            });
        });
        await t.stop_async(null);
        if (t.thread_running)
            throw new Error('the thread still runs');
    }],
    ['a tree of services as a graph, sorted and written as DOT', async () => {
        const root = new Recorder({label: 'Root'});
        const child = new Recorder({label: 'Child "quoted"'});
        root.add_dependency(child);
        const graph = root.beacon.as_graph();
        const order = graph.topsort().map(s => s.label);
        if (order.join(',') !== 'Child "quoted",Root')
            throw new Error(`topsort: ${order}`);
        const dot = graph.to_dot();
        if (!dot.startsWith('digraph') || !dot.includes('label="Child \\"quoted\\""'))
            throw new Error(`dot: ${dot}`);
    }],
    ['a C service thread is started and stopped from JS', async () => {
        const t = Mode.ServiceThread.new();
        if (t.thread_running)
            throw new Error('a thread before the start');
        if (t.thread_context === null || t.parent_context === null)
            throw new Error('no contexts');
        await t.start_async(null);
        if (!t.thread_running || t.state !== Mode.ServiceState.RUNNING)
            throw new Error(`state ${t.state}, thread ${t.thread_running}`);
        await t.stop_async(null);
        if (t.thread_running || t.state !== Mode.ServiceState.SHUTDOWN)
            throw new Error(`state ${t.state}, thread ${t.thread_running}`);
    }],
    ['a JS proxy makes its service on first use', async () => {
        events.length = 0;
        const p = new LazyRecorder();
        if (p.has_service())
            throw new Error('made at construction');
        if (p.label !== GObject.type_name(LazyRecorder.$gtype))
            throw new Error(`label ${p.label}`);
        await p.start_async(null);
        if (p.state !== Mode.ServiceState.RUNNING || p.get_service().label !== 'Lazy')
            throw new Error(`state ${p.state}`);
        await p.stop_async(null);
        const got = events.join(' ');
        if (got !== 'create Lazy.on_start Lazy.on_stop')
            throw new Error(`events: ${got}`);
    }],
    ['hooks run in order through awaited start and stop', async () => {
        events.length = 0;
        const a = new Recorder({label: 'A'});
        const b = new Recorder({label: 'B'});
        a.add_dependency(b);
        if (await a.start_async(null) !== true)
            throw new Error('start did not return true');
        if (a.state !== Mode.ServiceState.RUNNING)
            throw new Error(`state is ${a.state}`);
        await a.stop_async(null);
        const got = events.join(' ');
        if (got !== 'A.on_start B.on_start A.on_stop B.on_stop')
            throw new Error(`events: ${got}`);
    }],
    ['an error thrown in a hook surfaces from start', async () => {
        const f = new Failing();
        try {
            await f.start_async(null);
        } catch (e) {
            if (!e.matches(Mode.error_quark(), Mode.Error.FAILED) || e.message !== 'no port')
                throw new Error(`wrong error: ${e}`);
            if (!f.crashed)
                throw new Error('not crashed');
            return;
        }
        throw new Error('start succeeded');
    }],
    ['an async hook completes its task later', async () => {
        events.length = 0;
        const l = new Later();
        await l.start_async(null);
        if (events.join(' ') !== 'Later.done')
            throw new Error(`events: ${events}`);
        await l.stop_async(null);
    }],
    ['notify::state follows the lifecycle', async () => {
        const s = new Mode.Service({label: 'States'});
        const states = [];
        s.connect('notify::state', () => states.push(s.state));
        await s.start_async(null);
        await s.stop_async(null);
        const want = [Mode.ServiceState.STARTING, Mode.ServiceState.RUNNING,
            Mode.ServiceState.STOPPING, Mode.ServiceState.SHUTDOWN];
        if (states.join() !== want.join())
            throw new Error(`states: ${states}`);
    }],
    ['a crash marks the tree and emits crashed with the reason', async () => {
        const root = new Mode.Service({label: 'Root'});
        const leaf = new Mode.Service({label: 'Leaf'});
        root.add_dependency(leaf);
        await root.start_async(null);
        const reasons = [];
        root.connect('crashed', (_s, reason) => reasons.push(reason.message));
        leaf.crash(new GLib.Error(Mode.error_quark(), Mode.Error.FAILED, 'boom'));
        if (reasons.join() !== 'boom')
            throw new Error(`reasons: ${reasons}`);
        if (!root.should_stop || root.state !== Mode.ServiceState.CRASHED)
            throw new Error('root not crashed');
        if (root.crash_reason.message !== 'boom')
            throw new Error(`crash-reason: ${root.crash_reason}`);
        await root.stop_async(null);
    }],
    ['restart and remove_dependency', async () => {
        events.length = 0;
        const a = new Recorder({label: 'A'});
        const b = new Recorder({label: 'B'});
        a.add_dependency(b);
        await a.start_async(null);
        await a.restart_async(null);
        if (a.restart_count !== 1 || b.restart_count !== 1)
            throw new Error(`restart-count: ${a.restart_count} ${b.restart_count}`);
        await a.remove_dependency_async(b, null);
        if (b.state !== Mode.ServiceState.SHUTDOWN || a.get_dependencies().length !== 0)
            throw new Error('b not removed');
        if (b.beacon.get_parent() !== null)
            throw new Error('b still attached');
        try {
            await a.remove_dependency_async(b, null);
            throw new Error('removed twice');
        } catch (e) {
            if (!e.matches?.(Mode.error_quark(), Mode.Error.NOT_A_DEPENDENCY))
                throw e;
        }
        await a.stop_async(null);
    }],
    ['a task function completes its GTask later', async () => {
        const s = new Mode.Service({label: 'Tasks'});
        await s.start_async(null);
        let kept = null;
        s.spawn('later', (service, task) => {
            kept = task;
        });
        if (s.get_n_tasks() !== 1)
            throw new Error(`n_tasks is ${s.get_n_tasks()}`);
        await new Promise(resolve => {
            GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
                kept.return_boolean(true);
                resolve();
                return GLib.SOURCE_REMOVE;
            });
        });
        while (s.get_n_tasks() > 0)
            GLib.MainContext.default().iteration(true);
        if (s.crashed)
            throw new Error('crashed');
        await s.stop_async(null);
    }],
    ['a queue carries JS values in order, with back-pressure, and its stop ends a wait', async () => {
        const s = new Mode.Service({label: 'Owner'});
        await s.start_async(null);
        const q = new Mode.Queue({capacity: 2, service: s});
        const got = [];
        const producer = (async () => {
            for (let i = 0; i < 50; i++)
                await q.push_value_async(`item ${i}`, null);
        })();
        for (let i = 0; i < 50; i++)
            got.push(await q.pop_value_async(null));
        await producer;
        if (got.join() !== Array.from({length: 50}, (_, i) => `item ${i}`).join())
            throw new Error(`got ${got}`);
        const waiting = q.pop_value_async(null).then(() => 'popped', e => e.message);
        await s.stop_async(null);
        const outcome = await waiting;
        if (!outcome.includes('Owner'))
            throw new Error(`the wait ended with: ${outcome}`);
    }],
    ['wait_any says which event was set', async () => {
        const s = new Mode.Service({label: 'Waiter'});
        await s.start_async(null);
        const a = new Mode.Event();
        const b = new Mode.Event();
        GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
            b.set();
            return GLib.SOURCE_REMOVE;
        });
        // GJS leaves out the boolean of a call that throws: [index]
        const [index] = await s.wait_any_async([a, b], 10.0, null);
        if (index !== 1)
            throw new Error(`wait_any gave ${JSON.stringify(index)} (${typeof index})`);
        await s.stop_async(null);
    }],
];

const loop = new GLib.MainLoop(null, false);
let failed = 0;

(async () => {
    print(`1..${tests.length}`);
    for (const [i, [name, fn]] of tests.entries()) {
        try {
            await fn();
            print(`ok ${i + 1} - ${name}`);
        } catch (e) {
            failed++;
            print(`not ok ${i + 1} - ${name}`);
            print(`# ${e}`);
        }
    }
    loop.quit();
})();

loop.run();
imports.system.exit(failed > 0 ? 1 : 0);
