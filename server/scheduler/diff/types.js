// The diff's types live in shared/model (the CLI prints them and shared/wire converts them);
// they are re-exported here so the scheduler's diff has one import surface.
export {};
//# sourceMappingURL=types.js.map