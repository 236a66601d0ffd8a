// What the router in main.ts mounts: each view under pages/ is a Page. Kept apart from main.ts so
// the pages do not import the router that imports them.

/** A page renders into `main` and returns what stops its timers and streams. */
export type Page = (main: HTMLElement, params: URLSearchParams, parts: string[]) => Promise<(() => void) | void>;
