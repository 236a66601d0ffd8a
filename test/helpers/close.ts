// Comparing float arrays computed two ways (fast kernels vs the reference).
import { expect } from 'bun:test';

/**
 * Normwise relative error of `got` against `want`: max |got − want| / max |want|. Elementwise
 * relative error is meaningless where a sum cancels to ~0, so tensors are compared as a whole.
 */
export function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let err = 0;
  let mag = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs((got[i] as number) - (want[i] as number)));
    mag = Math.max(mag, Math.abs(want[i] as number));
  }
  return err / Math.max(mag, 1e-30);
}
