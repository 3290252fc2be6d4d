// Preloaded by scripts/bench.ts into the process it measures: at exit, writes the process's peak memory (max RSS,
// in KB) to the file BENCH_USAGE_FILE names.
process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
});
