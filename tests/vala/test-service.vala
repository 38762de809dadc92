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
    return Test.run ();
}
