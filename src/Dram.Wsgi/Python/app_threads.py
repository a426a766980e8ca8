# Run by Dram once, as a worker stops: the threads the app started and left running. A plain
# Python process would wait for them at exit (they are not daemon threads); a worker does not, so
# their work is cut short, and the log says which ones.
import threading


def left_running():
    main = threading.main_thread()
    return ", ".join(sorted(
        t.name for t in threading.enumerate() if t.is_alive() and not t.daemon and t is not main))
