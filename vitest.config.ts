import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real sshd hosts, restic repositories, Chromium and local HTTP servers.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // The skip reporter lists every skipped test with its reason after the run (test/helpers/needs.ts).
    reporters: ['default', './test/helpers/skip-reporter.ts'],
    // A private TMPDIR for the run; fails the run when a test leaves an og-* directory behind.
    globalSetup: ['test/global-setup.ts'],
  },
});
