/**
 * Environment the production process starts with. The runtime reads it at startup, before any of this code
 * runs, so it cannot be set from here: the Dockerfile sets it, and `bun run bench` passes it to the service it
 * starts (test/ops/runtime-env.test.ts keeps the two in step).
 */
export const PRODUCTION_RUNTIME_ENV = {
  // mimalloc, Bun's allocator, hands freed pages back to the kernel ~10 ms after they empty, one madvise call
  // each. Under load that is a steady stream of calls, each flushing other cores' TLBs. Never purging keeps
  // the pages for reuse: the process's memory stays at its high-water mark instead.
  MIMALLOC_PURGE_DELAY: '-1',
  // JavaScriptCore sizes its garbage collector's cycles by the machine's RAM. On a large host it lets the heap
  // grow far past what the service keeps live before it collects, and the allocator (above) then holds that
  // high-water mark. Sized as for a 512 MiB container, it collects sooner.
  BUN_JSC_forceRAMSize: '536870912',
} as const
