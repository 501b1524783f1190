//! Counts API requests in flight, so one progress bar can show that the app is waiting.

type Listener = () => void;

let count = 0;
const listeners = new Set<Listener>();

function emit(): void {
  for (const listener of listeners) listener();
}

export const inFlight = {
  begin: (): void => {
    count += 1;
    emit();
  },
  end: (): void => {
    count = Math.max(0, count - 1);
    emit();
  },
  current: (): number => count,
  subscribe: (listener: Listener): (() => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
};
