#!/usr/bin/python3
"""The Python half of bench/instructions.sh: its client and its report.

    instructions.py port                        print a free loopback port
    instructions.py ready PORT PID SECONDS      wait for one 200 from GET / (PID must stay alive)
    instructions.py send PORT COUNT             exactly COUNT keep-alive GET / over 32 connections
    instructions.py report --requests N1,N2 --run LABEL DIR1 DIR2 SYMBOLS [--run ...]
                           [--top K] [--callers TEXT ...]

A run directory (written by instructions.sh) holds callgrind.out, the server process's maps as it
served, object (the path of the executable or library whose code is named by SYMBOLS) and
description (what was measured, for the header). The first --run is Dram, the second the row it is
compared with (kestrel-native), an optional third another Dram build.
"""
import argparse
import asyncio
import bisect
import collections
import http.client
import os
import re
import socket
import subprocess
import sys
import time

CONNECTIONS = 32
RESPONSE_TIMEOUT = 120.0


# --------------------------------------------------------------------------
# client
# --------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def ready(port, pid, seconds):
    """Waits for the server's first 200, sending exactly one request that reaches it: a connection
    is retried only while it is refused, and the response is awaited for as long as the deadline
    allows, because a request given up on would still be served and counted."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            sys.exit('the server did not answer within %d s' % seconds)
        if not _alive(pid):
            sys.exit('the server exited before answering')
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=left)
        try:
            conn.connect()
        except (ConnectionRefusedError, ConnectionResetError):
            conn.close()
            time.sleep(0.2)
            continue
        try:
            conn.request('GET', '/')
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as e:
            sys.exit('the first request failed: %s' % e)
        finally:
            conn.close()
        if response.status != 200:
            sys.exit('the first request got %d %s' % (response.status, response.reason))
        return


async def _connection(port, count):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    request = b'GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n' % port
    try:
        for _ in range(count):
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b'\r\n\r\n'), RESPONSE_TIMEOUT)
            lines = head.split(b'\r\n')
            if not lines[0].startswith(b'HTTP/1.1 200 '):
                raise RuntimeError('response %r' % lines[0].decode('latin-1'))
            length = None
            for line in lines[1:]:
                name, _, value = line.partition(b':')
                if name.strip().lower() == b'content-length':
                    length = int(value)
            if length is None:
                raise RuntimeError('a response without Content-Length')
            await asyncio.wait_for(reader.readexactly(length), RESPONSE_TIMEOUT)
    finally:
        writer.close()


async def _send(port, total, connections):
    # every connection is opened in every run, so their cost cancels out like start-up's
    shares = [total // connections + (1 if i < total % connections else 0)
              for i in range(connections)]
    await asyncio.gather(*(_connection(port, n) for n in shares))


def send(port, total, connections):
    try:
        asyncio.run(_send(port, total, connections))
    except (OSError, RuntimeError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
        sys.exit('sending the requests failed: %s' % (str(e) or type(e).__name__))


# --------------------------------------------------------------------------
# profiles
# --------------------------------------------------------------------------

# a function line of callgrind_annotate: "  12,720,614 ( 4.75%)  file:function [object]"; in the
# caller tree the name follows "<" (a caller, with its call count) or "*" (the function itself),
# in the callee tree ">" (a callee, with its call count) or "*".
# The object is left out where the cost is that of code inlined from another file.
COST_LINE = re.compile(r'^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(?:([<>*])\s+)?(.*?)(?:\s\[([^\[\]]*)\])?\s*$')
CALLS = re.compile(r'\s\(([\d,]+)x\)$')
RECURSION = re.compile(r"'\d+$")
ADDRESS = re.compile(r'^0x([0-9a-fA-F]+)$')


def _symbols(path):
    out = subprocess.run(['nm', '-n', path], capture_output=True, text=True, check=True).stdout
    table = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'tTwW':
            table.append((int(parts[0], 16), parts[2]))
    return [a for a, _ in table], [n for _, n in table]


class Profile:
    """One callgrind run, its functions named: code in the measured binary has no names in the
    profile (its symbols are only in the .dbg that valgrind cannot read), so its addresses are
    looked up in SYMBOLS. Callgrind gives them relative to the binary when it attributes them to
    it, and absolute, under object ???, for the managed code it does not."""

    def __init__(self, directory, addresses, names):
        def read(name):
            with open(os.path.join(directory, name)) as f:
                return f.read().strip()
        self.module = os.path.realpath(read('object'))
        self.description = read('description')
        self.file = os.path.join(directory, 'callgrind.out')
        self.addresses, self.names = addresses, names
        self.start, self.end = self._mapping(os.path.join(directory, 'maps'))
        self.categories = {}
        self.objects = {}

    def _mapping(self, maps):
        start = end = None
        for line in open(maps):
            fields = line.split(None, 5)
            if len(fields) == 6 and os.path.realpath(fields[5].strip()) == self.module:
                low, high = (int(x, 16) for x in fields[0].split('-'))
                start = low if start is None else start
                end = high
        if start is None:
            sys.exit('%s is not mapped in %s' % (self.module, maps))
        return start, end

    def _name(self, text, obj):
        """The function's key, from callgrind_annotate's "file:function" and object."""
        function = RECURSION.sub('', text.split(':', 1)[1] if ':' in text else text)
        obj = obj or self.objects.get(function, '???')
        in_module = obj != '???' and os.path.realpath(obj) == self.module
        m = ADDRESS.match(function)
        if m and (in_module or obj == '???'):
            address = int(m.group(1), 16)
            if obj == '???':
                in_module = self.start <= address < self.end
                address -= self.start
            if in_module:
                i = bisect.bisect_right(self.addresses, address) - 1
                if i >= 0:
                    function = self.names[i]
        key = function if in_module else '%s [%s]' % (function, os.path.basename(obj))
        if key not in self.categories:
            self.categories[key] = category(function, obj, in_module)
        return key

    def _annotate(self, *options):
        """[(instructions, kind, "file:function", object or None)] of the function lines."""
        result = subprocess.run(['callgrind_annotate', '--threshold=100', *options, self.file],
                                capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit('callgrind_annotate failed on %s: %s' % (self.file, result.stderr.strip()))
        lines = []
        for line in result.stdout.splitlines():
            m = COST_LINE.match(line)
            if m and m.group(3) != 'PROGRAM TOTALS' and ':' in m.group(3):
                lines.append((int(m.group(1).replace(',', '')), m.group(2), m.group(3), m.group(4)))
        return lines

    def self_costs(self):
        lines = self._annotate('--inclusive=no')
        # the inlined parts of a function take the object its own line names
        for _, _, text, obj in lines:
            if obj:
                self.objects.setdefault(RECURSION.sub('', text.split(':', 1)[1]), obj)
        costs = collections.Counter()
        for cost, _, text, obj in lines:
            costs[self._name(text, obj)] += cost
        return costs

    def callers(self, wanted):
        """{function: {caller: [inclusive instructions, calls]}} for the functions whose key
        contains one of the texts in wanted."""
        found = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0]))
        block = []
        for cost, kind, text, obj in self._annotate('--inclusive=yes', '--tree=caller'):
            if kind == '<':
                block.append(self._relative(cost, text, obj))
            elif kind == '*':
                key = self._name(text, obj)
                if any(w in key for w in wanted):
                    for caller, cost, calls in block:
                        found[key][caller][0] += cost
                        found[key][caller][1] += calls
                block = []
            else:
                block = []
        return found

    def callees(self, wanted):
        """{function: {callee: [inclusive instructions, calls]}} for the functions whose key
        contains one of the texts in wanted."""
        found = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0]))
        key = None
        for cost, kind, text, obj in self._annotate('--inclusive=yes', '--tree=calling'):
            if kind == '*':
                key = self._name(text, obj)
                key = key if any(w in key for w in wanted) else None
            elif kind == '>' and key is not None:
                callee, cost, calls = self._relative(cost, text, obj)
                found[key][callee][0] += cost
                found[key][callee][1] += calls
            else:
                key = None
        return found

    def _relative(self, cost, text, obj):
        """(name, inclusive instructions, calls) of a caller or callee line."""
        c = CALLS.search(text)
        calls = int(c.group(1).replace(',', '')) if c else 0
        return self._name(CALLS.sub('', text), obj), cost, calls


# Where an instruction belongs. Managed code is named by the assembly that defines it (a generic
# method instantiated for Kestrel is still the core library's code); the core library's primitive
# types go without an assembly prefix.
MANAGED = (('Dram_Wsgi_', 'Dram WSGI layer'), ('Dram_Python_', 'Dram WSGI layer'),
           ('Microsoft_AspNetCore_', 'Kestrel'), ('dram_Dram_Transport_', 'transport'),
           ('System_IO_Pipelines_', 'pipelines'), ('S_P_CoreLib_', 'core library'),
           ('Rh', 'runtime helpers'))
PRIMITIVE = re.compile(r'^(String|Char|Object|Bool|U?Int(8|16|32|64)|Single|Double|U?IntPtr)__')


def category(function, obj, in_module):
    if in_module:
        name = re.sub(r'^(unbox_|<Boxed>)', '', function)
        for prefix, label in MANAGED:
            if name.startswith(prefix):
                return label
        return 'core library' if PRIMITIVE.match(name) else 'other .NET code'
    base = os.path.basename(obj)
    if base.startswith(('python', 'libpython')):
        return 'libpython'
    if '__tls_get_addr' in function:
        return 'TLS'
    if base.startswith(('libc.so', 'libc-')):
        return 'libc'
    return 'other'


CATEGORY_ORDER = ['libpython', 'Dram WSGI layer', 'Kestrel', 'transport', 'pipelines', 'core library',
                  'runtime helpers', 'other .NET code', 'TLS', 'libc', 'other']


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------

class Server:
    """A server measured at two request counts: instructions per request, per function."""

    def __init__(self, label, first, second, symbols, requests):
        addresses, names = _symbols(symbols)
        self.label = label
        self.runs = [Profile(d, addresses, names) for d in (first, second)]
        self.requests = requests
        low, high = (r.self_costs() for r in self.runs)
        span = requests[1] - requests[0]
        self.functions = {k: (high[k] - low[k]) / span for k in set(low) | set(high)}
        self.categories = {}
        for r in self.runs:
            self.categories.update(r.categories)
        self.total = sum(self.functions.values())

    def by_category(self):
        totals = collections.Counter()
        for key, value in self.functions.items():
            totals[self.categories[key]] += value
        return totals

    def callers(self, wanted):
        return self._related(wanted, Profile.callers)

    def callees(self, wanted):
        return self._related(wanted, Profile.callees)

    def _related(self, wanted, relation):
        low, high = (relation(r, wanted) for r in self.runs)
        span = self.requests[1] - self.requests[0]
        result = {}
        for function in set(low) | set(high):
            a, b = low.get(function, {}), high.get(function, {})
            result[function] = {c: ((b.get(c, (0, 0))[0] - a.get(c, (0, 0))[0]) / span,
                                    (b.get(c, (0, 0))[1] - a.get(c, (0, 0))[1]) / span)
                                for c in set(a) | set(b)}
        return result


def _n(value, sign=False):
    return format(round(value), '+,' if sign else ',')


def _categories(a, b):
    ca, cb = a.by_category(), b.by_category()
    width = max(len(a.label), len(b.label), 10)
    print('  %-16s %*s %*s %*s' % ('category', width, a.label, width, b.label, 11, 'difference'))
    for c in CATEGORY_ORDER:
        if round(ca[c]) or round(cb[c]):
            print('  %-16s %*s %*s %*s' % (c, width, _n(ca[c]), width, _n(cb[c]),
                                           11, _n(ca[c] - cb[c], True)))
    print('  %-16s %*s %*s %*s' % ('total', width, _n(a.total), width, _n(b.total),
                                   11, _n(a.total - b.total, True)))


def _functions(a, b, top, by_size):
    keys = set(a.functions) | set(b.functions)
    diff = {k: a.functions.get(k, 0) - b.functions.get(k, 0) for k in keys}
    order = sorted(keys, key=lambda k: -abs(diff[k]) if by_size else -diff[k])[:top]
    categories = {**b.categories, **a.categories}
    wa, wb = max(len(a.label), 7), max(len(b.label), 7)
    print('  %11s %*s %*s  %-16s %s' % ('difference', wa, a.label, wb, b.label, 'category', 'function'))
    for k in order:
        print('  %11s %*s %*s  %-16s %s' % (_n(diff[k], True), wa, _n(a.functions.get(k, 0)),
                                            wb, _n(b.functions.get(k, 0)), categories[k], k))


def report(args):
    requests = tuple(int(x) for x in args.requests.split(','))
    servers = [Server(label, d1, d2, symbols, requests) for label, d1, d2, symbols in args.run]
    dram, ceiling = servers[0], servers[1]
    print('Instructions per request, user space (callgrind): (run of %s requests - run of %s) / %s'
          % (_n(requests[1]), _n(requests[0]), _n(requests[1] - requests[0])))
    print()
    width = max(len(s.label) for s in servers)
    for s in servers:
        print('  %-*s %9s   %s' % (width, s.label, _n(s.total), s.runs[0].description))
    print('  %-*s %9.2f   %s / %s' % (width, 'ratio', dram.total / ceiling.total, dram.label, ceiling.label))
    print()
    print('By category, instructions per request')
    _categories(dram, ceiling)
    print()
    print('Top %d functions by %s - %s, instructions per request' % (args.top, dram.label, ceiling.label))
    _functions(dram, ceiling, args.top, by_size=False)
    if len(servers) > 2:
        other = servers[2]
        print()
        print('%s against %s: %s instructions per request (%s)'
              % (other.label, dram.label, _n(other.total - dram.total, True),
                 format((other.total - dram.total) / dram.total, '+.1%')))
        _categories(other, dram)
        print()
        print('Top %d functions by |%s - %s|' % (args.top, other.label, dram.label))
        _functions(other, dram, args.top, by_size=True)
    for wanted, relation, heading in ((args.callers, Server.callers, 'Callers'),
                                      (args.callees, Server.callees, 'Callees')):
        if not wanted:
            continue
        for s in servers:
            for function, related in sorted(relation(s, wanted).items()):
                # relations seen only at start-up or shut-down
                rows = [(cost, calls, other) for other, (cost, calls) in related.items()
                        if round(cost) or round(calls, 2)]
                if not rows:
                    continue
                print()
                print('%s of %s in %s: inclusive instructions, calls per request' % (heading, function, s.label))
                for cost, calls, other in sorted(rows, reverse=True)[:12]:
                    print('  %9s %7.2f  %s' % (_n(cost), calls, other))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('port')
    p = commands.add_parser('ready')
    p.add_argument('port', type=int)
    p.add_argument('pid', type=int)
    p.add_argument('seconds', type=float)
    p = commands.add_parser('send')
    p.add_argument('port', type=int)
    p.add_argument('count', type=int)
    p.add_argument('--connections', type=int, default=CONNECTIONS)
    p = commands.add_parser('report')
    p.add_argument('--requests', required=True, help='N1,N2')
    p.add_argument('--run', nargs=4, action='append', required=True,
                   metavar=('LABEL', 'DIR1', 'DIR2', 'SYMBOLS'))
    p.add_argument('--top', type=int, default=25)
    p.add_argument('--callers', action='append', default=[], metavar='TEXT')
    p.add_argument('--callees', action='append', default=[], metavar='TEXT')
    args = parser.parse_args()
    if args.command == 'port':
        print(free_port())
    elif args.command == 'ready':
        ready(args.port, args.pid, args.seconds)
    elif args.command == 'send':
        send(args.port, args.count, args.connections)
    else:
        if len(args.run) < 2:
            parser.error('report needs Dram and the row it is compared with')
        report(args)


if __name__ == '__main__':
    main()
