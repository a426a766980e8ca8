#!/usr/bin/python3
"""Draw the benchmark chart (PNG) from results.json files; report.py calls draw().

One panel per endpoint: a bar per server at its mean requests/sec over the passes,
and a dot for each pass, so the spread between passes (noise on the shared box) is
visible next to the differences between servers. Dram rows are orange, the no-Python
ceilings grey, the Python peers blue. A last panel shows start-up time.

usage: chart.py -o chart.png RESULTS.json [RESULTS.json ...]
"""
import argparse
import math
import statistics
import sys

COLORS = {'dram': '#e66101', 'ceiling': '#999999', 'peer': '#3b75af',
          'reference': '#b2abd2', 'extra': '#5e3c99'}


def draw(metas, recs, starts, path):
    """Write the chart to `path`; returns False when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use('Agg')          # no display on a server / in CI
        import matplotlib.pyplot as plt
    except ImportError:
        print('chart: matplotlib is not installed (apt-get install python3-matplotlib); '
              'no chart drawn', file=sys.stderr)
        return False

    sdesc, edesc, servers, endpoints = {}, {}, [], []
    for m in metas:
        for s, d in m['servers'].items():
            if s not in sdesc:
                sdesc[s] = d
                servers.append(s)
        for e, d in m['endpoints'].items():
            if e not in edesc:
                edesc[e] = d
                endpoints.append(e)
    # the 2-worker rows use both cores: they are compared in their own table, not here
    servers = [s for s in servers if not sdesc[s].get('scales')]

    panels = len(endpoints) + (1 if starts else 0)
    cols = 3
    rows = math.ceil(panels / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.6 * rows), squeeze=False)
    for ax in axes.flat[panels:]:
        ax.axis('off')

    def ok(r):
        return r.get('requests') and not r.get('error') and r.get('check') == 'ok'

    for ax, e in zip(axes.flat, endpoints):
        names, means, dots, colors = [], [], [], []
        for s in servers:
            vals = [r['rps'] for r in recs if r['server'] == s and r['endpoint'] == e and ok(r)]
            failed = any(r['server'] == s and r['endpoint'] == e and not ok(r) for r in recs)
            if not vals and not failed:
                continue
            names.append(s + (' (FAIL)' if failed and not vals else ''))
            means.append(statistics.mean(vals) if vals else 0)
            dots.append(vals)
            colors.append(COLORS.get(sdesc[s].get('kind'), '#666666'))
        y = list(range(len(names)))[::-1]
        ax.barh(y, means, color=colors, height=0.7)
        for yi, vals in zip(y, dots):
            ax.plot(vals, [yi] * len(vals), 'k.', markersize=5)
        for yi, mv, vals in zip(y, means, dots):
            if mv:
                # right of the bar and of every dot, so the label hides neither
                ax.text(max([mv] + vals) * 1.02, yi, '%.0f' % mv if mv >= 10 else '%.1f' % mv,
                        va='center', fontsize=7)
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=8)
        ax.set_title('%s: %s, %d conns' % (e, edesc[e]['desc'].split(' (')[0],
                                           edesc[e]['connections']), fontsize=9)
        ax.set_xlabel('requests/s', fontsize=8)
        ax.tick_params(axis='x', labelsize=7)
        ax.set_xlim(0, max(max((max(d) for d in dots if d), default=1), 1) * 1.25)

    if starts:
        ax = axes.flat[len(endpoints)]
        keys = []
        for r in starts:
            if (r['server'], r['app']) not in keys:
                keys.append((r['server'], r['app']))
        names, meds, dots, colors = [], [], [], []
        for s, a in keys:
            times = [x for r in starts if r['server'] == s and r['app'] == a for x in r['times_s']]
            if not times:
                continue
            names.append('%s / %s' % (s, a))
            meds.append(statistics.median(times))
            dots.append(times)
            colors.append(COLORS.get(sdesc.get(s, {}).get('kind'), '#666666'))
        y = list(range(len(names)))[::-1]
        ax.barh(y, meds, color=colors, height=0.7)
        for yi, vals in zip(y, dots):
            ax.plot(vals, [yi] * len(vals), 'k.', markersize=4)
        ax.set_yticks(y)
        ax.set_yticklabels(names, fontsize=7)
        ax.set_title('start-up: launch to first answer (median, each launch a dot)', fontsize=9)
        ax.set_xlabel('seconds', fontsize=8)
        ax.tick_params(axis='x', labelsize=7)

    runs = ', '.join(m['run_id'] for m in metas)
    # two lines, so that the run ids of several published runs stay inside the figure
    fig.suptitle('Dram vs Python WSGI servers, loopback, server on 1 core, wrk on the other; '
                 'bar = mean of passes, dot = each pass\n(%s %s)' % (
                     'runs' if len(metas) > 1 else 'run', runs), fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def main():
    sys.path.insert(0, __file__.rsplit('/', 1)[0])
    import report
    ap = argparse.ArgumentParser()
    ap.add_argument('results', nargs='+')
    ap.add_argument('-o', '--output', default='chart.png')
    args = ap.parse_args()
    metas, recs, starts, _ = report.load(args.results)
    if draw(metas, recs, starts, args.output):
        print(args.output)


if __name__ == '__main__':
    main()
