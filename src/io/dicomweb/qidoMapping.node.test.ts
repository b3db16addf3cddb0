import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orthancUnavailable, type RunningOrthanc, startOrthanc } from '../../../e2e/orthanc.ts';
import { formatDicomDate, instancesFromQido, SERIES_FIELDS, seriesFromQido, STUDY_FIELDS, studiesFromQido } from './qidoMapping.ts';

const uid = (v: string) => ({ vr: 'UI', Value: [v] });
const str = (vr: string, v: string | number) => ({ vr, Value: [v] });

describe('QIDO-RS JSON → study, series and instance lists', () => {
  it('reads a study as a worklist shows it: person name, ISO date, modalities, counts', () => {
    const [s] = studiesFromQido([
      {
        '0020000D': uid('1.2.3'),
        '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane^^^' }] },
        '00100020': str('LO', 'P-7'),
        '00080020': str('DA', '20240131'),
        '00081030': str('LO', ' Brain MR '),
        '00080061': { vr: 'CS', Value: ['MR', 'SEG', 'MR'] },
        '00201206': str('IS', 3),
        '00201208': str('IS', '54'),
      },
    ]);
    expect(s).toEqual({
      studyInstanceUID: '1.2.3',
      patientName: 'Doe, Jane',
      patientId: 'P-7',
      date: '2024-01-31',
      description: 'Brain MR',
      accessionNumber: '',
      modalities: ['MR', 'SEG'],
      seriesCount: 3,
      instanceCount: 54,
    });
  });

  it('drops records without their UID, tolerates empty attributes and lower-case keys, and sorts newest first', () => {
    const studies = studiesFromQido([
      { '00100010': { vr: 'PN' } },
      { '0020000d': uid('old'), '00080020': str('DA', '19991231'), '00100010': { vr: 'PN' } },
      { '0020000D': uid('new'), '00080020': str('DA', '20200101'), '00100010': { vr: 'PN', Value: [{ Ideographic: '山田^太郎' }] } },
      { '0020000D': uid('undated') },
      'not an object',
    ]);
    expect(studies.map((s) => s.studyInstanceUID)).toEqual(['new', 'old', 'undated']);
    expect(studies[0]!.patientName).toBe('山田, 太郎');
    expect(studies[1]!.patientName).toBe('');
    expect(studies[2]!.seriesCount).toBeNull();
    expect(studiesFromQido({ error: 'not a list' })).toEqual([]);
  });

  it('keeps a DA it cannot read as sent instead of inventing a date', () => {
    expect(formatDicomDate('20240131')).toBe('2024-01-31');
    expect(formatDicomDate('2024.01.31')).toBe('2024.01.31');
    expect(formatDicomDate('')).toBe('');
  });

  it('lists series by series number (unnumbered last) and instances by instance number', () => {
    const series = seriesFromQido([
      { '0020000E': uid('b'), '00080060': str('SEG', 'SEG'), '0008103E': str('LO', 'Pseudolab labels') },
      { '0020000E': uid('a'), '00080060': str('CS', 'MR'), '00200011': str('IS', '4'), '00201209': str('IS', 22) },
      { '00080060': str('CS', 'MR') },
    ]);
    expect(series).toEqual([
      { seriesInstanceUID: 'a', modality: 'MR', description: '', seriesNumber: 4, instanceCount: 22 },
      { seriesInstanceUID: 'b', modality: 'SEG', description: 'Pseudolab labels', seriesNumber: null, instanceCount: null },
    ]);
    const instances = instancesFromQido([
      { '00080018': uid('i2'), '00200013': str('IS', '2') },
      { '00080018': uid('i1'), '00200013': str('IS', 1), '00080016': uid('1.2.840.10008.5.1.4.1.1.4') },
    ]);
    expect(instances.map((i) => i.sopInstanceUID)).toEqual(['i1', 'i2']);
    expect(instances[0]!.sopClassUID).toBe('1.2.840.10008.5.1.4.1.1.4');
  });
});

/*
 * The same mapping on what a real PACS answers: Orthanc with its DICOMweb plugin, loaded with the shared series.
 * Node's fetch needs no CORS, so this reaches Orthanc directly.
 */
const unavailable = orthancUnavailable();
describe.skipIf(unavailable !== null)(`QIDO-RS against a real Orthanc${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let orthanc: RunningOrthanc;
  beforeAll(async () => {
    orthanc = await startOrthanc({ appOrigin: 'http://127.0.0.1:1' });
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
  });
  const qido = async (path: string, fields: readonly string[]): Promise<unknown> => {
    const q = fields.map((f) => `includefield=${f}`).join('&');
    const r = await fetch(`${orthanc.directDicomWebUrl}${path}?${q}`, { headers: { Accept: 'application/dicom+json' } });
    expect(r.status).toBe(200);
    return r.json();
  };

  it('lists the shared study with its two series and their slices', async () => {
    const studies = studiesFromQido(await qido('/studies', STUDY_FIELDS));
    expect(studies).toHaveLength(1);
    const study = studies[0]!;
    expect(study.modalities).toEqual(['MR']);
    expect(study.seriesCount).toBe(2);
    expect(study.instanceCount).toBe(22 + 32);
    expect(study.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const series = seriesFromQido(await qido(`/studies/${study.studyInstanceUID}/series`, SERIES_FIELDS));
    expect(series.map((s) => s.instanceCount).sort()).toEqual([22, 32]);
    const t1 = series.find((s) => s.instanceCount === 22)!;
    expect(t1.modality).toBe('MR');
    expect(t1.description).not.toBe('');
    const instances = instancesFromQido(await qido(`/studies/${study.studyInstanceUID}/series/${t1.seriesInstanceUID}/instances`, ['00200013']));
    expect(instances).toHaveLength(22);
    expect(new Set(instances.map((i) => i.sopInstanceUID)).size).toBe(22);
  });
});
