// The poll loop's sleep: anything new (a held event, a dropped SSE connection, a terminal event)
// ends it early so the loop acts at once instead of at the next tick.

/** A sleep that `wake()` ends early; a wake with nobody waiting makes the next wait return at once. */
export class Waker {
  private wakeUp: (() => void) | undefined;
  private pending = false;

  wake(): void {
    if (this.wakeUp !== undefined) this.wakeUp();
    else this.pending = true;
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        if (this.wakeUp === finish) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, ms));
      this.wakeUp = finish;
    });
  }
}
