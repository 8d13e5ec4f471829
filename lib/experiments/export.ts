// Exports a result store as a table that pandas, R, polars or DuckDB read: one row per run, or with
// `trajectories` one row per run and record point. Parquet (hyparquet-writer), CSV or JSON lines.
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunJson } from '../result_json.js';
import { version } from '../version.js';
import { flattenConfig, varyingFields, type FieldValue } from './fields.js';
import { openStore, type ResultStore, type StoredRun } from './store.js';

/** The file formats `exportStore` writes. */
export type ExportFormat = 'parquet' | 'csv' | 'jsonl';
/** Every export format, in the order the CLI lists them. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['parquet', 'csv', 'jsonl'];

/** Column types, mapped to Parquet physical types (INT64, DOUBLE, BOOLEAN, UTF8 strings). */
export type ColumnType = 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'STRING';

/** One column of an exported table; `values[i]` belongs to row i, null where there is no value. */
export interface ExportColumn {
  name: string;
  type: ColumnType;
  values: FieldValue[];
}

/** A table in columns, as `exportStore` writes it. */
export interface ExportTable {
  columns: ExportColumn[];
  rows: number;
  /** Thresholds some runs recorded and others did not: left out, as their null would read as censored. */
  droppedThresholds: string[];
}

/** Options of `exportStore` and `storeTable`. */
export interface ExportOptions {
  /** File format; by default from the file's extension (.parquet, .csv, .jsonl or .ndjson). */
  format?: ExportFormat;
  /** One row per run and record point instead of one row per run. */
  trajectories?: boolean;
}

/** What `exportStore` wrote. */
export interface ExportSummary {
  file: string;
  format: ExportFormat;
  /** Rows written (runs, or run x record points with `trajectories`). */
  rows: number;
  runs: number;
  columns: string[];
  droppedThresholds: string[];
}

/** Per-run first-passage records (`escape`, and any other threshold -> step map a run carries). */
function passageKeys(runs: RunJson[]): string[] {
  const keys = new Set<string>();
  for (const r of runs)
    for (const [k, v] of Object.entries(r))
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => x === null || typeof x === 'number')) keys.add(k);
  return [...keys].sort((a, b) => (a === 'escape' ? -1 : b === 'escape' ? 1 : a < b ? -1 : 1));
}

/** Config fields that are counts: int64 columns. Other numbers are doubles, even when a sweep's values happen to be whole (mu in {0, 1}). */
const INTEGER_FIELDS = new Set(['model.d', 'model.rank', 'model.hidden', 'train.batch', 'train.steps', 'record.points']);

function typeOf(values: FieldValue[], path?: string): ColumnType {
  const present = values.filter((v) => v !== null);
  if (present.length && present.every((v) => typeof v === 'boolean')) return 'BOOLEAN';
  if (path && INTEGER_FIELDS.has(path) && present.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) return 'INT64';
  if (present.length && present.every((v) => typeof v === 'number')) return 'DOUBLE';
  if (!present.length) return 'DOUBLE';
  return 'STRING';
}

/**
 * Order-parameter columns, named by their indices: m_r{i}_h{j} (LoRA row i, teacher j), u_h{j}_r{i},
 * M_h{j}_h{k}, Q_h{j}_h{k}. The r/h letters keep m and M apart in SQL engines, whose column names
 * ignore case.
 */
function matrixColumns(rank: number, hidden: number): { name: string; of: (r: RunJson, p: number) => number | null }[] {
  const cols: { name: string; of: (r: RunJson, p: number) => number | null }[] = [];
  const at = (a: (number | null)[], i: number) => (i < a.length ? (a[i] ?? null) : null);
  for (let i = 0; i < rank; i++)
    for (let j = 0; j < hidden; j++)
      cols.push({ name: `m_r${i}_h${j}`, of: (r, p) => (i < r.rank && j < r.hidden ? at(r.m, (p * r.rank + i) * r.hidden + j) : null) });
  for (let j = 0; j < hidden; j++)
    for (let i = 0; i < rank; i++)
      cols.push({ name: `u_h${j}_r${i}`, of: (r, p) => (i < r.rank && j < r.hidden ? at(r.u, (p * r.hidden + j) * r.rank + i) : null) });
  for (const q of ['M', 'Q'] as const)
    for (let j = 0; j < hidden; j++)
      for (let k = 0; k < hidden; k++)
        cols.push({ name: `${q}_h${j}_h${k}`, of: (r, p) => (j < r.hidden && k < r.hidden ? at(r[q], (p * r.hidden + j) * r.hidden + k) : null) });
  return cols;
}

/**
 * Builds the exported table from stored runs: `hash`, `seed`, every config field that varies across
 * the runs (named by its dotted path, e.g. `model.pretrained.mu`), then per run the first passages
 * (`escape_0.5`, ...: null = censored), `stepsDone`, `divergedStep` and the final values; or, with
 * `trajectories`, `point`, `step`, `t`, the order parameters and `popLoss`, `batchLoss` per record point.
 */
export function storeTable(runs: StoredRun[], o: Pick<ExportOptions, 'trajectories'> = {}): ExportTable {
  const axes = [...new Set(runs.flatMap((r) => Object.keys(r.sweep?.axes ?? {})))];
  const fields = varyingFields(
    runs.map((r) => r.config),
    axes,
  );
  const flat = runs.map((r) => flattenConfig(r.config));
  const rank = Math.max(1, ...runs.map((r) => r.run.rank));
  const hidden = Math.max(1, ...runs.map((r) => r.run.hidden));
  const mats = matrixColumns(rank, hidden);
  const rowsOf = (r: StoredRun) => (o.trajectories ? r.run.step.length : 1);
  const n = runs.reduce((a, r) => a + rowsOf(r), 0);
  const columns: ExportColumn[] = [];
  // Fills a column with one value per row: f(run index, record point).
  const add = (name: string, f: (ri: number, p: number) => FieldValue, type?: ColumnType) => {
    const values: FieldValue[] = new Array(n);
    let k = 0;
    runs.forEach((r, ri) => {
      const m = rowsOf(r);
      for (let p = 0; p < m; p++) values[k++] = f(ri, o.trajectories ? p : r.run.step.length - 1);
    });
    columns.push({ name, type: type ?? typeOf(values, name), values });
  };
  add('hash', (ri) => runs[ri]!.hash, 'STRING');
  add('seed', (ri) => runs[ri]!.run.seed, 'INT64');
  for (const f of fields) add(f, (ri) => flat[ri]!.get(f) ?? null);
  const dropped: string[] = [];
  if (!o.trajectories) {
    for (const key of passageKeys(runs.map((r) => r.run))) {
      const maps = runs.map((r) => (r.run as unknown as Record<string, Record<string, number | null> | undefined>)[key] ?? {});
      const all = [...new Set(maps.flatMap((m) => Object.keys(m)))].sort((a, b) => Number(a) - Number(b));
      for (const th of all) {
        if (!maps.every((m) => th in m)) {
          dropped.push(`${key} ${th}`);
          continue;
        }
        add(`${key}_${th}`, (ri) => maps[ri]![th] ?? null, 'INT64');
      }
    }
    add('stepsDone', (ri) => runs[ri]!.run.stepsDone, 'INT64');
    add('divergedStep', (ri) => runs[ri]!.run.divergedStep, 'INT64');
    for (const c of mats) add(`final_${c.name}`, (ri, p) => c.of(runs[ri]!.run, p), 'DOUBLE');
    add('final_popLoss', (ri, p) => runs[ri]!.run.popLoss[p] ?? null, 'DOUBLE');
    add('final_batchLoss', (ri, p) => runs[ri]!.run.batchLoss[p] ?? null, 'DOUBLE');
    add('backend', (ri) => runs[ri]!.backend, 'STRING');
    add('wallMs', (ri) => runs[ri]!.wallMs, 'DOUBLE');
    add('version', (ri) => runs[ri]!.version, 'STRING');
    add('finishedAt', (ri) => runs[ri]!.finishedAt, 'STRING');
  } else {
    add('point', (_ri, p) => p, 'INT64');
    add('step', (ri, p) => runs[ri]!.run.step[p] ?? null, 'INT64');
    add('t', (ri, p) => runs[ri]!.run.t[p] ?? null, 'DOUBLE');
    for (const c of mats) add(c.name, (ri, p) => c.of(runs[ri]!.run, p), 'DOUBLE');
    add('popLoss', (ri, p) => runs[ri]!.run.popLoss[p] ?? null, 'DOUBLE');
    add('batchLoss', (ri, p) => runs[ri]!.run.batchLoss[p] ?? null, 'DOUBLE');
  }
  return { columns, rows: n, droppedThresholds: dropped };
}

