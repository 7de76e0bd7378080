// Back-pressure on a server stream without hanging: a cancelled stream never emits "drain".

/** Resolves when a full stream can take more, when it closes, or on abort. */
export function writable(call: NodeJS.EventEmitter, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off("drain", done);
      call.off("close", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.once("drain", done);
    call.once("close", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
