#!/usr/bin/env python3
"""An independent check of a workload's result stream (docs/protocol.md),
written apart from the C implementation on purpose.

    check_stream.py FILE [CHECK]...

Prints "ok" for a complete, well-framed stream that passes every CHECK,
else the first reason. CHECKs: verify=true|false; path (a path message);
NAME (a metric is present); NAME=V, NAME>V, NAME<V (V may be PAGE, the
page size from hello)."""
import json
import sys
import zlib


def fail(msg):
    print(msg)
    sys.exit(0)


def read(path):
    lines = open(path, 'rb').read().split(b'\n')
    if lines[-1] != b'':
        fail('stream does not end with a newline')
    crc, msgs = 0, []
    for i, raw in enumerate(lines[:-1]):
        m = json.loads(raw)
        if m.get('seq') != i:
            fail('line %d has seq %r' % (i, m.get('seq')))
        if m['type'] == 'end':
            if i != len(lines) - 2:
                fail('data after the trailer')
            if m['count'] != i or m['crc32'] != '%08x' % crc:
                fail('bad trailer %r, want count %d crc %08x' % (m, i, crc))
        crc = zlib.crc32(raw + b'\n', crc)
        msgs.append(m)
    if not msgs or msgs[0]['type'] != 'hello' or msgs[-1]['type'] != 'end':
        fail('no hello or no trailer')
    for k in ('workload', 'protocol', 'params', 'page_size', 'pmd_size'):
        if k not in msgs[0]:
            fail('hello lacks ' + k)
    return msgs


def metrics_of(msgs):
    metrics = {}
    for m in msgs:
        if m['type'] != 'metric':
            continue
        if m['name'] in metrics:
            fail('metric %s twice' % m['name'])
        if m['kind'] not in ('counter', 'gauge', 'rate') or m['better'] not in ('lower', 'higher', 'none'):
            fail('bad metric %r' % m)
        metrics[m['name']] = m['value']
    return metrics


def check_metric(w, metrics, page):
    for op in ('=', '>', '<'):
        if op in w:
            k, v = w.split(op, 1)
            want = float(page if v == 'PAGE' else v)
            got = metrics.get(k)
            good = got is not None and (abs(got - want) <= 1e-9 * abs(want) if op == '=' else
                                        got > want if op == '>' else got < want)
            if not good:
                fail('metric %s = %r, want %s%s' % (k, got, op, v))
            return
    if w not in metrics:
        fail('no metric ' + w)


def main():
    msgs = read(sys.argv[1])
    regions = [m['event'] for m in msgs if m['type'] == 'region']
    if regions not in ([], ['begin', 'end']):
        fail('regions %r' % regions)
    metrics = metrics_of(msgs)
    verify = [m['ok'] for m in msgs if m['type'] == 'verify']
    for w in sys.argv[2:]:
        if w.startswith('verify='):
            if verify != [w == 'verify=true']:
                fail('verify %r, want %s' % (verify, w))
        elif w == 'path':
            if not any(m['type'] == 'path' for m in msgs):
                fail('no path message')
        else:
            check_metric(w, metrics, msgs[0]['page_size'])
    print('ok')


main()