const csvCell = (v: FieldValue) => {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The table as CSV text (RFC 4180 quoting; empty cells for null). */
export function tableToCsv(t: ExportTable): string {
  const lines = [t.columns.map((c) => csvCell(c.name)).join(',')];
  for (let i = 0; i < t.rows; i++) lines.push(t.columns.map((c) => csvCell(c.values[i]!)).join(','));
  return lines.join('\n') + '\n';
}

/** The table as JSON lines: one object per row, keys in column order. */
export function tableToJsonl(t: ExportTable): string {
  const out: string[] = [];
  for (let i = 0; i < t.rows; i++) {
    const row: Record<string, FieldValue> = {};
    for (const c of t.columns) row[c.name] = c.values[i]!;
    out.push(JSON.stringify(row));
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** The table as a Parquet file (snappy-compressed; key-value metadata names loradyn and the store). */
export async function tableToParquet(t: ExportTable, meta: Record<string, string> = {}): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData = t.columns.map((c) => ({
    name: c.name,
    type: c.type,
    nullable: true,
    data: c.type === 'INT64' ? c.values.map((v) => (v === null ? null : BigInt(v as number))) : c.values,
  }));
  const buf = parquetWriteBuffer({
    columnData,
    kvMetadata: Object.entries(meta).map(([key, value]) => ({ key, value })),
    createdBy: `loradyn ${version}`,
    // Min/max statistics double the write time and serve no reader of these small tables.
    statistics: false,
  } as Parameters<typeof parquetWriteBuffer>[0]);
  return new Uint8Array(buf);
}

/** Format from a file name's extension, or null. */
export function formatFromPath(file: string): ExportFormat | null {
  const ext = path.extname(file).toLowerCase();
  return ext === '.parquet' || ext === '.pq' ? 'parquet' : ext === '.csv' ? 'csv' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : null;
}

/**
 * Exports a result store (a store directory, or the folder `loradyn reproduce` wrote) to `file`.
 *
 * @example
 * ```ts
 * import { exportStore } from 'loradyn';
 * const s = await exportStore('runs/', 'runs.parquet');              // one row per run
 * await exportStore('runs/', 'traj.parquet', { trajectories: true }); // one row per record point
 * console.log(`${s.rows} rows, columns ${s.columns.join(', ')}`);
 * ```
 */
export async function exportStore(store: ResultStore | string, file: string, o: ExportOptions = {}): Promise<ExportSummary> {
  const s = typeof store === 'string' ? openStore(store) : store;
  const format = o.format ?? formatFromPath(file);
  if (!format) throw new Error(`cannot tell the export format from "${file}": give format (${EXPORT_FORMATS.join(', ')}) or a .parquet, .csv or .jsonl name`);
  const runs = s
    .hashes()
    .map((h) => s.get(h))
    .filter((r): r is StoredRun => r !== null);
  runs.sort((a, b) => (a.hash < b.hash ? -1 : 1));
  const table = storeTable(runs, o);
  let data: Uint8Array | string;
  if (format === 'csv') data = tableToCsv(table);
  else if (format === 'jsonl') data = tableToJsonl(table);
  else
    data = await tableToParquet(table, {
      'loradyn.version': version,
      'loradyn.store': path.resolve(s.dir),
      'loradyn.rows': o.trajectories ? 'run x record point' : 'run',
    });
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir)) throw new Error(`cannot write ${file}: the folder ${dir} does not exist`);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
  return { file, format, rows: table.rows, runs: runs.length, columns: table.columns.map((c) => c.name), droppedThresholds: table.droppedThresholds };
}
