// Documented process exit codes (README "Exit codes"). Scripts and CI pipelines branch on them.
export const EXIT = {
  /** The command did what was asked; for job commands: the job succeeded. */
  ok: 0,
  /** The job failed or was cancelled, a check failed, or a runtime/HTTP error occurred. */
  failure: 1,
  /** Usage or configuration error: bad flag, bad config file, missing required value. */
  usage: 2,
  /** `--max-seconds` watchdog fired before the job reached a terminal state. */
  watchdog: 3,
  /** The job showed no sign of starting within `startup_deadline_s`. */
  startupDeadline: 4,
  /** `empty_polls_threshold` consecutive polls brought nothing new (stalled job). */
  stalled: 5,
  /** Interrupted by SIGINT (128 + 2, the shell convention). */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15), after the same summary as SIGINT. */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
