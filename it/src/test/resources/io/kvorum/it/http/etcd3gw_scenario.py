"""python3-etcd3gw against one etcd-compatible cluster: prints one line per step.

Usage: python3 etcd3gw_scenario.py host:port[,host:port...]

Each step talks to the member the step names (first, last), so that a cluster answers through
more than one member. Revisions, lease ids and lock ids are left out of the output (they differ
from server to server), or printed relative to each other; everything else is printed as
etcd3gw returns it, errors included.
"""
import json
import sys
import threading
import time

from etcd3gw.client import Etcd3Client
from etcd3gw import exceptions
from etcd3gw.utils import _encode


def client(endpoint):
    host, port = endpoint.rsplit(':', 1)
    return Etcd3Client(host=host, port=int(port), api_path='/v3/', timeout=30)


endpoints = sys.argv[1].split(',')
first = client(endpoints[0])
last = client(endpoints[-1])
P = 'etcd3gw/'


def show(step, value):
    print(step + ': ' + json.dumps(value, sort_keys=True, default=repr), flush=True)


def values(pairs):
    return [v.decode('latin-1') if isinstance(v, bytes) else v for v in pairs]


def metadata(pairs):
    out = []
    for value, meta in pairs:
        out.append({'value': value.decode('latin-1'), 'key': meta['key'].decode('latin-1'),
                    'version': meta.get('version'), 'has_lease': 'lease' in meta,
                    'create_before_mod': int(meta['create_revision']) <= int(meta['mod_revision'])})
    return out


def attempt(step, call):
    try:
        show(step, call())
    except exceptions.Etcd3Exception as e:
        body = e.detail_text if hasattr(e, 'detail_text') else str(e)
        show(step + ' raised', [type(e).__name__, body])


# key-value
show('put a', first.put(P + 'a', '1'))
show('get a', values(first.get(P + 'a')))
show('get a from another member', values(last.get(P + 'a')))
show('get a with metadata', metadata(first.get(P + 'a', metadata=True)))
show('put a again', last.put(P + 'a', '2'))
show('get a with metadata', metadata(first.get(P + 'a', metadata=True)))
show('get missing', values(first.get(P + 'missing')))
show('create b', first.create(P + 'b', 'x'))
show('create b again', first.create(P + 'b', 'y'))
show('replace b x->z', first.replace(P + 'b', 'x', 'z'))
show('replace b x->w', first.replace(P + 'b', 'x', 'w'))
show('get b', values(first.get(P + 'b')))
for k in ['p/1', 'p/2', 'p/3', 'q']:
    first.put(P + k, 'v-' + k)
show('get_prefix p/', metadata(first.get_prefix(P + 'p/')))
show('get_prefix p/ descending by key', values(v for v, _ in first.get_prefix(P + 'p/', sort_order='descend', sort_target='key')))
for target in ['key', 'version', 'create', 'mod', 'value']:
    for order in ['ascend', 'descend']:
        show('get_prefix p/ by %s %s' % (target, order),
             values(v for v, _ in first.get_prefix(P + 'p/', sort_order=order, sort_target=target)))
show('get with range_end', values(first.get(P + 'p/1', range_end=_encode(P + 'p/3'))))
show('get with limit', values(first.get(P + 'p/', range_end=_encode(P + 'p0'), limit=2)))
# etcd3gw passes extra arguments as they are: a range_end that is not base64 is the gateway's error
attempt('get with a range_end not in base64', lambda: values(first.get(P + 'p/1', range_end=P + 'p/3')))
attempt('get with a key not in base64', lambda: first.post(first.get_url('/kv/range'), json={'key': 'a b'}))
show('get_all count', len([1 for v, m in first.get_all() if m['key'].decode().startswith(P)]))
show('delete q', first.delete(P + 'q'))
show('delete q again', first.delete(P + 'q'))
show('delete_prefix p/', first.delete_prefix(P + 'p/'))
show('get_prefix p/ after delete', metadata(last.get_prefix(P + 'p/')))
status = first.status()
show('status fields', sorted(k for k in status.keys()))
show('status version is 3.x', status.get('version', '').startswith('3.'))
members = first.members()
show('members have names and urls', [sorted(m.keys()) for m in members][:1])

# transactions
txn = first.transaction({
    'compare': [{'key': _encode(P + 'a'), 'result': 'EQUAL', 'target': 'VALUE', 'value': _encode('2')}],
    'success': [{'request_range': {'key': _encode(P + 'a')}}],
    'failure': []})
show('txn succeeded', txn.get('succeeded'))
show('txn responses', [sorted(r.keys()) for r in txn.get('responses', [])])
show('txn range count', txn['responses'][0]['response_range'].get('count'))
failed_txn = {
    'compare': [{'key': _encode(P + 'a'), 'result': 'GREATER', 'target': 'VERSION', 'version': 5}],
    'success': [],
    'failure': [{'request_put': {'key': _encode(P + 't'), 'value': _encode('t'), 'prev_kv': True}},
                {'request_delete_range': {'key': _encode(P + 't'), 'prev_kv': True}}]}
attempt('failed txn', lambda: [first.transaction(failed_txn).get('succeeded', False)])
# the same, with the version as a string (how the gateway prints 64-bit integers)
failed_txn['compare'][0]['version'] = '5'
attempt('failed txn, version as a string', lambda: [sorted(r.keys()) for r in first.transaction(failed_txn).get('responses', [])])
attempt('txn with a bad compare target', lambda: first.transaction({
    'compare': [{'key': _encode(P + 'a'), 'result': 'EQUAL', 'target': 'NOPE', 'value': _encode('2')}]}))

