/** Value formats DICOM's text VRs demand, kept in one place so writer and tests agree on them. */

/** A decimal string (DS) of at most 16 characters, as exact as that allows. */
export function decimalString(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot write ${x} as a DICOM decimal string`);
  const plain = String(x);
  if (plain.length <= 16) return plain;
  for (let digits = 15; digits > 0; digits--) {
    const s = String(Number(x.toPrecision(digits)));
    if (s.length <= 16) return s;
  }
  return x.toExponential(6);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** DA, in UTC: the same instant gives the same date wherever the SEG is written. */
export function dicomDate(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** TM, in UTC. */
export function dicomTime(d: Date): string {
  return `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/**
 * A new UID under the 2.25 root (ITU-T X.667): a random UUID written as one decimal integer, so it needs no
 * registered organisation root and cannot collide in practice.
 */
export function newUid(): string {
  const hex = crypto.randomUUID().replace(/-/g, '');
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

/** A coded concept: the triplet every DICOM code sequence item holds. */
export interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

export const code = (value: string, scheme: string, meaning: string): Code => ({ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning });
