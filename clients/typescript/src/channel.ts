/**
 * A minimal unbounded async queue, used as the request side of a client stream.
 *
 * @module
 */

/** Items pushed in are read out, in order, by one `for await` loop; `close()` ends it. */
export class Channel<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #closed = false;
  #wake: (() => void) | undefined;

  /** Queue an item; ignored once the channel is closed. Never blocks. */
  push(item: T): void {
    if (!this.#closed) {
      this.#items.push(item);
      this.#notify();
    }
  }

  /** End the iteration once the queued items are read. */
  close(): void {
    this.#closed = true;
    this.#notify();
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      if (this.#items.length > 0) {
        yield this.#items.shift() as T;
      } else if (this.#closed) {
        return;
      } else {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