# leases
lease = first.lease(ttl=60)
show('lease id type', type(lease.id).__name__)
show('put with lease', first.put(P + 'leased/1', 'l1', lease=lease))
show('put with lease', first.put(P + 'leased/2', 'l2', lease=lease))
ttl = lease.ttl()
show('lease ttl within 55..60', 55 <= ttl <= 60)
show('lease refresh', lease.refresh())
show('lease keys', sorted(lease.keys()))
show('leased key has lease', metadata(last.get(P + 'leased/1', metadata=True)))
show('lease revoke', lease.revoke())
show('leased keys after revoke', values(first.get_prefix(P + 'leased/')))
attempt('ttl after revoke', lease.ttl)
attempt('refresh after revoke', lease.refresh)
attempt('keys after revoke', lease.keys)
attempt('revoke again', lease.revoke)
short = first.lease(ttl=2)
first.put(P + 'short', 's', lease=short)
time.sleep(6)
show('key of an expired lease', values(first.get(P + 'short')))
attempt('ttl of an expired lease', short.ttl)

# watch
events, cancel = first.watch(P + 'w')
time.sleep(0.5)
last.put(P + 'w', 'one')
last.put(P + 'w', 'two')
last.delete(P + 'w')
seen = []
for event in events:
    kv = event['kv']
    seen.append([event.get('type', 'PUT'), kv['key'].decode(), kv.get('value', b'').decode()])
    if len(seen) == 3:
        break
cancel()
show('watch events', seen)

events, cancel = first.watch(P + 'w', prev_kv=True, start_revision=1)
seen = []
for event in events:
    seen.append([event.get('type', 'PUT'), event['kv'].get('value', b'').decode(),
                 event.get('prev_kv', {}).get('value')])
    if len(seen) == 3:
        break
cancel()
show('watch from revision 1 with prev_kv', seen)

events, cancel = first.watch_prefix(P + 'wp/')
time.sleep(0.5)
for k in ['wp/1', 'wp/2', 'other']:
    last.put(P + k, k)
seen = []
for event in events:
    seen.append([event.get('type', 'PUT'), event['kv']['key'].decode()])
    if len(seen) == 2:
        break
cancel()
show('watch_prefix events', seen)


def put_later():
    time.sleep(0.5)
    last.put(P + 'once', 'once')


threading.Thread(target=put_later).start()
event = first.watch_once(P + 'once', timeout=10)
show('watch_once', [event['kv']['key'].decode(), event['kv']['value'].decode()])
attempt('watch_once times out', lambda: first.watch_once(P + 'never', timeout=1))

# locks
lock = first.lock('resource', ttl=60)
show('lock acquire', lock.acquire())
show('lock is_acquired', lock.is_acquired())
other = last.lock('resource', ttl=60)
show('second lock acquire', other.acquire())
show('second lock is_acquired', other.is_acquired())
show('lock refresh', lock.refresh())
show('lock release', lock.release())
show('lock is_acquired after release', lock.is_acquired())
show('release again', lock.release())
show('second lock acquire after release', other.acquire())
show('second lock is_acquired', other.is_acquired())
show('second lock release', other.release())
with first.lock('ctx', ttl=60) as held:
    show('lock as context manager', held.is_acquired())
show('context lock released', first.lock('ctx', ttl=60).is_acquired())

# more of the gateway through etcd3gw's post
show('get keys_only', [sorted(kv.keys()) for kv in first.post(first.get_url('/kv/range'), json={
    'key': _encode(P + 'a'), 'keys_only': True}).get('kvs', [])])
show('get count_only', {k: v for k, v in first.post(first.get_url('/kv/range'), json={
    'key': _encode(P), 'range_end': _encode(P[:-1] + '0'), 'count_only': True}).items() if k != 'header'})
show('delete with prev_kv', first.delete(P + 'b', prev_kv=True))
show('replace a missing key', first.replace(P + 'none', 'x', 'y'))
nested = first.transaction({'compare': [], 'success': [{'request_txn': {
    'compare': [], 'success': [{'request_put': {'key': _encode(P + 'n'), 'value': _encode('n')}}]}}]})
show('nested txn', [sorted(r.keys()) for r in nested.get('responses', [])])
attempt('put with a lease that does not exist', lambda: first.put(P + 'x', 'x', lease=first.lease(1).__class__(12345, first)))
attempt('compact at a future revision', lambda: first.post(first.get_url('/kv/compaction'), json={'revision': '100000'}))
attempt('range at a future revision', lambda: first.post(first.get_url('/kv/range'), json={'key': _encode(P), 'revision': '100000'}))
attempt('lease grant with an id in use', lambda: (lambda l: first.post(first.get_url('/lease/grant'), json={'TTL': 60, 'ID': l.id}))(first.lease(60)))
attempt('timetolive of a missing lease', lambda: {k: v for k, v in first.post(
    first.get_url('/kv/lease/timetolive'), json={'ID': 12345}).items() if k != 'header'})
attempt('leases', lambda: sorted(first.post(first.get_url('/lease/leases'), json={}).keys()))
attempt('a body that is not JSON', lambda: first.post(first.get_url('/kv/put'), data='{not json'))
attempt('a field of the wrong type', lambda: first.post(first.get_url('/kv/put'), json={'key': 5}))
events, cancel = first.watch(P + 'f', filters=['NOPUT'])
time.sleep(0.5)
last.put(P + 'f', '1')
last.delete(P + 'f')
for event in events:
    show('watch with the NOPUT filter', [event.get('type', 'PUT'), event['kv']['key'].decode()])
    break
cancel()

# errors
attempt('put an empty key', lambda: first.put('', 'v'))
attempt('lease with a negative ttl', lambda: type(first.lease(ttl=-1).id).__name__)
first.delete_prefix(P)
print('done', flush=True)
