#!/usr/bin/python3
"""How fast does the same Python code run inside each server?

The matrix measures the server's per-request cost and the app's together. This tool
separates them: it starts each server (pinned to core 0 like run.py) with the micro
app, sends GET /work one request at a time (no concurrency, so no GIL contention
between requests), and reports the median time the app's own workload took in that
server, measured inside the app: wall time and the thread's CPU time. The workload
is identical everywhere, so a difference means the interpreter itself runs slower or
faster there (how libpython was built and linked, trace/profile hooks, other threads
taking the GIL, ...). It also prints the interpreter settings the app saw.

usage: tools/app_speed.py [--servers dram,gunicorn-sync,...] [--requests 60]
"""
import argparse
import json
import os
import signal
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import run  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--servers', default='dram,dram-8t,gunicorn-sync,uwsgi-1t,waitress,'
                                         'apache-modwsgi')
    ap.add_argument('--requests', type=int, default=60)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit('terminated by SIGTERM'))
    os.sched_setaffinity(0, {int(run.CLIENT_CPU)})
    ep = dict(path='/work', method='GET')
    logdir = tempfile.mkdtemp(prefix='app-speed-')
    print('| server | median wall us | median CPU us | min CPU us | settings seen by the app |')
    print('|---|---:|---:|---:|---|')
    for name in args.servers.split(','):
        server = run.SRV_BY_NAME[name]
        srv = run.Started(server, 'micro', os.path.join(logdir, name + '.log'), logdir)
        try:
            srv.wait_ready('/10k', 30, 0.05)
            rows = []
            for _ in range(args.requests):
                status, _, body = run.http_request(srv.port, ep, timeout=10)
                if status != 200:
                    raise RuntimeError('%s: status %s' % (name, status))
                rows.append(json.loads(body))
            rows = rows[10:]            # the first requests warm caches up
            info = rows[-1]
            settings = ('trace=%s profile=%s switch=%s gc=%s -O=%s dev=%s threads=%s '
                        'main-thread=%s exe=%s' % (
                            info['trace'], info['profile'], info['switch_interval'],
                            info['gc_enabled'], info['optimize'], info['dev_mode'],
                            info['threads'], info['main_thread'], info['executable']))
            print('| %s | %d | %d | %d | %s |' % (
                name, statistics.median(r['wall_us'] for r in rows),
                statistics.median(r['cpu_us'] for r in rows),
                min(r['cpu_us'] for r in rows), settings), flush=True)
        finally:
            srv.stop()
    print('\nserver logs: %s' % logdir)


if __name__ == '__main__':
    main()
