import { EXIT } from './exit-codes.ts';

/** An error the user can fix by changing what they typed or configured; exits 2 by default. */
export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}
