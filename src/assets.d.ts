// Files imported `with { type: 'file' }` resolve to a path (a real path under `bun run`,
// a /$bunfs/ path inside the compiled binary).
declare module '*.so.1' {
  const path: string;
  export default path;
}
declare module '*.onnx' {
  const path: string;
  export default path;
}
declare module '*.txt' {
  const text: string;
  export default text;
}
declare module '*.so' {
  const path: string;
  export default path;
}
