// A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI logs).
import type { Progress } from '../types.js';

function fmtMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '--';
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressBar(label: string, enabled = Boolean(process.stderr.isTTY)): { update(p: Progress): void; done(): void } {
  let last = 0;
  return {
    update(p: Progress) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100 && p.fraction < 1) return;
      last = now;
      const width = 30;
      const full = Math.round(p.fraction * width);
      const bar = '#'.repeat(full) + '-'.repeat(width - full);
      process.stderr.write(`\r${label} [${bar}] ${(p.fraction * 100).toFixed(1)}%  elapsed ${fmtMs(p.elapsedMs)}  eta ${fmtMs(p.etaMs)}   `);
    },
    done() {
      if (enabled) process.stderr.write('\n');
    },
  };
}
