import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orthancUnavailable, type RunningOrthanc, SHARED_SERIES, startOrthanc } from '../../../e2e/orthanc.ts';
import { makeClass } from '../../volume/classes.ts';
import { createLabelMap, SliceProvenance } from '../../volume/labels.ts';
import { labelsFromSeg } from '../dicomSeg/labelsFromSeg.ts';
import { writeDicomSeg } from '../dicomSeg/writeSeg.ts';
import { openInputs } from '../openInputs.ts';
import { configureNodeCodecs } from '../testing/nodeCodecs.ts';
import { nodeFolder } from '../testing/nodeFiles.ts';
import { connectDicomweb, DicomwebError } from './dicomwebServer.ts';
import { FetchXhr } from './testing/fetchXhr.ts';

/*
 * The client wrapper against a real Orthanc (DICOMweb plugin), through dicomweb-client itself: what the browser
 * dialog does, minus the browser. The series arrives byte for byte as stored, opens into the same volume as from
 * disk, and a SEG written from painted labels goes back over STOW-RS, is listed as a SEG series and comes back over
 * WADO-RS onto the same voxels.
 */
const unavailable = orthancUnavailable();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.skipIf(unavailable !== null)(`DICOMweb client against a real Orthanc${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let orthanc: RunningOrthanc;
  beforeAll(async () => {
    configureNodeCodecs();
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = FetchXhr;
    orthanc = await startOrthanc({ appOrigin: 'http://127.0.0.1:1' });
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
    delete (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest;
  });

  it('opens a series over WADO-RS exactly as from disk, stores a SEG over STOW-RS and reads it back', async () => {
    const server = connectDicomweb(orthanc.directDicomWebUrl);
    const [study] = await server.listStudies();
    expect(study).toBeDefined();
    // Fields beyond the required ones arrive (includefield with its commas intact): the study's description.
    expect(study!.description).not.toBe('');
    const t1 = (await server.listSeries(study!.studyInstanceUID)).find((s) => s.instanceCount === 22)!;
    const seen: [number, number][] = [];
    const files = await server.retrieveSeries(study!.studyInstanceUID, t1, (done, total) => seen.push([done, total]));
    expect(files).toHaveLength(22);
    expect(seen[0]).toEqual([0, 22]);
    expect(seen.at(-1)).toEqual([22, 22]);

    // As stored: the same bytes as the shared files, nothing transcoded.
    const dir = SHARED_SERIES[0]!;
    const onDisk = new Set(readdirSync(dir).map((f) => sha(readFileSync(join(dir, f)))));
    for (const f of files) expect(onDisk.has(sha(await f.read()))).toBe(true);

    const fromServer = await openInputs(files);
    const fromDisk = await openInputs(nodeFolder(dir));
    expect(fromServer.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const volume = fromServer.volumes[0]!;
    expect(volume.geometry.dims).toEqual([512, 512, 22]);
    expect(volume.geometry.ijkToLps).toEqual(fromDisk.volumes[0]!.geometry.ijkToLps);
    expect(Buffer.from(volume.voxels.buffer).equals(Buffer.from(fromDisk.volumes[0]!.voxels.buffer))).toBe(true);

    // Paint a square on slice 11, store it as a SEG.
    const labels = createLabelMap(volume.geometry.dims);
    for (let j = 200; j < 240; j++) for (let i = 220; i < 260; i++) labels.voxels[11 * 512 * 512 + j * 512 + i] = 1;
    labels.slices[2][11] = SliceProvenance.Painted;
    const seg = writeDicomSeg({ volume, labels, classes: [makeClass(1, 'Tumour')] });
    expect(await server.store([seg])).toEqual({ stored: 1, failed: 0 });

    const series = await server.listSeries(study!.studyInstanceUID);
    const segSeries = series.filter((s) => s.modality === 'SEG');
    expect(segSeries).toHaveLength(1);
    expect((await server.listStudies())[0]!.modalities.sort()).toEqual(['MR', 'SEG']);

    // Back over WADO-RS: the reader recognises it as a SEG of the T1 series and it lands on the painted voxels.
    const back = await openInputs(await server.retrieveSeries(study!.studyInstanceUID, segSeries[0]!));
    expect(back.volumes).toEqual([]);
    const read = back.segmentations?.[0]?.seg;
    expect(read?.referencedSeriesUID).toBe(t1.seriesInstanceUID);
    expect(read?.frames).toHaveLength(1);
    const restored = labelsFromSeg(read!, volume, () => 1).labels;
    expect(Buffer.from(restored.voxels).equals(Buffer.from(labels.voxels))).toBe(true);
  }, 120_000);

  it('says "not found" for a wrong root and "no answer" for a server that is not there', async () => {
    const wrongRoot = connectDicomweb(`${orthanc.restUrl}/not-dicom-web`);
    const notFound = await wrongRoot.listStudies().catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(DicomwebError);
    expect((notFound as DicomwebError).message).toMatch(/not found.*DICOMweb root/);
    expect((notFound as DicomwebError).detail).toBe('HTTP status 404');

    // Port 9 (discard) on loopback: nothing listens there.
    const down = await connectDicomweb('http://127.0.0.1:9/dicom-web')
      .listStudies()
      .catch((e: unknown) => e);
    expect((down as DicomwebError).message).toMatch(/^No answer from http:\/\/127\.0\.0\.1:9\/dicom-web/);
  });
});
