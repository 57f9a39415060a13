// A frame clock for the blur pipeline while the page is hidden: browsers pause animation frames
// and throttle page timers to about once a second in background tabs, which would freeze the
// blurred video (and make the partner's stall detector start recovery). A dedicated worker's
// timers keep their rate; each tick is a message to the page. `{ intervalMs: null }` stops it.

let timer: ReturnType<typeof setInterval> | null = null;

self.onmessage = (event: MessageEvent<{ intervalMs: number | null }>) => {
  if (timer !== null) clearInterval(timer);
  timer = null;
  const ms = event.data.intervalMs;
  if (ms !== null && ms > 0) timer = setInterval(() => (self as unknown as Worker).postMessage(null), ms);
};
