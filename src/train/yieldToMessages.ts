/**
 * Lets queued messages (a worker's onmessage: Stop, Pause, a label edit) run before the caller goes on.
 *
 * Awaiting a tensor's data() is not enough on the CPU backends: there it resolves without leaving the microtask
 * queue, so a loop of windows or steps would never let a message in. A macrotask does. setTimeout(0) is one, but
 * browsers clamp nested timeouts to 4 ms, which a GPU's few-millisecond batches of windows would feel; a
 * MessageChannel round trip is a macrotask without the clamp (the channel is closed after, so Node does not wait
 * on it).
 */
export function yieldToMessages(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
