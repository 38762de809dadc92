// SPDX-License-Identifier: BSD-3-Clause
// Mode.Service from Vala: override hooks and yield start_async.

class Recorder : Mode.Service {
    public static string events = "";

    public override bool on_start (GLib.Cancellable? cancellable) throws GLib.Error {
        events += label + ".on_start ";
        return true;
    }

    public override bool on_stop (GLib.Cancellable? cancellable) throws GLib.Error {
        events += label + ".on_stop ";
        return true;
    }
}

class Failing : Mode.Service {
    public override bool on_start (GLib.Cancellable? cancellable) throws GLib.Error {
        throw new Mode.Error.FAILED ("no port");
    }
}

// Vala code runs in the service's thread, unlike GJS's.
class Worker : Mode.ServiceThread {
    public Thread<void*>? hook_thread = null;
    public int thread_started = 0;

    public override bool on_start (GLib.Cancellable? cancellable) throws GLib.Error {
        hook_thread = Thread.self<void*> ();
        return true;
    }

    public override void on_thread_started () {
        AtomicInt.inc (ref thread_started);
    }
}

class Lazy : Mode.ServiceProxy {
    public override Mode.Service create_service () {
        return new Recorder () { label = "Lazy" };
    }
}

async void run_thread_and_proxy (MainLoop loop) {
    var w = new Worker ();
    var p = new Lazy ();
    try {
        yield w.start_async (null);
        assert (w.thread_running);
        assert (w.hook_thread != Thread.self<void*> ());
        assert (AtomicInt.get (ref w.thread_started) == 1);

        Value v;
        yield w.call_async ((self, task) => {
            var answer = Value (typeof (int));
            answer.set_int (6 * 7);
            task.return_value (answer);
        }, null, out v);
        assert (v.get_int () == 42);
        yield w.stop_async (null);
        assert (!w.thread_running);

        assert (!p.has_service ());
        Recorder.events = "";
        yield p.start_async (null);
        assert (p.state == Mode.ServiceState.RUNNING);
        yield p.stop_async (null);
        assert (Recorder.events == "Lazy.on_start Lazy.on_stop ");
    } catch (GLib.Error e) {
        error ("thread and proxy failed: %s", e.message);
    }
    loop.quit ();
}

void test_thread_and_proxy () {
    var loop = new MainLoop (null, false);
    run_thread_and_proxy.begin (loop);
    loop.run ();
}

async void run_lifecycle (MainLoop loop) {
    var a = new Recorder () { label = "A" };
    var b = new Recorder () { label = "B" };
    a.add_dependency (b);
    bool crashed_signal = false;
    try {
        yield a.start_async (null);
        assert (a.state == Mode.ServiceState.RUNNING);
        assert (a.get_started ());
        yield a.stop_async (null);
        assert (a.state == Mode.ServiceState.SHUTDOWN);
        assert (b.state == Mode.ServiceState.SHUTDOWN);
    } catch (GLib.Error e) {
        error ("lifecycle failed: %s", e.message);
    }
    assert (Recorder.events == "A.on_start B.on_start A.on_stop B.on_stop ");

    Recorder.events = "";
    try {
        yield a.restart_async (null);
        assert (a.restart_count == 1);
        assert (b.restart_count == 1);
        assert (a.state == Mode.ServiceState.RUNNING);
        yield a.remove_dependency_async (b, null);
        assert (b.state == Mode.ServiceState.SHUTDOWN);
        assert (a.get_dependencies ().length == 0);
        yield a.stop_async (null);
    } catch (GLib.Error e) {
        error ("restart failed: %s", e.message);
    }
    assert (Recorder.events == "A.on_start B.on_start B.on_stop A.on_stop ");

    var f = new Failing ();
    f.crashed.connect ((reason) => { crashed_signal = true; });
    try {
        yield f.start_async (null);
        assert_not_reached ();
    } catch (Mode.Error e) {
        assert (e is Mode.Error.FAILED);
        assert (e.message == "no port");
    } catch (GLib.Error e) {
        assert_not_reached ();
    }
    assert (f.get_crashed ());
    assert (crashed_signal);
    loop.quit ();
}

void test_lifecycle () {
    var loop = new MainLoop (null, false);
    run_lifecycle.begin (loop);
    loop.run ();
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/lifecycle", test_lifecycle);
    Test.add_func ("/vala/thread-and-proxy", test_thread_and_proxy);
    return Test.run ();
}
