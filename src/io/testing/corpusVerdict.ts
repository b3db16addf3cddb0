import { crc32 } from '../gzip.ts';
import { isRawLibraryText } from '../problems.ts';
import type { OpenResult } from '../types.ts';

/**
 * A malformed-input corpus made from the shared data at run time (never committed): truncations, bit flips and
 * hostile values in every header field, lying sizes, absurd dimensions. Each case is a folder of files plus a
 * case.json saying what a correct answer is; each is opened through openInputs in a child process with a time
 * and memory cap, and ends in one of: ok, named error, wrong (opened as wrong data), hang, crash, raw message.
 * This file is that verdict; malformedCorpus.ts makes the cases and corpusRunner.ts runs them.
 */

/** What may come out of a case: the reference volume, any sane volume, or (for both) a named error. */
export type Expectation = 'same' | 'sane';

export interface CaseMeta {
  id: string;
  group: string;
  expect: Expectation;
  /** Dims and CRC-32 of the voxels the pristine file opens to, for `same`. */
  reference?: { dims: number[]; crc: number };
}

export type Outcome = 'ok' | 'named-error' | 'wrong' | 'hang' | 'crash' | 'raw-message';

/** What the child reports about one opened case. */
export interface CaseReport {
  volumes: { name: string; dims: number[]; channels: number; voxelCount: number; finiteGeometry: boolean; finiteVoxels: boolean; crc: number }[];
  problems: { message: string; severity: string }[];
  /** Files in the case, to check that every message names one of them (or a series made of them). */
  names: string[];
}

export function summarize(result: OpenResult, names: string[]): CaseReport {
  return {
    volumes: result.volumes.map((v) => {
      const g = v.geometry;
      let finiteVoxels = true;
      for (let n = 0; n < v.voxels.length; n++) {
        if (!Number.isFinite(v.voxels[n] as number)) {
          finiteVoxels = false;
          break;
        }
      }
      const bytes = new Uint8Array(v.voxels.buffer, v.voxels.byteOffset, v.voxels.byteLength);
      return {
        name: v.name,
        dims: [...g.dims],
        channels: v.channels,
        voxelCount: v.voxels.length,
        finiteGeometry: g.ijkToLps.every(Number.isFinite) && g.spacing.every((s) => Number.isFinite(s) && s > 0),
        finiteVoxels,
        crc: crc32(bytes),
      };
    }),
    problems: result.problems.map((p) => ({ message: p.message, severity: p.severity })),
    names,
  };
}

/** The verdict on one case from the child's report (null when the child timed out or died). */
export function classify(meta: CaseMeta, report: CaseReport | null, timedOut: boolean): { outcome: Outcome; why: string } {
  if (timedOut) return { outcome: 'hang', why: 'no answer within the time cap' };
  if (!report) return { outcome: 'crash', why: 'the child process died without a report (out of memory or an uncaught error)' };
  const subjects = new Set([...report.names, ...report.volumes.map((v) => v.name)]);
  for (const p of report.problems) {
    if (isRawLibraryText(p.message)) return { outcome: 'raw-message', why: p.message };
    const named =
      [...subjects].some((s) => p.message.startsWith(`${s}:`)) ||
      /^(MR|CT|[A-Z]{2}) series|^folder |^\d+ folders|^the opened files/.test(p.message) ||
      report.names.some((n) => p.message.includes(n));
    if (!named) return { outcome: 'raw-message', why: `names no file: ${p.message}` };
  }
  if (report.volumes.length === 0) {
    return report.problems.some((p) => p.severity === 'error')
      ? { outcome: 'named-error', why: report.problems[0]!.message }
      : { outcome: 'wrong', why: 'nothing opened and nothing said' };
  }
  for (const v of report.volumes) {
    const expected = v.dims.reduce((a, b) => a * b, 1) * v.channels;
    if (v.voxelCount !== expected || v.voxelCount === 0) return { outcome: 'wrong', why: `${v.name}: ${v.voxelCount} voxels for dims ${v.dims.join('×')}` };
    if (!v.finiteGeometry) return { outcome: 'wrong', why: `${v.name}: non-finite or zero geometry` };
    if (!v.finiteVoxels) return { outcome: 'wrong', why: `${v.name}: non-finite voxel values` };
  }
  if (meta.expect === 'same' && meta.reference) {
    const v = report.volumes[0]!;
    if (v.crc !== meta.reference.crc || v.dims.join() !== meta.reference.dims.join()) {
      return { outcome: 'wrong', why: `opened, but its voxels differ from the pristine file's (${v.dims.join('×')})` };
    }
  }
  return { outcome: 'ok', why: report.volumes.map((v) => `${v.name} ${v.dims.join('×')}`).join(', ') };
}
