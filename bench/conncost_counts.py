# Prints bench/conncost_counts.sh's counts per connect-join-close cycle: all threads, then per
# thread (the io thread is the one with the epoll_waits; the database pool's threads have none).
# "wakeups" are the sched_wakeup events a thread caused (whom it woke), not the times it woke.
import collections, json, sys

out = sys.argv[1]
res = json.load(open(out + "/result.json"))
cc = res["conncost"].get("swirl") or res["conncost"]["peerjs"]
cycles = 2 * cc["completed_pairs"]
print(f"{out}: {cycles} cycles, failed pairs {cc['failed_pairs']}, cpu {cc['cpu_ms_per_cycle']:.3f} ms/cycle "
      f"(user {cc['user_ms_per_cycle']:.3f}, sys {cc['sys_ms_per_cycle']:.3f}), loadavg {res['meta'].get('loadavg_end')}")
per_thread = collections.defaultdict(dict)
for line in open(out + "/perf.csv"):
    f = line.strip().split(",")
    if len(f) < 4 or not f[0] or line.startswith("#"):
        continue
    thread, val, ev = f[0], f[1], f[3]
    try:
        v = float(val)
    except ValueError:
        continue
    per_thread[thread][ev.replace("syscalls:sys_enter_", "")] = v
tot = collections.Counter()
for t, evs in per_thread.items():
    for e, v in evs.items():
        tot[e] += v
print("per cycle, all threads:")
for e, v in sorted(tot.items(), key=lambda x: -x[1]):
    if v / cycles >= 0.01:
        print(f"  {e:28s} {v / cycles:7.2f}")
print("per thread (syscalls, context-switches, futex, epoll_wait per cycle):")
for t, evs in sorted(per_thread.items()):
    s = evs.get("raw_syscalls:sys_enter", 0)
    if s / cycles < 0.01:
        continue
    print(f"  {t:28s} sys {s / cycles:6.2f}  cs {evs.get('context-switches', 0) / cycles:5.2f}  "
          f"futex {evs.get('futex', 0) / cycles:5.2f}  epoll_wait {evs.get('epoll_wait', 0) / cycles:5.2f}  "
          f"wakeups {evs.get('sched:sched_wakeup', 0) / cycles:5.2f}")
b = {l.split()[0]: list(map(int, l.split()[1:])) for l in open(out + "/switches_before") if len(l.split()) == 3}
a = {l.split()[0]: list(map(int, l.split()[1:])) for l in open(out + "/switches_after") if len(l.split()) == 3}
print("/proc ctxt switches per cycle (voluntary, nonvoluntary):")
for t in sorted(a):
    if t in b:
        dv, dn = a[t][0] - b[t][0], a[t][1] - b[t][1]
        if dv + dn:
            print(f"  tid {t}: {dv / cycles:.2f} {dn / cycles:.2f}")
